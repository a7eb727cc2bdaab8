"""The page being read: its tree, meta and structured data, the outlet's rules, and what every field's
reader asks of it (the headline, the title, document order, the site's furniture, a date read)."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, timedelta
from html import unescape
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from crawler.extractors.dates import normalize_date, parse_with_formats, url_day
from crawler.extractors.generic.common import (
    _as_text,
    _host,
    _plain_text_length,
    _plain_texts,
    _text_value,
    _words,
    _xpath,
    describe,
)
from crawler.extractors.meta import Meta, base_url
from crawler.extractors.rules import Selector
from crawler.extractors.structured import StructuredArticle
from crawler.extractors.text import collapse, text_of, unique

if TYPE_CHECKING:
    from crawler.extractors.generic import GenericExtractor

_TITLE_SEPARATORS = re.compile(r"\s+[|–—:»·-]\s+|\s*\|\s*")
# What joins a site's name to the article's title in a <title>, a colon right after the name too ('Blog: Post').
# The class of an element printing a headline outside h1-h4 (`<div class="news_detail_title">`).
_TITLE_CLASS_RE = re.compile(r"title|headline", re.IGNORECASE)
_AFFIX_GAP = re.compile(r"\s*:\s+|\s+[|–—:»·-]\s+|\s*\|\s*")
_ATTR_RE = re.compile(r"::attr\(([\w:-]+)\)\s*$")
_TEXT_RE = re.compile(r"::text\s*$")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})\b")
# (`/descendant::*[…]` is `//*[…]` for a predicate that is no position, walked in one step, not two: 40% faster)
_CLASSED = etree.XPath("/descendant::*[@class or @id]")
# What lets a pattern search every classed element's names in one string, the names apart by line breaks
# (PageBase.classed): no anchor (^, $, \A, \Z) and nothing that may match a line break (\s, \W, \D, [^…], \n).
# Lookarounds see the break where a name's own search sees its start or end: neither is a word character or '-'.
_NOT_JOINABLE_RE = re.compile(r"[$^]|\\[AZsWDn]")
# Both as one search, spelled out in its cases (a case-blind search is slower, and this one reads every text).
_TEXT_HIT_RE = re.compile(r"©|[Cc]opyright|COPYRIGHT|[Rr]ights [Rr]eserved|RIGHTS RESERVED|\([cC]\)|[Oo]riginally|"
                          r"ORIGINALLY|[Ff]irst (?:[Pp]ublished|[Aa]ppeared)|FIRST (?:PUBLISHED|APPEARED)|"
                          r"[Oo]riginal [Ss]ource|[Pp]roduced [Bb]y|PRODUCED BY|[Rr]epublished|REPUBLISHED|"
                          r"[Rr]eprinted|REPRINTED|[Ss]ource\s*:|SOURCE\s*:|^\s*(?:[Vv]ia|VIA)\b")
# Literal pieces of those words: a search for plain literals is four times as fast, and rules most texts out.
_TEXT_HINT_RE = re.compile("|".join(re.escape(k) for k in (
    "©", "opyright", "OPYRIGHT", "ights", "IGHTS", "(c)", "(C)", "riginal", "RIGINAL", "irst ", "IRST ", "roduced",
    "RODUCED", "eprinted", "EPRINTED", "epublished", "EPUBLISHED", "ource", "OURCE", "via", "Via", "VIA")))


def _title_core(title: str) -> str:
    """A declared title without what follows its last ' | ' (a site or section name), when the rest is longer."""
    head, bar, tail = title.rpartition(" | ")
    return head if bar and len(_words(head)) > len(_words(tail)) else title


def _run(selector: Selector, root: lxml_html.HtmlElement) -> list[Any]:
    if selector.kind == "xpath":
        found = root.xpath(selector.expression)
        return list(found) if isinstance(found, list) else [found]
    expression = selector.expression
    attr = _ATTR_RE.search(expression)
    text_only = _TEXT_RE.search(expression)
    css = _ATTR_RE.sub("", _TEXT_RE.sub("", expression))
    elements = CSSSelector(css)(root)
    if attr:
        return [e.get(attr.group(1)) for e in elements if e.get(attr.group(1)) is not None]
    if text_only:
        return [text_of(e) for e in elements]
    return list(elements)


class PageBase:
    """One page being read: the parsed tree, its meta and structured data, the outlet's rules."""

    def __init__(self, extractor: GenericExtractor, root: lxml_html.HtmlElement, structured: StructuredArticle,
                 url: str, evidence: dict[str, str] | None) -> None:
        self.x = extractor
        self.rules = extractor.rules
        self.root = root
        self.sd = structured
        self.meta = Meta(root)
        self.base = base_url(root, url)
        self.url = url
        self.evidence = evidence
        self.ld = f"JSON-LD {structured.jsonld_type}"
        self._order: dict[Any, int] | None = None
        self._elements: list[lxml_html.HtmlElement] = []
        self._classed: list[tuple[lxml_html.HtmlElement, str]] | None = None
        self._classed_names = ""
        self._classed_starts: list[int] = []
        self._hits: list[tuple[lxml_html.HtmlElement, str]] | None = None
        self._headline: lxml_html.HtmlElement | bool | None = False
        self._titles: list[tuple[str, str]] | None = None
        self._days: dict[str | None, str | None] = {}
        self._byline: tuple[lxml_html.HtmlElement | None, str] | None = None
        self._site: list[str] | None = None
        self.credit_element: lxml_html.HtmlElement | None = None
        self._plain_length: int | None = None
        self._furniture: set[lxml_html.HtmlElement] | None = None
        self.local_offset: timedelta | None = None

    def note(self, field_name: str, how: str) -> None:
        if self.evidence is not None:
            self.evidence[field_name] = how

    def select(self, field_name: str) -> list[Any] | None:
        """What the outlet's selector for a field matches (elements or strings), or None without a selector."""
        selector = self.rules.selectors.get(field_name)
        if selector is None:
            return None
        return _run(selector, self.root)

    def selected_text(self, field_name: str) -> str | None:
        found = self.select(field_name)
        if not found:
            return None
        text = _as_text(found[0]) or None
        if text:
            self.note(field_name, f"outlet rule: {self.rules.selectors[field_name].expression}")
        return text

    def normalized(self, raw: str | None) -> str | None:
        """normalize_date of a printed or declared date, read once per page: a page offers one value in several
        places, and the rules and the scorer each read it again (five times on average)."""
        if raw not in self._days:
            self._days[raw] = normalize_date(raw)
        return self._days[raw]

    def _first_string(self, xpath: str) -> str | None:
        found = _xpath(xpath)(self.root)
        return str(found[0]).strip() if found else None

    def classed(self, pattern: re.Pattern[str]) -> list[lxml_html.HtmlElement]:
        """Elements whose class or id (lower-cased) matches the pattern, in document order."""
        classed = self._names()
        if pattern.flags & (re.MULTILINE | re.DOTALL) or _NOT_JOINABLE_RE.search(pattern.pattern):
            return [e for e, names in classed if pattern.search(names)]
        found = []
        starts, position = self._classed_starts, 0
        while (match := pattern.search(self._classed_names, position)) is not None:
            index = bisect_right(starts, match.start()) - 1
            found.append(classed[index][0])
            if index + 1 == len(starts):
                break
            position = starts[index + 1]  # (the element matched: on to the next one's names)
        return found

    def _names(self) -> list[tuple[lxml_html.HtmlElement, str]]:
        """The elements with a class or id, each with its names (class and id, lower-cased), read once."""
        if self._classed is None:
            self._classed = [(e, f"{e.get('class') or ''} {e.get('id') or ''}".lower()) for e in _CLASSED(self.root)
                             if isinstance(e.tag, str)]
            # All the names in one string, each element's from its start offset: a page asks half a dozen patterns
            # of its thousands of classed elements, and one search through C for the next matching element is far
            # cheaper than a search from Python per element.
            offset = 0
            for _, names in self._classed:
                self._classed_starts.append(offset)
                offset += len(names) + 1
            self._classed_names = "\n".join(names for _, names in self._classed)
        return self._classed

    def named(self) -> list[lxml_html.HtmlElement]:
        r"""Elements with a class or id of more than spaces, in document order: classed(re.compile(r"\S")) without a
        search (names of only spaces are what str.isspace says so of: the characters of the pattern's \s)."""
        return [e for e, names in self._names() if not names.isspace()]

    def text_hits(self, pattern: re.Pattern[str]) -> list[lxml_html.HtmlElement]:
        """Elements whose own text or the text after one of their children matches one of the patterns of
        _TEXT_HIT_RE (script and style left out), filtered by `pattern`; one pass over the page for all."""
        if self._hits is None:
            self._hits = []
            for element in self.root.iter():
                if not isinstance(element.tag, str) or element.tag in ("script", "style", "head", "title",
                                                                       "noscript"):
                    continue
                # Copyright and credit lines are short: long paragraphs are not searched, but for a legal
                # paragraph holding a © statement ('© 2020 Retail Insider Media Ltd. All Rights …', '… written
                # consent of NHL Enterprises, L.P. Copyright © 1999-2020 MLSE …').
                text, tail = element.text, element.tail
                if text and (len(text) < 500 or "©" in text) and _TEXT_HINT_RE.search(text) \
                        and _TEXT_HIT_RE.search(text):
                    self._hits.append((element, text))
                if tail and len(tail) < 500 and _TEXT_HINT_RE.search(tail) and _TEXT_HIT_RE.search(tail):
                    parent = element.getparent()
                    if parent is not None and parent.tag not in ("script", "style"):
                        self._hits.append((parent, tail))
        return [element for element, text in self._hits if pattern.search(text)]

    def order(self, element: Any) -> int:
        """An element's position in document order (computed once per page)."""
        if self._order is None:
            self._elements = list(self.root.iter())
            self._order = dict(zip(self._elements, range(len(self._elements)), strict=True))
        return self._order.get(element, -1)

    def site_names(self) -> list[str]:
        """Names the outlet goes by on this page (og:site_name, the publisher, the application name)."""
        if self._site is None:
            title = collapse(self._first_string("/descendant::title/text()")).casefold()
            names = [self.rules.site_name, self.meta.get("property:og:site_name"),
                     _text_value(self.sd.jsonld_value("publisher")), _text_value(self.sd.microdata_value("publisher")),
                     self.meta.get("name:application-name"),
                     self.meta.get("name:dc.publisher"), self.meta.get("name:article_publication_name")]
            for node in self.sd.of_type("Organization", "NewsMediaOrganization", "WebSite"):
                names.append(_text_value(node.get("name")))
            # A site name that is the article's own title (a misconfigured og:site_name) names no site.
            self._site = unique([n for n in names if n and n.casefold() not in (title, "")
                                 and n.casefold() != (self._headline_text() or "").casefold()])
        return self._site

    def is_outlet(self, name: str) -> bool:
        folded = collapse(name).casefold()
        host = _host(self.url)
        for site in self.site_names():
            site_folded = site.casefold()
            if folded == site_folded or folded.removeprefix("the ") == site_folded.removeprefix("the "):
                return True
        compact = re.sub(r"[^a-z0-9]", "", folded)
        return bool(compact) and (compact == re.sub(r"[^a-z0-9]", "", host.split(".")[0])
                                  or compact == re.sub(r"[^a-z0-9]", "", host))

    def _meta_titles(self) -> list[tuple[str, str]]:
        """The titles the page declares, strongest first, with where each is (read once: the headline's search
        asks for them at each h1; the page's <title> is read before the body's reading prunes the tree)."""
        if self._titles is None:
            self._titles = self._read_meta_titles()
        return self._titles

    def _read_meta_titles(self) -> list[tuple[str, str]]:
        found = [
            (_text_value(self.sd.jsonld_value("headline")), f"{self.ld}.headline"),
            (self.meta.get("property:og:title"), "meta og:title"),
            (self.meta.get("name:twitter:title", "property:twitter:title"), "meta twitter:title"),
            (_text_value(self.sd.microdata_value("headline")), "microdata headline"),
            (self.meta.get("name:dc.title", "name:title", "name:parsely-title", "name:sailthru.title"), "meta title"),
            (collapse(self._first_string("/descendant::title/text()")), "<title>"),
        ]
        return [(unescape(t), how) for t, how in found if t]

    def headline(self) -> lxml_html.HtmlElement | None:
        """The printed headline: the h1 that matches the page's declared title, else the one h1 of the article."""
        if self._headline is not False:
            return self._headline if isinstance(self._headline, lxml_html.HtmlElement) else None
        # Each declared title without a site suffix ('… | MIT Technology Review'): a promo h1 naming the site
        # must not match the title by the site's words.
        titles = [set(_words(_title_core(t))) for t, _ in self._meta_titles()]
        best: tuple[float, int, lxml_html.HtmlElement] | None = None
        candidates = []
        for h1 in self.root.iter("h1"):
            text = text_of(h1)
            if not text or len(text) > 400 or self.in_furniture(h1) or self._is_logo(text) \
                    or self._is_title_affix(text):
                continue
            candidates.append(h1)
            words = set(_words(text))
            if not words:
                continue
            overlap = max((len(words & t) / len(words) for t in titles if t), default=0.0)
            cover = max((len(words & t) / len(t) for t in titles if t), default=0.0)
            score = overlap + 0.5 * cover
            rank = (score, -self.order(h1), h1)
            if overlap >= 0.6 and (best is None or rank[:2] > best[:2]):
                best = rank
        chosen: lxml_html.HtmlElement | None = best[2] if best is not None else None
        if chosen is None:
            inside = [h for h in candidates if _xpath("ancestor::article | ancestor::main")(h)
                      or re.search(r"headline|title", h.get("class") or "", re.IGNORECASE)]
            if len(inside) == 1:
                chosen = inside[0]
            elif len(candidates) == 1:
                chosen = candidates[0]
        # (against the titles that name the article alone where there are any: a <title> adds the site's name,
        # which a logo h1 shares: 'Newport County AFC' against '… - News - Newport County')
        declared = [set(_words(_title_core(t))) for t, how in self._meta_titles() if how != "<title>"] or titles
        if chosen is not None and titles and not any(set(_words(text_of(chosen))) & t for t in declared if t):
            # an h1 sharing no word with the title ('Read', a section's name): the heading that is the title
            titled = self._titled_heading(titles)
            chosen = titled if titled is not None else chosen
        if chosen is None and titles:
            # No h1 is the headline (a blog whose h1s are its logo, the post title in an h2-h4).
            chosen = self._titled_heading(titles)
        self._headline = chosen if chosen is not None else None
        return chosen

    def _titled_heading(self, titles: list[set[str]]) -> lxml_html.HtmlElement | None:
        """The heading that is the declared title: an h2-h4 or an element classed as a title or headline
        (`<div class="news_detail_title">`) printing it word for word, else the first h2-h4 near enough to it
        that is not cut short ('… touch Dh33 billion in...', a teaser of the story in a list of others)."""
        declared = {collapse(t).casefold() for t, _ in self._meta_titles()}
        for heading in self.root.iter("h2", "h3", "h4", "div", "span", "p"):
            if (heading.tag in ("h2", "h3", "h4") or _TITLE_CLASS_RE.search(heading.get("class") or "")) \
                    and text_of(heading).casefold() in declared and not self.in_furniture(heading):
                return heading
        for heading in self.root.iter("h2", "h3", "h4"):
            text = text_of(heading)
            words = set(_words(text))
            if len(words) >= 3 and not text.endswith(("...", "…")) and not self.in_furniture(heading) and any(
                    len(words & t) >= 0.9 * len(words) and len(words & t) >= 0.7 * len(t) for t in titles if t):
                return heading
        return None

    def _is_title_affix(self, text: str) -> bool:
        """An h1 that is the part of one declared title that another declared title leaves out: the site's name
        that `<title>` adds before or after the article's (a blog's h1 'The Grumpy Economist', `<title>` 'The Grumpy
        Economist: Free Market Vaccines', og:title 'Free Market Vaccines')."""
        declared = {collapse(t).casefold() for t, _ in self._meta_titles()}
        name = collapse(text).casefold()
        for title in declared:
            if title != name and title.startswith(name) and (gap := _AFFIX_GAP.match(title, len(name))) \
                    and title[gap.end():] in declared:
                return True
            if title != name and title.endswith(name):
                head = title[:-len(name)]
                gap = next((g for g in _AFFIX_GAP.finditer(head) if g.end() == len(head)), None)  # (the last one)
                if gap is not None and head[:gap.start()] in declared:
                    return True
        return False

    def _is_logo(self, text: str) -> bool:
        """An h1 that is the site's name (its logo), by og:site_name or the host: site_names() needs the headline."""
        if len(text.split()) > 4:
            return False  # (a site name that is the article's title: a misconfigured og:site_name)
        compact = re.sub(r"[^a-z0-9]", "", text.casefold())
        host = _host(self.url)
        site = re.sub(r"[^a-z0-9]", "", (self.meta.get("property:og:site_name") or "").casefold())
        return bool(compact) and compact in (site, re.sub(r"[^a-z0-9]", "", host.split(".")[0]),
                                             re.sub(r"[^a-z0-9]", "", host))

    def _headline_text(self) -> str | None:
        h1 = self.headline()
        return text_of(h1) if h1 is not None else None

    def title(self) -> str | None:
        chosen = self.selected_text("title")
        if chosen:
            return chosen
        h1 = self.headline()
        if h1 is not None:
            titles = self._meta_titles()
            text = text_of(h1)
            matched = next((how for t, how in titles if collapse(t).casefold() == text.casefold()), None)
            # a headline printed cut short ('AI investments in UAE to touch Dh33 billion in...'): the declared title
            # it begins, whole
            cut = text.rstrip(" .…") if text.endswith(("...", "…")) else None
            whole = next(((collapse(t), how) for t, how in titles if cut and len(cut) >= 20
                          and collapse(t).casefold().startswith(cut.casefold()) and len(collapse(t)) > len(cut)), None)
            if whole is not None:
                self.note("title", f"{whole[1]} (the headline printed cut short in {describe(h1)})")
                return self._strip_site(whole[0]) if whole[1] == "<title>" else whole[0]
            self.note("title", f"visible: {describe(h1)}" + (f" (= {matched})" if matched else
                                                           " (the printed headline; meta titles differ)"))
            return text
        for text, how in self._meta_titles():
            stripped = self._strip_site(text)
            self.note("title", how + (" less the site's name" if stripped != text else ""))
            return stripped
        return None

    def _strip_site(self, title: str) -> str:
        """'Headline | Site' or 'Site - Headline' less the site's part (only a part naming the site, or the last
        part of a <title> when the site's name is unknown)."""
        parts = _TITLE_SEPARATORS.split(title)
        if len(parts) < 2:
            return title
        sites = [s.casefold() for s in self.site_names()] + [_host(self.url)]
        kept = [p for p in parts if p.casefold() not in sites and not any(
            p.casefold() in s or s in p.casefold() for s in sites if len(p) > 3)]
        if kept and len(kept) < len(parts):
            return " | ".join(kept) if len(kept) > 1 else kept[0]
        return title

    def _near_headline(self, element: lxml_html.HtmlElement, before: int = 40, after: int = 400) -> bool:
        h1 = self.headline()
        if h1 is None:
            return bool(_xpath("ancestor::article | ancestor::main | ancestor::header")(element))
        distance = self.order(element) - self.order(h1)
        return -before <= distance <= after

    def parsely(self) -> dict[str, Any]:
        """Parse.ly's older page metadata, one JSON object in `<meta name="parsely-page">` (author, pub_date,
        section, tags), or nothing."""
        raw = self.meta.get("name:parsely-page")
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def read_date(self, raw: str | None) -> str | None:
        """A date as printed, turned into ISO 8601 when one of the outlet's formats or the URL's date reads it."""
        if raw is None:
            return None
        text = collapse(raw)
        by_format = parse_with_formats(text, self.rules.date_formats)
        if by_format:
            return by_format
        if self.normalized(text) is None:
            numeric = self._numeric_by_url(text)
            if numeric:
                return numeric
        return text

    def _numeric_by_url(self, text: str) -> str | None:
        """An all-numeric date (01/31/2019, 2/20/19) read the one way that gives the URL's date, or, without one,
        the only way it reads at all (1/27/2017: no month 27, and a year of four digits), else None: never guessed."""
        the_day = url_day(self.url)
        numeric = _NUMERIC_DATE_RE.search(text)
        if numeric is None:
            return None
        a, _, b, c = numeric.groups()
        readings = []
        for y, m, d in ((c, a, b), (c, b, a), (a, b, c)):
            year = int(y) + (2000 if len(y) == 2 else 0)
            try:
                readings.append(date(year, int(m), int(d)))
            except ValueError:
                continue
        if the_day is None and len(c) == 4 and len(set(readings)) == 1:
            the_day = readings[0]
        if the_day is None or the_day not in readings:
            return None
        clock = re.search(r"\b([01]?\d|2[0-3]):([0-5]\d)\b(?:\s*([ap])\.?m\b\.?)?", text, re.IGNORECASE)
        if clock is None:
            return the_day.isoformat()
        hour = int(clock.group(1))
        if clock.group(3) and hour <= 12:
            hour = hour % 12 + (12 if clock.group(3).casefold() == "p" else 0)
        return f"{the_day.isoformat()}T{hour:02d}:{clock.group(2)}"

    def _visible_times(self) -> list[tuple[lxml_html.HtmlElement, str, str]]:
        """`<time>` elements and printed date lines near the headline: (element, raw date, label)."""
        found: list[tuple[lxml_html.HtmlElement, str, str]] = []
        for element in self.root.iter("time"):
            if self.in_furniture(element) or not self._near_headline(element, before=60, after=300):
                continue
            label = " ".join((element.get("class") or "", element.get("itemprop") or "",
                              text_of(element.getparent()) if element.getparent() is not None else "")).casefold()
            raw = element.get("datetime") or text_of(element)
            if raw:
                found.append((element, raw, label))
        return found

    def _around(self, h1: lxml_html.HtmlElement, before: int = 60, after: int = 300) -> Iterator[
            lxml_html.HtmlElement]:
        """The page's elements from `before` elements ahead of the headline to `after` past it, in order."""
        start = self.order(h1)
        yield from self._elements[max(0, start - before):start + after + 1]

    def in_furniture(self, element: lxml_html.HtmlElement) -> bool:
        """Inside the site's footer, navigation or a sidebar. Not inside one left open by a typo around the article
        (`<nav class="breadcrumb">` never closed): one that holds a third of the page's text is no menu."""
        if self._furniture is None:
            # Every element inside such a wrapper, found once: asked of thousands of elements a page.
            self._furniture = set()
            for wrapper in self.root.iter("footer", "nav", "aside"):
                if wrapper not in self._furniture and _plain_text_length(wrapper) * 3 <= self.plain_length():
                    self._furniture.update(wrapper.iterdescendants())
        return element in self._furniture

    def plain_length(self) -> int:
        """The characters of text a reader reads on the page (outside links, scripts, form fields), once."""
        if self._plain_length is None:
            body = self.root.find("body")
            self._plain_length = _plain_text_length(body if body is not None else self.root)
        return self._plain_length

    def page_plain_length(self) -> int:
        """_plain_text_length of the whole page (the <head>'s title too): the body's, known already, and the rest's.
        Asked before the body's reading prunes the tree, as plain_length is."""
        body = self.root.find("body")
        if body is None:
            return self.plain_length()
        # (the root's own walk: its text, each child's texts unless it is one a reader does not read, each tail)
        pieces = [self.root.text or "" if isinstance(self.root.tag, str) else ""]
        for child in self.root:
            if child is not body:
                pieces.extend(_plain_texts(child))
            pieces.append(child.tail or "")
        return self.plain_length() + sum(len(text.strip()) for text in pieces)
