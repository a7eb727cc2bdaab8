"""The byline and the authors: declared (JSON-LD, microdata, meta), linked (rel=author, profile pages) and
printed near the headline.

The printed byline is the hand-written cascade's choice (`_rules_byline`) unless a learned scorer overrules it: the
cascade's choice, the elements classed or marked up as an author's, 'By …' elements, short names by the headline and
"no credit" are scored by a logistic regression over structural features (models/byline.json, trained on the
corpus's dev pages by `python -m bench.learn_byline`), and the scorer's best replaces the cascade's choice where it
scores that choice below 0.5 and its own at 0.5 or more: the scorer's side is byline_candidates.py, the
wording both sides read byline_words.py."""

from __future__ import annotations

import copy
import re
import unicodedata
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.dates import PRINTED_DATE
from crawler.extractors.generic.byline_candidates import BylineCandidates
from crawler.extractors.generic.byline_words import (
    _CREDIT_ALONE_RE,
    _CREDIT_AT_END_RE,
    _CREDIT_WORD,
    _DATE_ALONE_RE,
    _DATE_WORDS_ALONE_RE,
    _NOT_BYLINE_CLASS_RE,
    _UI_WORDS_RE,
    _clean_name,
    _looks_like_name,
)
from crawler.extractors.generic.common import (
    _PROFILE_PATH_RE,
    _as_text,
    _block_text,
    _text_value,
    _unique_links,
    _words,
    _xpath,
    describe,
    in_caption,
)
from crawler.extractors.people import BY_RE, BYLINE_LEAD_RE, JOB_TITLE_RE, clean_byline, split_names
from crawler.extractors.structured import types_of
from crawler.extractors.text import absolute, collapse, text_of

# Words of an organization's name, not a person's: a meta author 'GQ Magazine' is the publication.
_ORG_NAME_RE = re.compile(r"\b(?:Magazine|Media|News|Newsroom|Staff|Team|Editors|Editorial|Desk|Wire|Press|Inc|LLC|"
                          r"Ltd|Group|Network|Online|Digital)\b")
_DOMAIN_RE = re.compile(r"\.(?:com|org|net|co\.uk|com\.au)\b", re.IGNORECASE)
_LOGIN_RE = re.compile(r"[a-z0-9_.-]+")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Searched in lower-cased class and id names (literal searches: fast, and every classed element is read).
# 'author' but not 'authorization' (a log-in box: b-authorization).
_AUTHOR_CLASS_RE = re.compile(r"byline|author(?!i[sz]ation)")
# Author markup: itemprop=author or rel=author on any element, and links whose rel lists 'author' among others.
# (One walk of the page, not a union of two, and the elements with neither attribute ruled out first: a third
# faster.)
_AUTHOR_MARKUP = etree.XPath('/descendant::*[@itemprop or @rel][@itemprop="author" or @rel="author" or '
                             '(self::a and contains(concat(" ", normalize-space(@rel), " "), " author "))]')


def _name_slug(name: str) -> str:
    """'Peter Andrews' → 'peter-andrews', 'José Núñez' → 'jose-nunez': how profile paths spell a name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return "-".join(re.findall(r"[a-z0-9]+", plain))


# An affiliation after a comma, up to the line's end or a separator: ', ET Bureau', ', Associated Press |'.
_AFFILIATION_AFTER_RE = re.compile(r"^,\s*((?:[A-Z][\w.&'-]*)(?:\s+(?:[A-Z][\w.&'-]*|of|for|the|and)){0,4})"
                                   r"\s*(?:[|·•]|$)")


# The words of a link to an author's other posts before the name ('View all posts by', 'More articles by').
_ALL_POSTS_BY_RE = re.compile(r"^\s*(?:view|see|read|more|browse)\s+(?:all\s+|more\s+)?(?:of\s+)?(?:the\s+)?"
                              r"(?:posts|articles|stories|entries|contributions)\s+(?:by|from)\s+", re.IGNORECASE)
# A run of text that is a name (two to four capitalized words) and then a date ('Marjorie Dannenfelser   Jul 17,
# 2020'), the two apart by spaces or a bar.
_NAME_THEN_DATE_RE = re.compile(rf"((?:[A-Z][\w'’.-]*\s+){{1,3}}[A-Z][\w'’.-]*)\s*[|·•–-]?\s+(?:{PRINTED_DATE})",
                                re.UNICODE)
# Words no name is made of: the page's tools and labels, months and days.
_NOT_NAME_WORDS = frozenset({
    "share", "comments", "comment", "news", "home", "read", "more", "print", "email", "follow", "updated",
    "published", "posted", "breaking", "video", "photo", "photos", "opinion", "editorial", "subscribe", "sign",
    "log", "menu", "search", "advertisement", "sponsored", "listen", "watch", "live", "latest", "top", "story",
    "stories", "minute", "minutes", "min", "by", "and", "the", "of", "in", "on", "at", "new",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
})
# A link to the section or tag a post was filed in.
_FILED_IN_RE = re.compile(r"/(?:category|categories|tag|tags|topics?|section)/", re.IGNORECASE)


def _link_name(text: str) -> str:
    """The name an author's link prints, without its 'By' or the words of a link to the author's other posts
    ('View all posts by Okogba →')."""
    return BY_RE.sub("", _ALL_POSTS_BY_RE.sub("", text)).strip(" →»›>")


def _br_lines(element: lxml_html.HtmlElement) -> list[tuple[lxml_html.HtmlElement, str]]:
    """An element's lines between <br>s, each with the child that prints it whole, else the element."""
    lines: list[tuple[lxml_html.HtmlElement, list[str], list[lxml_html.HtmlElement]]] = [(element, [element.text or ""],
                                                                                          [])]
    for child in element:
        if child.tag == "br":
            lines.append((element, [child.tail or ""], []))
            continue
        if isinstance(child.tag, str):
            lines[-1][1].append(text_of(child))
            lines[-1][2].append(child)
        lines[-1][1].append(child.tail or "")
    found = []
    for holder, pieces, children in lines:
        text = collapse(" ".join(pieces))
        whole = [c for c in children if text_of(c) == text]
        found.append((whole[0] if whole else holder, text))
    return found


def _first_line(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The element, or a copy of it cut at its first line break when a name stands before it: 'By Miss
    Cleo<br>Cover photo credit: variety.com', 'Mikael Thalen<br>Infowars.com' (a credit line ends at its line's
    end; 'By<br>Ann Smith' is one credit)."""
    children = list(element)
    first = next((i for i, child in enumerate(children) if child.tag == "br"), None)
    if first is None:
        return element
    head = " ".join([element.text or "", *(f"{text_of(c)} {c.tail or ''}" for c in children[:first])])
    if not collapse(head) or _CREDIT_ALONE_RE.match(collapse(head)):
        return element
    cut = copy.deepcopy(element)
    for child in list(cut)[first:]:
        cut.remove(child)  # (its tail goes with it)
    return cut


class Bylines(BylineCandidates):
    """The page's people."""

    _byline_texts: dict[lxml_html.HtmlElement, str] | None = None
    _declared: tuple[list[dict[str, str | None]], str] | None = None
    _markup: tuple[list[lxml_html.HtmlElement], list[lxml_html.HtmlElement]] | None = None

    def byline_element(self) -> tuple[lxml_html.HtmlElement | None, str]:
        """The printed byline near the headline, and its text without dates."""
        if self._byline is not None:
            return self._byline
        found = self.select("byline")
        if found is not None:
            elements = [f for f in found if isinstance(f, lxml_html.HtmlElement)]
            element = elements[0] if elements else None
            self._byline = (element, text_of(element) if element is not None else "")
            return self._byline
        self._byline = self._learned_byline()
        return self._byline

    def _author_markup(self) -> tuple[list[lxml_html.HtmlElement], list[lxml_html.HtmlElement]]:
        """Elements marked itemprop=author or rel=author, and the links whose rel names 'author' (one search of the
        page, once)."""
        if self._markup is None:
            found = _AUTHOR_MARKUP(self.root)
            self._markup = ([e for e in found if e.get("itemprop") == "author" or e.get("rel") == "author"],
                            [e for e in found if e.tag == "a" and "author" in (e.get("rel") or "").split()])
        return self._markup

    def _rules_byline(self) -> tuple[lxml_html.HtmlElement | None, str]:
        """The hand-written cascade's byline: a classed byline element, a 'By …' line, a declared name printed,
        a name beside the date."""
        best: tuple[lxml_html.HtmlElement, str] | None = None
        candidates = self.classed(_AUTHOR_CLASS_RE) + [
            e for e in self._author_markup()[0] if e.get("class") is None and e.get("id") is None]
        for element in sorted(candidates, key=self.order):
            if element.tag in ("meta", "link", "script", "style", "input", "img", "body", "html", "article"):
                continue
            if not self._near_headline(element) or self.in_furniture(element) or in_caption(element):
                continue
            classes = " ".join((element.get("class") or "", element.get("id") or "")).casefold()
            # (hCard's 'vcard' marks a byline's author, not an author card)
            if _NOT_BYLINE_CLASS_RE.search(classes):
                continue
            text = self._byline_text(element)
            if text and re.search(r"\S@\S+\.\w|\bcan be reached\b", text) and not BYLINE_LEAD_RE.match(text):
                continue  # 'Lauren Saria can be reached at …': the closing contact line, not the byline
            if not text or len(text) > 160 or len(_words(text)) < 1 or text.startswith("©"):
                continue  # (a photo credit, '© UNFPA Ukraine/Isaac Hurskin', is no byline)
            if _DATE_WORDS_ALONE_RE.fullmatch(text):
                continue  # the words of a date line whose date is cut ('Filed on October 1, 2017'), no name
            if text.endswith((".", "!", "?")) and len(_words(text)) > 4 and not BYLINE_LEAD_RE.match(text):
                continue  # a sentence about the author ('Neil Clark is a journalist.'): a bio, not a byline
            if best is not None and (element in best[0].iterdescendants()):
                continue  # nested inside the one already chosen
            if text.casefold() == (self._headline_text() or "").casefold():
                continue  # the headline repeated in the author's box ('Latest post: …'), no credit
            if best is None or self.order(element) < self.order(best[0]):
                best = (element, text)
        plain = self._by_line_near_headline()
        if plain is not None and (best is None or self.order(plain[0]) < self.order(best[0])):
            best = plain  # a printed 'By …' line before any classed byline (which may name only the outlet)
        if best is None:
            best = self._byline_by_name()
        if best is None:
            best = self._name_beside_date()
        return best if best is not None else (None, "")

    def _byline_by_name(self) -> tuple[lxml_html.HtmlElement, str] | None:
        """A byline in markup that does not say it is one (generated class names, a bare `<strong>`): the name
        the page declares as its author (structured data, meta, rel=author), printed as an element's whole text
        near the headline, with the credit words printed around it in the same line ('BY' in a span before it,
        'By … , ET Bureau' around the link). The line stops at a neighbour that is neither a credit word, another
        declared name nor a date (a 'Follow @…' link, a job title, the headline)."""
        declared, _ = self._declared_authors()
        names = {" ".join(_clean_name(p["name"] or "").split()).casefold() for p in declared}
        names |= {" ".join(text_of(a).split()).casefold() for a in self._author_markup()[1]}
        names.discard("")
        # (the outlet declared as the author: its name printed alone is its logo, not a credit; a 'By …' line
        # crediting it is read by _by_line_near_headline)
        names = {n for n in names if not self.is_outlet(n)}
        if not names:
            return None
        h1 = self.headline()
        elements = self._around(h1, before=40, after=400) if h1 is not None else self.root.iter()
        for element in elements:
            own = element.text
            if not isinstance(element.tag, str) or not own or len(own) > 80 or element.tag in (
                    "script", "style", "title", "h1", "option", "textarea"):
                continue
            if " ".join(own.split()).casefold() not in names or " ".join(text_of(element).split()).casefold() \
                    not in names or self.in_furniture(element) or in_caption(element):
                continue
            line, text = element, self._byline_text(element)
            while (parent := line.getparent()) is not None and parent.tag not in ("body", "article", "main"):
                wider = self._byline_text(parent) if self._credit_around(parent, line, names) else ""
                if not wider or len(wider) > 160:
                    break
                line, text = parent, wider
            if text and len(text) <= 160:
                return line, text
        return None

    def _name_beside_date(self) -> tuple[lxml_html.HtmlElement, str] | None:
        """A name printed beside the article's date just after the headline, where no credit word, class or
        metadata says it is the byline: the items of a meta line ('<li>Dave Turner</li><li>27 January 2017</li>'),
        the lines of one element ('<strong>Mikael Thalen</strong><br>Infowars.com<br>November 16, 2013'), or one
        run of text ('Marjorie Dannenfelser   Jul 17, 2020 | 6:45PM'). A name is two to four capitalized words
        (_looks_like_name), none of them a word of the page's tools or of a date, and not the outlet's name."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1, before=0, after=60):
            if element.tag == "p" and len(text_of(element).split()) >= 12:
                return None  # the article's text has begun: a byline comes before it
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a", "h1") \
                    or self.in_furniture(element) or in_caption(element):
                continue
            # one run of text: the name, then the date
            for piece in (element.text, element.tail):
                run = _NAME_THEN_DATE_RE.match(collapse(piece))
                if run and self._printed_name(run.group(1)):
                    parent = element.getparent()
                    return (parent if piece is element.tail and parent is not None else element), run.group(1)
            # lines apart by <br>, or the items of a short meta line: a name line before the date line
            lines = _br_lines(element) if any(child.tag == "br" for child in element) else []
            if not lines and _DATE_ALONE_RE.fullmatch(text_of(element)) and (parent := element.getparent()) \
                    is not None and len(parent) <= 5:
                items = [child for child in parent if isinstance(child.tag, str) and child.tag != "br"]
                lines = [(item, text_of(item)) for item in items[:items.index(element) + 1]]
            dated = next((i for i, (_, line) in enumerate(lines) if _DATE_ALONE_RE.fullmatch(line)), None)
            for holder, line in lines[:dated or 0]:
                if self._printed_name(line) and not _xpath("ancestor-or-self::a")(holder) \
                        and holder.tag not in ("h2", "h3", "h4", "h5", "h6"):  # (a section's heading in a rail)
                    return holder, line
        return None

    def _printed_name(self, text: str) -> bool:
        words = text.split()
        return _looks_like_name(text) and not _UI_WORDS_RE.search(text) and not self.is_outlet(text) \
            and not any(w.casefold().strip(".,") in _NOT_NAME_WORDS for w in words)

    def _credit_around(self, parent: lxml_html.HtmlElement, inner: lxml_html.HtmlElement, names: set[str]) -> bool:
        """Whether what `parent` prints besides `inner` belongs to the same credit line: credit words ('By',
        'and', ', ET Bureau'), other declared names, dates (the byline's reading drops them)."""
        loose = " ".join(t for t in [parent.text, *(c.tail for c in parent)] if t and t.strip())
        if len(_words(loose)) > 6 or re.search(r"[.!?]\s*$", loose.strip()):
            return False
        if loose and any(child.tag == "br" for child in parent):
            return False  # lines of their own ('Mikael Thalen<br>Infowars.com<br>November 16, 2013')
        for child in parent:
            if child is inner or not isinstance(child.tag, str) or child.tag in ("script", "style", "br"):
                continue
            printed = " ".join(self._byline_text(child).split())
            text = printed.casefold()
            if not text or text in names or text.strip(" :") in ("by", "written by", "and", "&", "|", ","):
                continue
            # a co-author the page does not declare, joined to the line ('By Euronews with Agencies')
            previous = child.getprevious()
            joined = (previous.tail if previous is not None else parent.text) or ""
            words = printed.split()
            if re.search(r"(?:\band|\bwith|&|,)\s*$", joined) and 1 <= len(words) <= 4 \
                    and all(w[:1].isupper() for w in words):
                continue
            return False
        return True

    def _by_line_near_headline(self) -> tuple[lxml_html.HtmlElement, str] | None:
        """An unclassed short 'By …' / 'Written by …' line just after the headline."""
        h1 = self.headline()
        if h1 is None:
            return None
        for inner in self._around(h1, before=0, after=200):
            if not isinstance(inner.tag, str) or inner.tag in ("script", "style") or inner is h1:
                continue
            own = collapse(inner.text)
            if own and (BYLINE_LEAD_RE.match(own) or (own.casefold() in ("by", "by:") and len(inner)
                                                         and BYLINE_LEAD_RE.match(text_of(inner)))):
                text = self._byline_text(inner)
                if text and len(text) <= 160 and not text.endswith((".", "?", "!")):
                    return inner, text
            # '<strong>By </strong><span><strong>Isaac Hurskin</strong></span>': the credit word in an element of
            # its own, the name in the next, the two the whole of their line
            if own.casefold() in ("by", "by:") and not len(inner) and (line := inner.getparent()) is not None \
                    and len(line) == 2 and inner.getnext() is not None and line.tag not in ("body", "article", "main") \
                    and BYLINE_LEAD_RE.match(text := self._byline_text(line)) and len(text) <= 80 \
                    and not text.endswith((".", "?", "!")):
                return line, text
            # 'By Jemele Hill' printed after an element of its own (a linked headshot), up to its line's end
            for child in inner:
                tail = collapse(child.tail)
                # (not after a child with words, '"<a>A vaccine auction</a>" by Romans Pancs': a citation; the
                # child's text read last, for the few tails that read as a credit)
                if tail and BYLINE_LEAD_RE.match(tail) and len(tail) <= 80 and not tail.endswith((".", "?")) \
                        and not text_of(child):
                    return inner, tail
        return None

    def _byline_text(self, element: lxml_html.HtmlElement) -> str:
        """An element's text as a byline (read once per element: the rules and the scorer's candidates ask again)."""
        if self._byline_texts is None:
            self._byline_texts = {}
        text = self._byline_texts.get(element)
        if text is None:
            text = self._byline_texts[element] = self._read_byline_text(element)
        return text

    def _read_byline_text(self, element: lxml_html.HtmlElement) -> str:
        def dated(node: lxml_html.HtmlElement) -> bool:
            if node.tag == "time":
                return True
            if node is element:
                return False
            classes = (node.get("class") or "").casefold()
            # also the writer's job title printed under the name ('author-job-title', 'author-title',
            # 'author__role', 'blogtitle'), the tools beside it (Print, E-mail), and what the page hides
            if node.tag == "sup" or (node.tag == "a" and self._section_link(node.get("href") or "")):
                return True  # (an affiliation's footnote mark, 'Xiaoying You<sup>0</sup>', is no part of it either)
            return node.tag in ("form", "button", "input", "label", "select", "textarea") or bool(re.search(
                r"date|time|publish|updated|timestamp|image|photo|avatar|thumb|headshot|social|email|twitter|"
                r"archive|rss|feed|comment|popular|follow|author-links|link-posts|text-size|text-control|font-size|show-more|job|author-title|blogtitle|role|position|print|tools|"
                r"share",
                classes)) or bool(_HIDDEN_STYLE_RE.search(node.get("style") or "")) or self._outlet_after_name(node)

        # Inline elements apart: a name and the outlet in two spans ('Dan Jervis-Bardy' 'The West Australian').
        text = _block_text(_first_line(element), skip=dated, inline_apart=True)
        # the sections it was filed in ('By <a>Houses and Holes</a> in <a href="/category/us-economy/">…</a>')
        return clean_byline(re.sub(r"[\s,]+(?:filed\s+)?(?:in|under)[\s,]*$", "", text))

    def _section_link(self, href: str) -> bool:
        """A link to the section or tag the post was filed in: a category or tag page, or a folder the article's
        own address lies in ('/news/lifestyle/' for '/news/lifestyle/passive-aggressive-…/')."""
        path = urlsplit(absolute(self.base, href) or "").path
        if _FILED_IN_RE.search(path):
            return True
        own = urlsplit(self.url).path
        return len(path.strip("/")) > 0 and path.endswith("/") and own.startswith(path) and own != path

    def _outlet_after_name(self, node: lxml_html.HtmlElement) -> bool:
        """The outlet's name printed as an element of its own right after the writer's ('Dan Jervis-Bardy'
        'The West Australian'): an affiliation apart from the credit line, no part of it. (Not a link: the
        sections a post was filed in are links, 'By TPN, in <a>News</a>'.)"""
        if len(node) or node.tag == "a" or not self.is_outlet(text_of(node)):
            return False
        previous = next((p for p in node.itersiblings(preceding=True) if isinstance(p.tag, str)), None)
        # (joined to the name by a comma it is the credit line's affiliation: 'ANDREW TAYLOR, Associated Press')
        return previous is not None and bool(text_of(previous)) and collapse(previous.tail) != ","

    def byline(self) -> str | None:
        found = self.select("byline")
        if found and not isinstance(found[0], lxml_html.HtmlElement):
            self.note("byline", f"outlet rule: {self.rules.selectors['byline'].expression}")
            return _as_text(found[0]) or None
        element, text = self.byline_element()
        if element is None or not text:
            return None
        self.note("byline", self._byline_how or f"visible: {describe(element)}"
                  + (" (after h1)" if self.headline() is not None else ""))
        return self._printed_credit(element, text)

    def _printed_credit(self, element: lxml_html.HtmlElement, text: str) -> str:
        """A byline element's text with what its line prints around it: the affiliation after it, the credit
        words before it."""
        # the affiliation printed right after the element in the same line ('By <div>J Vignesh</div>, ET Bureau |')
        affiliation = _AFFILIATION_AFTER_RE.match(collapse(element.tail))
        if affiliation and not text.endswith(affiliation.group(1)):
            text = f"{text}, {affiliation.group(1)}"
        # '<span>By </span><span class="author">Ben Andrews</span>': the 'By' printed just before the element, or
        # before the wrapper it is alone in ('1/27/2017 by <span class="authors"><span class="author">…')
        while element.getprevious() is None and (parent := element.getparent()) is not None \
                and parent.tag in ("span", "strong", "em", "b") and not collapse(parent.text):
            element = parent
        before = element.getprevious()
        lead = collapse(before.tail if before is not None else element.getparent().text
                        if element.getparent() is not None else "")
        if before is not None and not lead and isinstance(before.tag, str) and len(before) == 0:
            lead = collapse(before.text)
        # ('Posted by', or the end of '1/27/2017 by' whose date the byline leaves out)
        credit = _CREDIT_AT_END_RE.search(lead)
        if credit and not BYLINE_LEAD_RE.match(f"{text} ") and not BY_RE.match(text):
            return f"{credit.group(1)} {text}"
        return text

    def _people(self, value: Any) -> list[dict[str, str | None]]:
        """Schema.org people (Person/Organization nodes, names, lists of either) as names with their URLs."""
        entries = value if isinstance(value, list) else [value]
        people: list[dict[str, str | None]] = []
        for raw in entries:
            entry = self.sd.resolve(raw)
            if isinstance(entry, dict) and isinstance(entry.get("properties"), dict):
                entry = {**entry["properties"], "@type": entry.get("type")}
            if isinstance(entry, dict):
                name = _text_value(entry.get("name"))
                if not name:
                    given, family = _text_value(entry.get("givenName")), _text_value(entry.get("familyName"))
                    name = " ".join(n for n in (given, family) if n) or None
                link = entry.get("url") or entry.get("sameAs")
                link = link[0] if isinstance(link, list) and link else link
                if not isinstance(link, str) and isinstance(entry.get("@id"), str) \
                        and entry["@id"].startswith(("http://", "https://")) and "#" not in entry["@id"]:
                    link = entry["@id"]
                if name and not name.startswith(("http://", "https://")):
                    kind = "organization" if types_of(entry) & {"organization", "newsmediaorganization",
                                                               "corporation"} else "person"
                    url = absolute(self.base, link) if isinstance(link, str) else None
                    # One Person whose name lists several ('Ann Smith, Bob Jones and Cy Young'): one each.
                    pieces = split_names(name) if kind == "person" else [name]
                    if len(pieces) < 2 or not all(_looks_like_name(p) for p in pieces):
                        pieces = [name]
                    people.extend({"name": piece, "url": url, "kind": kind} for piece in pieces)
            elif isinstance(entry, str) and entry.strip() and not entry.strip().startswith(("http://", "https://")):
                people.extend({"name": n, "url": None, "kind": "person"} for n in split_names(unescape(entry)))
        return people

    def _declared_authors(self) -> tuple[list[dict[str, str | None]], str]:
        """Authors as the page declares them (structured data, then meta), strongest first (read once)."""
        if self._declared is None:
            self._declared = self._read_declared_authors()
        return self._declared

    def _read_declared_authors(self) -> tuple[list[dict[str, str | None]], str]:
        for key in ("author", "creator", "authors"):
            people = self._people(self.sd.jsonld_value(key))
            if people:
                return people, f"{self.ld}.{key}"
        people = self._people(self.sd.microdata_value("author"))
        if people:
            return people, "microdata author"
        for key in ("name:author", "property:article:author", "name:article:author", "name:parsely-author",
                    "name:sailthru.author", "name:byl", "name:dc.creator", "name:dcterms.creator",
                    "name:article_author", "name:authors", "property:author", "name:twitter:creator"):
            value = self.meta.get(key)
            if key == "name:twitter:creator" and (not value or value.startswith("@") or not _looks_like_name(value)):
                continue  # a @handle, not a name; some sites print the writer's name there
            # 'newsengin', 'admin': the CMS's login of whoever posted the page, not a name a reader is given.
            if value and not value.startswith(("http://", "https://")) and not _LOGIN_RE.fullmatch(value.strip()):
                names = [_clean_name(n) for n in split_names(value)]
                names = [n for n in names if n and not _DOMAIN_RE.search(n)] or [n for n in names if n]
                if names:
                    return [{"name": n, "url": None, "kind": "person"} for n in names], f"meta {key.split(':', 1)[1]}"
        listed = self.parsely().get("authors") or self.parsely().get("author")
        names = [n for n in (listed if isinstance(listed, list) else [listed])
                 if isinstance(n, str) and n.strip() and not _LOGIN_RE.fullmatch(n.strip())]
        if names:
            return [{"name": n, "url": None, "kind": "person"} for n in names], "meta parsely-page (author)"
        return [], ""

    def authors(self) -> list[dict[str, str | None]]:
        found = self.select("authors")
        if found is not None:
            self.note("authors", f"outlet rule: {self.rules.selectors['authors'].expression}")
            return [self._person(f) for f in found if _as_text(f)]
        declared, how = self._declared_authors()
        element, byline_text = self.byline_element()
        printed: list[dict[str, str | None]] = []
        if element is not None and byline_text:
            # 'By Ann Smith | Politics reporter | The Outlet': the names come before the first bar.
            lead = re.sub(rf"^\s*{_CREDIT_WORD}\s+", "", byline_text.split("|", 1)[0],
                          flags=re.IGNORECASE)
            linked: dict[str, str | None] = {}
            for a in element.iter("a"):
                # (not a link within the page, '#author-1': a popup of the author's note, no profile page)
                if text_of(a) and a.get("href") and not a.get("href", "").startswith("#"):
                    # by the link's text, and by the name in it ('Meg Kinnard / Associated Press')
                    for key in (text_of(a), _clean_name(text_of(a))):
                        linked.setdefault(key.casefold(), absolute(self.base, a.get("href")))
            for piece in split_names(lead):
                name = _clean_name(piece)
                if name and len(name) < 80 and not re.search(r"\d|@", name) and name.casefold() != "by" \
                        and not JOB_TITLE_RE.fullmatch(name):
                    printed.append({"name": name, "url": linked.get(name.casefold())})
        # A site's address beside a person's name is the person's affiliation ('By Keith Spera, NOLA.com'), the
        # author only when it stands alone ('ELLE.com').
        people_only = [p for p in printed if not _DOMAIN_RE.search(p["name"] or "")]
        if people_only:
            printed = people_only
        links = [a for a in self._author_markup()[1] if text_of(a) and not self.in_furniture(a)]
        # The outlet is an author only where the page names it so (its declared author, or its byline); it is
        # never taken from og:site_name or the publisher. A byline printing people wins over a declared
        # author that is only the outlet.
        printed_people = [p for p in printed if not self.is_outlet(p["name"] or "")] or printed
        kept = declared
        dropped = False
        # ... and an outlet declared as the author with no byline printed is no author either: the labelling guide
        # (the site is the author only where the page credits it as the writer, in print)
        if declared and all(self.is_outlet(p["name"] or "") or (how.startswith("meta") and _ORG_NAME_RE.search(
                p["name"] or "")) for p in declared) and (not printed_people or not all(
                    self.is_outlet(p["name"] or "") for p in printed_people)):
            # (a meta author naming a publication, 'GQ Magazine', 'UPROXX Media', under a byline naming a person)
            kept, dropped = [], True
        # ... nor is an outlet declared beside a person (JSON-LD's author list naming the publisher again), unless
        # the byline prints it
        if any(not self.is_outlet(p["name"] or "") for p in kept) and not any(
                self.is_outlet(p["name"] or "") for p in printed):
            kept = [p for p in kept if not self.is_outlet(p["name"] or "")]
        linked_people = [p for p in (self._person(a) for a in _unique_links(links))
                         if not self.is_outlet(p["name"] or "")]
        chosen: list[dict[str, str | None]]
        if kept:
            kept_names = {collapse(p["name"] or "").casefold() for p in kept}
            printed_people_names = {collapse(p["name"] or "").casefold() for p in printed_people}
            if printed_people and kept_names < printed_people_names \
                    and len(printed_people) <= 2 * len(kept_names) + 2:
                chosen = printed_people
                self.note("authors", f"visible: {describe(element)} (names {how} and more)")
            else:
                chosen = kept
                self.note("authors", how + (" (the outlet left out)" if dropped else ""))
        elif linked_people:
            chosen = linked_people
            self.note("authors", "visible: a[rel=author] links")
        elif printed_people:
            chosen = printed_people
            self.note("authors", f"visible: {describe(element)}" + (" (after h1)" if self.headline() is not None
                                                                     else ""))
        elif profiled := self._profile_links():
            chosen = profiled
            self.note("authors", "visible: links to author profile pages")
        else:
            if dropped:
                self.note("authors", f"none: {how} names only the outlet")
            return []
        # Profile URLs the declared data lacks, from the byline's links and rel=author links, by name.
        urls = {collapse(p["name"] or "").casefold(): p["url"] for p in printed if p.get("url")}
        for a in links:
            urls.setdefault(text_of(a).casefold(), absolute(self.base, a.get("href")))
        out = []
        named: set[str] = set()
        for person in chosen:
            name = self._without_outlet(_clean_name(person["name"] or ""))
            if name.casefold() in named:
                continue  # (one person linked twice: 'Bradley Barth, Senior Reporter' and 'Bradley Barth')
            named.add(name.casefold())
            out.append({"name": name, "url": person.get("url") or urls.get(name.casefold())
                        or self._profile_url(name)})
        return out

    def _profile_links(self) -> list[dict[str, str | None]]:
        """People named by the page's links to their profile pages (/op-edge/authors/ann-smith/ reading 'Ann
        Smith'), outside the site's navigation, footer and sidebars: the author of a page that declares none.
        A link counts when its text is a name whose slug is the link's last path segment."""
        found: dict[str, dict[str, str | None]] = {}
        for a in self.root.iter("a"):
            href = a.get("href") or ""
            folder, _, last = urlsplit(href).path.casefold().rstrip("/").rpartition("/")
            if not last or not _PROFILE_PATH_RE.search(folder + "/") or self.in_furniture(a):
                continue
            name = text_of(a)
            words = name.split()
            if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words) or _name_slug(name) != last:
                continue
            found.setdefault(name.casefold(), {"name": name, "url": absolute(self.base, href)})
        return list(found.values()) if len(found) <= 3 else []

    def _without_outlet(self, name: str) -> str:
        """A name without the outlet the page appends to it: 'Wilmer Leon. Sputnik International' → 'Wilmer Leon'."""
        match = re.match(r"^(?P<name>.+?)\s*(?:[.,|/–—]|\s-|\bfor\b)\s*(?P<site>[^.,|/–—]+)$", name)
        if match and len(_words(match.group("name"))) >= 2 and self.is_outlet(match.group("site")):
            return collapse(match.group("name"))
        # with no mark between them: 'CAROL CLING LAS VEGAS REVIEW-JOURNAL' (og:site_name 'Las Vegas Review-Journal')
        folded = name.casefold()
        for site in self.site_names():
            head = name[:len(name) - len(site)]
            if len(site) > 3 and folded.endswith(" " + site.casefold()) and len(_words(head)) >= 2:
                return collapse(head)
        return name

    def _profile_url(self, name: str) -> str | None:
        """The page's link to the author's profile page (/authors/ann-smith/, /author/ann-smith), found by the
        name's slug as the link's last path segment, where the declared data gives no URL."""
        slug = _name_slug(name)
        if "-" not in slug:
            return None
        for a in self.root.iter("a"):
            href = a.get("href") or ""
            if slug not in href.casefold():
                continue
            folder, _, last = urlsplit(href).path.casefold().rstrip("/").rpartition("/")
            if last == slug and _PROFILE_PATH_RE.search(folder + "/"):
                return absolute(self.base, href)
        return None

    def _person(self, found: Any) -> dict[str, str | None]:
        if isinstance(found, lxml_html.HtmlElement):
            link = found if found.tag == "a" else next(iter(found.iter("a")), None)
            href = link.get("href") if link is not None else None
            return {"name": _link_name(text_of(found)), "url": absolute(self.base, href)}
        return {"name": BY_RE.sub("", _as_text(found)), "url": None}
