"""The generic extractor: any news page, read from the evidence pages commonly carry, with per-outlet rules on top.

Each field is taken from the strongest evidence the page gives, in this order: the outlet's selector
(outlets.toml); structured data (JSON-LD at any nesting, microdata); OpenGraph, Dublin Core, Parse.ly and the
other meta tags; `rel=author` links; then what is printed near the headline (a "By …" line, `<time>`, a
"Published:" line). Structured data and meta are what the publisher declares; the printed page is what the
reader sees, and wins where the two are consistent and the print says more (a second author, the local day,
the headline without the site's suffix). The outlet (og:site_name, the publisher) is never an author unless
the byline prints it. Values are returned as printed; dates are turned into ISO 8601 here only when a format
reads them or the evidence needs it (an all-numeric date read by the URL's date, a local offset).

The body is trafilatura's main text (the best maintained open main-text extractor) over the page with the
furniture news sites put inside articles (share bars, related links, promos, newsletter boxes) removed.

`extract(html, url, evidence)` fills `evidence` (when given) with where each field came from, for
`scrapy extract --explain`; what it returns does not depend on it.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dateutil import parser as date_parser
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from crawler.extractors.dates import PRINTED_DATE, YEAR_RE, normalize_date, parse_with_formats, url_day
from crawler.extractors.meta import Meta, base_url
from crawler.extractors.people import BY_RE, split_names
from crawler.extractors.rights import copyright_statement, read_copyright
from crawler.extractors.rules import TERM_FIELDS, ExtractRules, Selector
from crawler.extractors.structured import StructuredArticle, read_structured_tree, types_of
from crawler.extractors.text import (
    BLOCK_TAGS,
    Html,
    absolute,
    collapse,
    paragraphs,
    parse_html,
    slug_of,
    text_of,
    unique,
)

__all__ = ["DEFAULT_BOILERPLATE", "DEFAULT_LABELS", "EXTRACTOR_ID", "GenericExtractor", "describe", "extract"]

EXTRACTOR_ID = "generic/1"

DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "regions": ("Region", "Regions"),
    "themes": ("Theme", "Themes", "Topic", "Topics"),
    "in_depth_reports": ("In-depth Report", "In-depth Reports"),
}
# Share prompts, sign-up appeals and page furniture that news sites put inside the article's text, as lines.
DEFAULT_BOILERPLATE = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^Think your friends would be interested\?",
    r"^Share this (story|article)\b",
    r"^(Please )?(click|tap) (the )?share button",
    r"^Sign up for (our|the) (free )?(e-?mail )?newsletters?",
    r"^Subscribe to (our|the) newsletter",
    r"^Follow us on (Facebook|Twitter|Telegram|Instagram)",
    r"^(READ MORE|SEE ALSO|RELATED( CONTENT| COVERAGE| STORIES)?|MORE FROM \S+|WATCH|LISTEN)\s*:",
    r"^(Advertisement|ADVERTISEMENT|Sponsored( Ads| Content)?|SPONSORED|Continue reading the main story)$",
    r"^SOURCE\s*:\s",
    r"^Follow \S+(?: \S+)? on (Twitter|Facebook|Instagram)\b",
    r"^Send (your )?tips? to\b",
    r"^(?:--|—|–)\s*By\s+\S",
))
_CREDIT_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^\s*(?:this (?:article|story|piece|post|column|report|interview) (?:was |is )?)?"
    r"(?:originally|first) (?:published|appeared|posted|ran)\s+(?:\w+\s+){0,3}?(?:in|at|on|by|with)\s+(?P<rest>.+)$",
    r"^\s*this (?:article|story|piece|post) (?:was |is )?(?:produced|republished|reprinted|syndicated) "
    r"(?:by|from|with permission (?:of|from))\s+(?P<rest>.+)$",
    r"^\s*(?:republished|reprinted) (?:with permission )?(?:from|by)\s+(?P<rest>.+)$",
    r"^\s*the original source of this article is\s+(?P<rest>.+)$",
    # 'EDITORS NOTE: This NRA-ILA column is republished with permission.'
    r"^\s*(?:[\w'’ ]{2,20}:\s*)?this (?P<rest>.{2,60}?) (?:article|story|piece|post|column|report|op-ed|"
    r"commentary|essay) (?:was |is )?(?:republished|reprinted|syndicated)\b",
))
# "Source: X" names where a piece comes from only when X links to a page elsewhere (a wire's "SOURCE: News
# agencies" cites, it does not republish).
_SOURCE_LINE_RE = re.compile(r"^\s*(?:(?:source|original source|via)\s*:|via\s+(?=\S+(?:\s+\S+){0,3}\s*$))"
                             r"\s*(?P<rest>.+)$", re.IGNORECASE)
_COPYRIGHT_MARK_RE = re.compile(r"©|&copy;|\(c\)\s*(?:1[89]|2\d)\d\d|\bcopyright\b", re.IGNORECASE)
_COPYRIGHT_LEAD_RE = re.compile(r"^\s*(?:copyright\b\s*)?(?:©|\(c\))|^\s*copyright\b", re.IGNORECASE)
_RIGHTS_RE = re.compile(r"\ball rights reserved\b", re.IGNORECASE)
_DATE_TAIL_RE = re.compile(rf"[\s,(]*(?:on\s+)?(?P<date>{PRINTED_DATE})\)?[.\s]*$")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—:»·-]\s+|\s*\|\s*")
_ATTR_RE = re.compile(r"::attr\(([\w:-]+)\)\s*$")
_TEXT_RE = re.compile(r"::text\s*$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_FIRST_PUBLISHED_TEXT = etree.XPath('//text()[contains(., "irst published") or contains(., "IRST PUBLISHED")]')
_FIRST_PUBLISHED_RE = re.compile(
    rf"^\s*first published(?:\s+on)?\s*:?\s*(?:[A-Za-z]+day,?\s+)?(?P<date>(?:{PRINTED_DATE})"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?)", re.IGNORECASE)
# A date printed all in numbers, alone in its element, with or without the time ('17:08 10/04/2011').
_NUMERIC_PRINTED_RE = re.compile(r"^(?:\d{1,2}:\d{2}\s+)?\d{1,2}([/.-])\d{1,2}\1\d{2,4}(?:,?\s+\d{1,2}:\d{2})?$")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})\b")
_PRINTED_LABEL_RE = re.compile(
    r"^\s*(?P<label>(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|last\s+updated|"
    r"modified|edited(?:\s+time)?|published\s+time|created)\s*:?\s*(?P<rest>.+)$", re.IGNORECASE)
_UPDATED_CLASS_RE = re.compile(r"(?<![\w-])updated(?![\w-])")
_UPDATE_NOTE_RE = re.compile(rf"^update[ds]?\s*(?:\(|:|,|-|–|—)?\s*(?P<date>{PRINTED_DATE})", re.IGNORECASE)
# '3 hours ago', '– 1 hr 4 mins ago', 'just now'.
_RELATIVE_RE = re.compile(r"[\s–—-]*(?:\b\d+\s+(?:second|sec|minute|min|hour|hr|day|week|month)s?\s*)+ago\b|"
                          r"\bjust now\b", re.IGNORECASE)
# A main text with fewer words than this share of the page's <p> words is read again with recall favoured.
_RECALL_BELOW = 0.5
# A paragraph's few words before its one link, ending in a colon ('ALSO READ:', 'TRENDING:', 'Related:'), spaces
# removed: the label of a promoted story, whatever its words.
_PROMO_LABEL_RE = re.compile(r"[^\W\d_]{2,20}(?:[^\W\d_]{2,12}){0,2}:", re.UNICODE)
_PLAIN_TEXT = etree.XPath(".//text()[not(ancestor::a or ancestor::script or ancestor::style or ancestor::noscript"
                          " or ancestor::textarea or ancestor::select or ancestor::button)]")
# Class or id words of an element that prints a date: post-date, entry-date, dateline, timestamp, published.
_DATE_CLASS_RE = re.compile(r"date|time|publish|posted")
# A date with its month in words ('December 29, 2014', '29 Dec 2014'), not an ISO one (those are in attributes).
_WORDED_DATE_RE = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?,?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2}"
                             r"(?:st|nd|rd|th)?,?\s+\d{4})\b")
_CLOCK_DATE_RE = re.compile(rf"(?:{PRINTED_DATE}),?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?(?![\d+-])",
                            re.IGNORECASE)
_BYLINE_TAIL_RE = re.compile(r"(?:\s*\|?\s*\b(?:Email the author|E-?mail|Follow on Twitter|Follow|Print|Share)\b)+\s*$"
                             r"|\s+(?:on|at)$", re.IGNORECASE)
# Words of an organization's name, not a person's: a meta author 'GQ Magazine' is the publication.
_ORG_NAME_RE = re.compile(r"\b(?:Magazine|Media|News|Newsroom|Staff|Team|Editors|Editorial|Desk|Wire|Press|Inc|LLC|"
                          r"Ltd|Group|Network|Online|Digital)\b")
_DOMAIN_RE = re.compile(r"\.(?:com|org|net|co\.uk|com\.au)\b", re.IGNORECASE)
_LOGIN_RE = re.compile(r"[a-z0-9_.-]+")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BYLINE_LEAD_RE = re.compile(r"^\s*(?:by|written by|submitted by|words by|story by|posted by)\s+\S", re.IGNORECASE)
# Site furniture (footer, navigation, sidebars) that is not part of an <article>.
_OUTSIDE_ARTICLE = "(ancestor::footer | ancestor::nav | ancestor::aside)[not(ancestor::article)]"
_IN_FURNITURE = etree.XPath("ancestor::footer | ancestor::nav | ancestor::aside")
_CLASSED = etree.XPath("//*[@class or @id]")
_SECTION_WORDS = frozenset({"eyebrow", "kicker", "section", "category", "categories", "subcategory", "rubric",
                            "label", "breadcrumb", "breadcrumbs", "crumbs", "overline", "channel", "topic",
                            "topics", "subject"})
_PEOPLE_WORDS = frozenset({"author", "authors", "byline", "writer", "writers", "contributor", "contributors"})
_DATED_WORDS = frozenset({"date", "dates", "published", "dateline", "timestamp", "time"})
_MENU_WORDS = frozenset({"nav", "navigation", "menu", "navbar", "masthead", "search", "btn", "button"})
_ANY = re.compile(r"\S")
# Searched in lower-cased class and id names (literal searches: fast, and every classed element is read).
# 'author' but not 'authorization' (a log-in box: b-authorization).
_AUTHOR_CLASS_RE = re.compile(r"byline|author(?!i[sz]ation)")
_TAG_CLASS_RE = re.compile(r"tags|topic|keyword|subject")
_SECTION_CLASS_RE = re.compile(r"eyebrow|kicker|section|categor|rubric|label|crumb|topic|overline|channel|"
                               r"subject")
# A path whose last folder holds people's profiles: /author/, /authors/, /op-edge/authors/, /contributors/.
_PROFILE_PATH_RE = re.compile(r"/(?:authors?|contributors?|columnists?|writers?|people|profiles?|staff|journalists?)/$")
_REL_AUTHOR = etree.XPath('//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]')
# A link to one of the site's tag pages: /tag/<slug>/, /tags/<slug>, /topic/<slug>, /keyword/<slug>.
_TAG_PATH_RE = re.compile(r"/(?:tags?|tagged|topics?|keywords?|subjects?)/[^/]+/?$", re.IGNORECASE)
_REL_TAG = etree.XPath('//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")]')
_COPYRIGHT_TEXT_RE = re.compile(r"©|copyright|rights reserved|\(c\)", re.IGNORECASE)
_CREDIT_TEXT_RE = re.compile(r"originally|first published|first appeared|original source|produced by|republished|"
                             r"reprinted|source\s*:|^\s*via\b", re.IGNORECASE)
# Both as one search, spelled out in its cases (a case-blind search is slower, and this one reads every text).
_TEXT_HIT_RE = re.compile(r"©|[Cc]opyright|COPYRIGHT|[Rr]ights [Rr]eserved|RIGHTS RESERVED|\([cC]\)|[Oo]riginally|"
                          r"ORIGINALLY|[Ff]irst (?:[Pp]ublished|[Aa]ppeared)|FIRST (?:PUBLISHED|APPEARED)|"
                          r"[Oo]riginal [Ss]ource|[Pp]roduced [Bb]y|PRODUCED BY|[Rr]epublished|REPUBLISHED|"
                          r"[Rr]eprinted|REPRINTED|[Ss]ource\s*:|SOURCE\s*:|^\s*(?:[Vv]ia|VIA)\b")
# Literal pieces of those words: a search for plain literals is four times as fast, and rules most texts out.
_TEXT_HINT_RE = re.compile("|".join(re.escape(k) for k in (
    "©", "opyright", "OPYRIGHT", "ights", "IGHTS", "(c)", "(C)", "riginal", "RIGINAL", "irst ", "IRST ", "roduced",
    "RODUCED", "eprinted", "EPRINTED", "epublished", "EPUBLISHED", "ource", "OURCE", "via", "Via", "VIA")))
# Elements of an article page that are the site's furniture, by the words of their class, id or aria-label:
# one word (share, related, newsletter…) or two in a row (read-more, most-popular…). Matched on whole words
# of `PostShare-bar`, `related_links`, `NewsletterSignup` (camel case split), never on parts of words.
_FURNITURE_WORDS = frozenset({
    "share", "shares", "sharing", "sharebar", "sharetools", "social", "socials", "related", "promo", "promos",
    "promotion", "newsletter", "newsletters", "disclaimer", "subscribe", "subscription", "signup", "sponsor",
    "sponsored", "sponsors", "recommended", "recommendations", "recirc", "recirculation", "outbrain", "taboola",
    "trending", "popular", "bio", "authorbio", "donate", "donation", "donations", "membership", "tips", "cta",
    "advertisement", "advert", "adunit", "ad", "ads", "comments", "comment", "readmore", "contact",
    "form", "forms",  # a page's forms ('Add to blog: copy the publication code', 'Send to friend')
    "tags",  # a tag list (read for the terms before the body is, never body text)
})
# Words of the article's own containers: an element named by one of them is content with a modifier
# (`entry-content entry-content-read-more`), never furniture.
_CONTENT_WORDS = frozenset({"content", "body", "article", "story", "entry", "main", "text", "post"})
_CONTAINER_TAGS = frozenset({"div", "section", "ul", "ol", "aside", "figure", "table", "li", "span", "footer",
                             "header", "dl", "blockquote"})
_FURNITURE_PAIRS = frozenset({
    ("read", "more"), ("more", "news"), ("more", "stories"), ("more", "from"), ("most", "popular"),
    ("most", "read"), ("about", "author"), ("author", "box"), ("author", "info"), ("next", "up"), ("see", "also"),
    ("sign", "up"), ("you", "may"), ("also", "like"), ("in", "case"),
})
_CLASS_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_DROP_TAGS = ("aside", "nav", "form", "button", "figcaption", "iframe", "noscript", "template")


def extract(html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
    """The generic extractor with no outlet rules: `scrapy extract --outlet generic`."""
    return _DEFAULT(html, url, evidence)


class GenericExtractor:
    """The generic extractor configured with one outlet's rules; called as `extractor(html, url)`."""

    def __init__(self, rules: ExtractRules | None = None) -> None:
        self.rules = rules or ExtractRules()
        self._drop = [CSSSelector(css) for css in self.rules.drop]
        self._labels = {**DEFAULT_LABELS, **self.rules.labels}
        self._boilerplate = DEFAULT_BOILERPLATE + self.rules.boilerplate

    def __call__(self, html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
        root = parse_html(html)
        structured = read_structured_tree(root, url)
        for selector in self._drop:
            for element in selector(root):
                _remove(element)
        return _Page(self, root, structured, url, evidence).item()


_DEFAULT = GenericExtractor()


def _remove(element: lxml_html.HtmlElement) -> None:
    """Remove an element and its text, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _text_value(value: Any) -> str | None:
    """A schema.org value as text: strings as they are, the first of a list, a node's name."""
    if isinstance(value, list):
        for entry in value:
            text = _text_value(entry)
            if text:
                return text
        return None
    if isinstance(value, dict):
        if isinstance(value.get("properties"), dict):
            return _text_value(value["properties"])
        return _text_value(value.get("name") or value.get("@value") or value.get("url") or value.get("@id"))
    if value is None:
        return None
    return collapse(unescape(str(value))) or None


def describe(element: Any) -> str:
    """An element as a CSS-like name for evidence: div.byline, h1#title, time."""
    if not isinstance(element, lxml_html.HtmlElement):
        return "text"
    name = str(element.tag)
    if element.get("id"):
        name += "#" + element.get("id", "").strip().split()[0]
    classes = (element.get("class") or "").split()
    if classes:
        name += "." + ".".join(classes[:2])
    return name


def _words(text: str | None) -> list[str]:
    return [w.casefold() for w in _WORD_RE.findall(text or "")]


def _host(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").casefold()
    return host.removeprefix("www.")


def _same_site(a: str | None, b: str | None) -> bool:
    ha, hb = _host(a), _host(b)
    if not ha or not hb:
        return True
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)


def _block_text(element: lxml_html.HtmlElement, skip: Any = None, inline_apart: bool = False) -> str:
    """Visible text with a space between blocks (a name in an h4 and a job title in a p stay apart), and
    between any two elements when `inline_apart`."""
    pieces: list[str] = []

    def walk(node: lxml_html.HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript", "template", "svg"):
            return
        if skip is not None and skip(node):
            return
        block = inline_apart or node.tag in BLOCK_TAGS or node.tag in ("br", "h4", "h5", "h6")
        if block:
            pieces.append(" ")
        if node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if block:
            pieces.append(" ")

    walk(element)
    text = collapse("".join(pieces))
    return re.sub(r"\s+(?=[,;:!?])", "", text) if inline_apart else text


@dataclass
class _Dated:
    """A date as found: its raw text and where it came from."""

    raw: str
    how: str


class _Page:
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
        self._classed: list[tuple[lxml_html.HtmlElement, str]] | None = None
        self._hits: list[tuple[lxml_html.HtmlElement, str]] | None = None
        self._headline: lxml_html.HtmlElement | bool | None = False
        self._byline: tuple[lxml_html.HtmlElement | None, str] | None = None
        self._site: list[str] | None = None
        self.credit_element: lxml_html.HtmlElement | None = None
        self._plain_length: int | None = None
        self._holds_page: dict[lxml_html.HtmlElement, bool] = {}
        self.local_offset: timedelta | None = None

    def note(self, field_name: str, how: str) -> None:
        if self.evidence is not None:
            self.evidence[field_name] = how

    # -- selectors ------------------------------------------------------------------------------

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

    def _first_string(self, xpath: str) -> str | None:
        found = self.root.xpath(xpath)
        return str(found[0]).strip() if found else None

    def classed(self, pattern: re.Pattern[str]) -> list[lxml_html.HtmlElement]:
        """Elements whose class or id (lower-cased) matches the pattern, in document order."""
        if self._classed is None:
            self._classed = [(e, f"{e.get('class') or ''} {e.get('id') or ''}".lower()) for e in _CLASSED(self.root)
                             if isinstance(e.tag, str)]
        return [e for e, names in self._classed if pattern.search(names)]

    def text_hits(self, pattern: re.Pattern[str]) -> list[lxml_html.HtmlElement]:
        """Elements whose own text or the text after one of their children matches one of the patterns of
        _TEXT_HIT_RE (script and style left out), filtered by `pattern`; one pass over the page for all."""
        if self._hits is None:
            self._hits = []
            for element in self.root.iter():
                if not isinstance(element.tag, str) or element.tag in ("script", "style", "head", "title",
                                                                       "noscript"):
                    continue
                # Copyright and credit lines are short: long paragraphs are not searched.
                text, tail = element.text, element.tail
                if text and len(text) < 500 and _TEXT_HINT_RE.search(text) and _TEXT_HIT_RE.search(text):
                    self._hits.append((element, text))
                if tail and len(tail) < 500 and _TEXT_HINT_RE.search(tail) and _TEXT_HIT_RE.search(tail):
                    parent = element.getparent()
                    if parent is not None and parent.tag not in ("script", "style"):
                        self._hits.append((parent, tail))
        return [element for element, text in self._hits if pattern.search(text)]

    def order(self, element: Any) -> int:
        """An element's position in document order (computed once per page)."""
        if self._order is None:
            self._order = {e: i for i, e in enumerate(self.root.iter())}
        return self._order.get(element, -1)

    # -- the item -------------------------------------------------------------------------------

    def item(self) -> dict[str, Any]:
        canonical = absolute(self.base, self._first_string('//link[@rel="canonical"]/@href'))
        if canonical and not urlsplit(canonical).path.strip("/") and urlsplit(self.url).path.strip("/"):
            canonical = None  # a canonical link to the home page (or an id alone) is no article URL
        if canonical and not urlsplit(canonical).scheme.startswith("http"):
            canonical = None
        url = canonical or absolute(self.base, self.meta.get("property:og:url")) or self.url
        self.note("url", "link rel=canonical" if canonical else "meta og:url" if url != self.url else "the page's URL")
        title = self.title()
        published = self.date("published")
        modified = self.date("modified")
        return {
            "url": url,
            "article_id": self.article_id(url),
            "title": title,
            "subtitle": self.subtitle(),
            "byline": self.byline(),
            "authors": self.authors(),
            "published": published,
            "modified": modified,
            **self.terms(),
            "original_source": self.original_source(published, canonical),
            "copyright": self.copyright(),
            "language": self.language(),
            "summary": self.summary(),
            "image": self.image(),
            "body": self.body(title),
            "extractor": EXTRACTOR_ID,
        }

    def subtitle(self) -> str | None:
        chosen = self.selected_text("subtitle")
        if chosen:
            return chosen
        chosen = _text_value(self.sd.jsonld_value("alternativeHeadline"))
        if chosen:
            self.note("subtitle", f"{self.ld}.alternativeHeadline")
        return chosen

    def article_id(self, url: str) -> str | None:
        path = urlsplit(url).path
        pattern = self.rules.article_id
        if pattern is not None:
            match = pattern.match(path)
            if match and match.groupdict().get("id"):
                return match.group("id")
        shortlink = self._first_string('//link[@rel="shortlink"]/@href')
        if shortlink:
            post = parse_qs(urlsplit(shortlink).query).get("p")
            if post and post[0].isdigit():
                return post[0]
        return None

    def summary(self) -> str | None:
        chosen = self.selected_text("summary")
        if chosen:
            return chosen
        for value, how in ((_text_value(self.sd.jsonld_value("description")), f"{self.ld}.description"),
                           (self.meta.get("property:og:description"), "meta og:description"),
                           (self.meta.get("name:twitter:description", "property:twitter:description"),
                            "meta twitter:description"),
                           (_text_value(self.sd.microdata_value("description")), "microdata description"),
                           (self.meta.get("name:description"), "meta description")):
            if value:
                self.note("summary", how)
                return value
        return None

    # -- who publishes --------------------------------------------------------------------------

    def site_names(self) -> list[str]:
        """Names the outlet goes by on this page (og:site_name, the publisher, the application name)."""
        if self._site is None:
            title = collapse(self._first_string("//title/text()")).casefold()
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

    # -- title ----------------------------------------------------------------------------------

    def _meta_titles(self) -> list[tuple[str, str]]:
        found = [
            (_text_value(self.sd.jsonld_value("headline")), f"{self.ld}.headline"),
            (self.meta.get("property:og:title"), "meta og:title"),
            (self.meta.get("name:twitter:title", "property:twitter:title"), "meta twitter:title"),
            (_text_value(self.sd.microdata_value("headline")), "microdata headline"),
            (self.meta.get("name:dc.title", "name:title", "name:parsely-title", "name:sailthru.title"), "meta title"),
            (collapse(self._first_string("//title/text()")), "<title>"),
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
            if not text or len(text) > 400 or self.in_furniture(h1) or self._is_logo(text):
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
            inside = [h for h in candidates if h.xpath("ancestor::article | ancestor::main")
                      or re.search(r"headline|title", h.get("class") or "", re.IGNORECASE)]
            if len(inside) == 1:
                chosen = inside[0]
            elif len(candidates) == 1:
                chosen = candidates[0]
        if chosen is not None and titles and not any(set(_words(text_of(chosen))) & t for t in titles if t):
            # an h1 sharing no word with the title ('Read', a section's name): the heading that is the title
            titled = self._titled_heading(titles)
            chosen = titled if titled is not None else chosen
        if chosen is None and titles:
            # No h1 is the headline (a blog whose h1s are its logo, the post title in an h2-h4).
            chosen = self._titled_heading(titles)
        self._headline = chosen if chosen is not None else None
        return chosen

    def _titled_heading(self, titles: list[set[str]]) -> lxml_html.HtmlElement | None:
        """The h2-h4 heading that is the declared title, near enough word for word."""
        for heading in self.root.iter("h2", "h3", "h4"):
            words = set(_words(text_of(heading)))
            if len(words) >= 3 and not self.in_furniture(heading) and any(
                    len(words & t) >= 0.9 * len(words) and len(words & t) >= 0.7 * len(t) for t in titles if t):
                return heading
        return None

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

    # -- people ---------------------------------------------------------------------------------

    def _near_headline(self, element: lxml_html.HtmlElement, before: int = 40, after: int = 400) -> bool:
        h1 = self.headline()
        if h1 is None:
            return bool(element.xpath("ancestor::article | ancestor::main | ancestor::header"))
        distance = self.order(element) - self.order(h1)
        return -before <= distance <= after

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
        best: tuple[lxml_html.HtmlElement, str] | None = None
        candidates = self.classed(_AUTHOR_CLASS_RE) + [
            e for e in self.root.xpath('//*[@itemprop="author" or @rel="author"]') if e.get("class") is None
            and e.get("id") is None]
        for element in sorted(candidates, key=self.order):
            if element.tag in ("meta", "link", "script", "style", "input", "img", "body", "html", "article"):
                continue
            if not self._near_headline(element) or self.in_furniture(element):
                continue
            classes = " ".join((element.get("class") or "", element.get("id") or "")).casefold()
            # (hCard's 'vcard' marks a byline's author, not an author card)
            if re.search(r"bio|about|avatar|image|photo|img|desc|social|email|follow|contact|tips|more|box|"
                         r"(?<!v)card|list|archive|footer|popup|tooltip|pic", classes):
                continue
            text = self._byline_text(element)
            if text and re.search(r"\S@\S+\.\w|\bcan be reached\b", text) and not _BYLINE_LEAD_RE.match(text):
                continue  # 'Lauren Saria can be reached at …': the closing contact line, not the byline
            if not text or len(text) > 160 or len(_words(text)) < 1:
                continue
            if text.endswith((".", "!", "?")) and len(_words(text)) > 4 and not _BYLINE_LEAD_RE.match(text):
                continue  # a sentence about the author ('Neil Clark is a journalist.'): a bio, not a byline
            if best is not None and (element in best[0].iterdescendants()):
                continue  # nested inside the one already chosen
            if best is None or self.order(element) < self.order(best[0]):
                best = (element, text)
        plain = self._by_line_near_headline()
        if plain is not None and (best is None or self.order(plain[0]) < self.order(best[0])):
            best = plain  # a printed 'By …' line before any classed byline (which may name only the outlet)
        if best is None:
            best = self._byline_by_name()
        self._byline = best if best is not None else (None, "")
        return self._byline

    def _byline_by_name(self) -> tuple[lxml_html.HtmlElement, str] | None:
        """A byline in markup that does not say it is one (generated class names, a bare `<strong>`): the name
        the page declares as its author (structured data, meta, rel=author), printed as an element's whole text
        near the headline, with the credit words printed around it in the same line ('BY' in a span before it,
        'By … , ET Bureau' around the link). The line stops at a neighbour that is neither a credit word, another
        declared name nor a date (a 'Follow @…' link, a job title, the headline)."""
        declared, _ = self._declared_authors()
        names = {" ".join(_clean_name(p["name"] or "").split()).casefold() for p in declared}
        names |= {" ".join(text_of(a).split()).casefold() for a in _REL_AUTHOR(self.root)}
        names.discard("")
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
                    not in names or self.in_furniture(element):
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
        start = self.order(h1)
        for element in h1.itersiblings():
            if self.order(element) - start > 200:
                break
            for inner in element.iter():
                if not isinstance(inner.tag, str) or inner.tag in ("script", "style"):
                    continue
                own = collapse(inner.text)
                if own and (_BYLINE_LEAD_RE.match(own) or (own.casefold() in ("by", "by:") and len(inner)
                                                             and _BYLINE_LEAD_RE.match(text_of(inner)))):
                    text = self._byline_text(inner)
                    if text and len(text) <= 160 and not text.endswith((".", "?", "!")):
                        return inner, text
        return None

    def _byline_text(self, element: lxml_html.HtmlElement) -> str:
        def dated(node: lxml_html.HtmlElement) -> bool:
            if node.tag == "time":
                return True
            if node is element:
                return False
            classes = (node.get("class") or "").casefold()
            # also the writer's job title printed under the name ('author-job-title', 'author-title',
            # 'author__role', 'blogtitle'), the tools beside it (Print, E-mail), and what the page hides
            return node.tag in ("form", "button", "input", "label", "select", "textarea") or bool(re.search(
                r"date|time|publish|updated|timestamp|image|photo|avatar|thumb|headshot|social|email|twitter|"
                r"archive|rss|feed|comment|popular|follow|job|author-title|blogtitle|role|position|print|tools",
                classes)) or bool(_HIDDEN_STYLE_RE.search(node.get("style") or ""))

        # Inline elements apart: a name and the outlet in two spans ('Dan Jervis-Bardy' 'The West Australian').
        text = _block_text(element, skip=dated, inline_apart=True)
        text = _RELATIVE_RE.sub("", text)
        # The date printed in the byline line ('By Ann Smith on December 27, 2014 at 12:06 PM, updated …') goes
        # with what follows it, unless the name follows it ('Posted at 10:00 am on June 19, 2019 by Brandon
        # Morse': then the name is the byline).
        head, *tail = re.split(rf"[\s,|·•–—-]*\b(?:(?:published|updated|posted)\s*:?\s*)?(?:on\s+)?"
                               rf"(?:{PRINTED_DATE})", text, maxsplit=1, flags=re.IGNORECASE)
        named_after = re.search(r"\bby\s+[A-Z].*", tail[0]) if tail and not _BYLINE_LEAD_RE.match(head) else None
        text = named_after.group(0) if named_after else head
        for _ in range(2):
            text = re.sub(rf"[\s,|·•–—-]*(?:(?:published|updated|posted)\s*:?\s*)?(?:on\s+)?(?:{PRINTED_DATE})"
                          r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?\s*$",
                          "", text, flags=re.IGNORECASE)
            text = re.sub(r"[\s,|·•–—-]*(?:on\s+)?\d{1,2}/\d{1,2}/\d{2,4}"
                          r"(?:\s+at\s+\S+(?:\s*[AP]M)?(?:\s+[A-Z]{2,4})?)?\s*$", "", text, flags=re.IGNORECASE)
        text = collapse(text).strip(" |·•,;–—-")
        # 'Mon, 6/3/2019 - by Ann Smith': an all-numeric date before the name is no part of it either
        lead = re.match(r"^(?P<before>.*?\d.*?)[\s,|·•–—-]+(?P<by>by\s+[A-Z].*)$", text, re.IGNORECASE)
        if lead and not re.search(r"\bby\b", lead.group("before"), re.IGNORECASE):
            text = lead.group("by")
        # 'By TPN, in News, Portugal, Business': the sections it was filed in are no part of it either
        text = re.split(r",\s+in\s+(?=[A-Z])", text, maxsplit=1)[0]
        # nor the links printed after it ('Email the author | Follow on Twitter', 'Print'), nor an 'on' left by
        # the date taken away, nor the writer's e-mail address or the page's view count ('| 255 views')
        text = re.sub(r"[\s|,·•]*(?:\S+@\S+\.\w+|\d[\d,.]*\s+views?)\b(?=\s*(?:[|,·•]|$))", "",
                      _BYLINE_TAIL_RE.sub("", text))
        return _BYLINE_TAIL_RE.sub("", collapse(text).strip(" |·•,"))

    def byline(self) -> str | None:
        found = self.select("byline")
        if found and not isinstance(found[0], lxml_html.HtmlElement):
            self.note("byline", f"outlet rule: {self.rules.selectors['byline'].expression}")
            return _as_text(found[0]) or None
        element, text = self.byline_element()
        if element is None or not text:
            return None
        self.note("byline", f"visible: {describe(element)}" + (" (after h1)" if self.headline() is not None else ""))
        # '<span>By </span><span class="author">Ben Andrews</span>': the 'By' printed just before the element
        before = element.getprevious()
        lead = collapse(before.tail if before is not None else element.getparent().text
                        if element.getparent() is not None else "")
        if before is not None and not lead and isinstance(before.tag, str) and len(before) == 0:
            lead = collapse(before.text)
        if lead.casefold() in ("by", "by:") and not BY_RE.match(text):
            return f"{lead} {text}"
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

    def parsely(self) -> dict[str, Any]:
        """Parse.ly's older page metadata, one JSON object in `<meta name="parsely-page">` (author, pub_date,
        section, tags), or nothing."""
        raw = self.meta.get("name:parsely-page")
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _declared_authors(self) -> tuple[list[dict[str, str | None]], str]:
        """Authors as the page declares them (structured data, then meta), strongest first."""
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
            lead = re.sub(r"^\s*(?:written|submitted|words|story|posted)\s+", "", byline_text.split("|", 1)[0],
                          flags=re.IGNORECASE)
            linked: dict[str, str | None] = {}
            for a in element.iter("a"):
                if text_of(a) and a.get("href"):
                    # by the link's text, and by the name in it ('Meg Kinnard / Associated Press')
                    for key in (text_of(a), _clean_name(text_of(a))):
                        linked.setdefault(key.casefold(), absolute(self.base, a.get("href")))
            for piece in split_names(lead):
                name = _clean_name(piece)
                if name and len(name) < 80 and not re.search(r"\d|@", name) and name.casefold() != "by":
                    printed.append({"name": name, "url": linked.get(name.casefold())})
        # A site's address beside a person's name is the person's affiliation ('By Keith Spera, NOLA.com'), the
        # author only when it stands alone ('ELLE.com').
        people_only = [p for p in printed if not _DOMAIN_RE.search(p["name"] or "")]
        if people_only:
            printed = people_only
        links = [a for a in _REL_AUTHOR(self.root) if text_of(a) and not self.in_furniture(a)]
        # The outlet is an author only where the page names it so (its declared author, or its byline); it is
        # never taken from og:site_name or the publisher. A byline printing people wins over a declared
        # author that is only the outlet.
        printed_people = [p for p in printed if not self.is_outlet(p["name"] or "")] or printed
        kept = declared
        dropped = False
        if declared and all(self.is_outlet(p["name"] or "") or (how.startswith("meta") and _ORG_NAME_RE.search(
                p["name"] or "")) for p in declared) and printed_people \
                and not all(self.is_outlet(p["name"] or "") for p in printed_people):
            # (a meta author naming a publication, 'GQ Magazine', 'UPROXX Media', under a byline naming a person)
            kept, dropped = [], True
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
        for person in chosen:
            name = self._without_outlet(_clean_name(person["name"] or ""))
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
            return {"name": BY_RE.sub("", text_of(found)), "url": absolute(self.base, href)}
        return {"name": BY_RE.sub("", _as_text(found)), "url": None}

    # -- dates ----------------------------------------------------------------------------------

    def date(self, field_name: str) -> str | None:
        raw = self.selected_text(field_name)
        if raw is not None:
            return self.read_date(raw)
        found = self._date_raw(field_name)
        if field_name == "published" and found is not None and not found.how.startswith("visible"):
            # The page's own 'First published on …' line is what the reader is told: it wins over a declared
            # timestamp that names another day.
            printed = self._first_published()
            printed_day = normalize_date(self.read_date(printed.raw)) if printed is not None else None
            declared_day = normalize_date(self.read_date(found.raw))
            if printed is not None and printed_day and declared_day and printed_day[:10] != declared_day[:10]:
                found = printed
        value = self.read_date(found.raw) if found is not None else None
        if value is None and field_name == "published":
            found = self._date_by_htmldate()
            value = self.read_date(found.raw) if found is not None else None
        if found is None or value is None:
            return None
        how = found.how
        localized = self._localize(field_name, value)
        if localized is not None:
            value, local_how = localized
            how += local_how
        elif field_name == "published" and (printed_day := self._printed_day_across_midnight(value)) is not None:
            value, how = printed_day, how + " (its UTC day is not the day the page prints by the headline: that day)"
        self.note(field_name, how)
        return value

    def _printed_day_across_midnight(self, value: str) -> str | None:
        """The day printed by the headline, where a timestamp declared in UTC falls on the day before or after
        it and the page prints no clock time to tell its offset ('June 12, 2019' printed, 2019-06-13T01:07:29Z
        declared: published on the 12th where it was written, 18:07 in California)."""
        if not re.search(r"T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)$", value):
            return None
        printed = self._first_date_near_headline()
        day = normalize_date(self.read_date(printed.raw) or "") if printed is not None else None
        if not day or len(day) < 10:
            return None
        try:
            apart = date.fromisoformat(day[:10]) - date.fromisoformat(value[:10])
        except ValueError:
            return None
        return day[:10] if abs(apart) == timedelta(days=1) else None

    def _date_by_htmldate(self) -> _Dated | None:
        """The last resort for a publication date none of the rules found: htmldate, trafilatura's date finder,
        in its fast mode (the page's markup and URL, no free-text guessing), which knows more places than these
        rules where pages keep a date. Imported here: a page the rules read never pays for it."""
        from htmldate import find_date

        try:
            found = find_date(copy.deepcopy(self.root), url=self.url, original_date=True, extensive_search=False,
                              outputformat="%Y-%m-%d")
        except ValueError:
            return None
        return _Dated(found, "htmldate (fast mode)") if found else None

    def _first_published(self) -> _Dated | None:
        """A printed 'First published on <date>' line naming no other publication (the outlet's own statement
        of when it published the article), anywhere but the site's furniture outside the article."""
        for node in _FIRST_PUBLISHED_TEXT(self.root):
            element = node.getparent()
            if element is None or element.xpath(_OUTSIDE_ARTICLE):
                continue
            text = text_of(element)
            match = _FIRST_PUBLISHED_RE.match(text)
            if match and not text[match.end():].strip(" .,;:|"):
                return _Dated(match.group("date"), f"visible: 'First published' line in {describe(element)}")
        return None

    def read_date(self, raw: str | None) -> str | None:
        """A date as printed, turned into ISO 8601 when one of the outlet's formats or the URL's date reads it."""
        if raw is None:
            return None
        text = collapse(raw)
        by_format = parse_with_formats(text, self.rules.date_formats)
        if by_format:
            return by_format
        if normalize_date(text) is None:
            numeric = self._numeric_by_url(text)
            if numeric:
                return numeric
        return text

    def _numeric_by_url(self, text: str) -> str | None:
        """An all-numeric date (01/31/2019, 2/20/19) read the one way that gives the URL's date, else None."""
        the_day = url_day(self.url)
        numeric = _NUMERIC_DATE_RE.search(text)
        if the_day is None or numeric is None:
            return None
        a, _, b, c = numeric.groups()
        readings = []
        for y, m, d in ((c, a, b), (c, b, a), (a, b, c)):
            year = int(y) + (2000 if len(y) == 2 else 0)
            try:
                readings.append(date(year, int(m), int(d)))
            except ValueError:
                continue
        if the_day not in readings:
            return None
        clock = re.search(r"\b([01]?\d|2[0-3]):([0-5]\d)\b(?:\s*([ap])\.?m\b\.?)?", text, re.IGNORECASE)
        if clock is None:
            return the_day.isoformat()
        hour = int(clock.group(1))
        if clock.group(3) and hour <= 12:
            hour = hour % 12 + (12 if clock.group(3).casefold() == "p" else 0)
        return f"{the_day.isoformat()}T{hour:02d}:{clock.group(2)}"

    def _date_raw(self, field_name: str) -> _Dated | None:
        ld_keys = ("datePublished", "dateCreated") if field_name == "published" else ("dateModified",)
        for key in ld_keys:
            value = _text_value(self.sd.jsonld_value(key))
            if value:
                return _Dated(value, f"{self.ld}.{key}")
        meta_keys = (
            ("property:article:published_time", "name:article:published_time", "property:og:published_time",
             "property:article:published", "itemprop:datePublished", "name:parsely-pub-date", "name:sailthru.date",
             "name:dc.date.issued", "name:dcterms.issued", "name:dc.date", "name:dcterms.date", "name:dcterms.created",
             "name:pubdate", "name:publishdate", "name:publish-date", "name:publication_date", "name:date",
             "name:article_date_original", "name:original-publish-date", "name:displaydate", "name:dc.date.created",
             "name:pub_date", "name:publish_date", "name:date_published", "name:citation_publication_date",
             "name:citation_date", "name:originalpublicationdate", "name:article.published", "name:og:pubdate",
             "property:og:article:published_time", "name:cxenseparse:recs:publishtime", "name:dc.created",
             "name:prism.publicationdate", "itemprop:datecreated", "name:created", "name:datecreated",
             "name:published-date", "name:published_time", "name:pdate", "name:rnews:datepublished")
            if field_name == "published" else
            ("property:article:modified_time", "name:article:modified_time", "property:og:updated_time",
             "property:article:modified", "itemprop:dateModified", "name:lastmod", "name:dcterms.modified",
             "name:dc.date.modified", "name:last-modified", "name:lastmodifieddate", "name:article_date_updated",
             "name:sailthru.lastmodified", "http-equiv:last-modified"))
        for key in meta_keys:
            value = self.meta.get(key)
            if value:
                return _Dated(value, f"meta {key.split(':', 1)[1]}")
        value = _text_value(self.sd.microdata_value("datePublished" if field_name == "published" else "dateModified"))
        if value:
            return _Dated(value, f"microdata {'datePublished' if field_name == 'published' else 'dateModified'}")
        value = self.parsely().get("pub_date") if field_name == "published" else None
        if isinstance(value, str) and value:
            return _Dated(value, "meta parsely-page (pub_date)")
        return self._visible_date(field_name)

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

    def _visible_date(self, field_name: str) -> _Dated | None:
        wanted = ("publish", "posted", "created") if field_name == "published" else ("updat", "modif", "edited")
        times = self._visible_times()
        for element, raw, _label in times:
            own = " ".join((element.get("class") or "", element.get("itemprop") or "")).casefold()
            if any(w in own for w in wanted) or (element.get("pubdate") is not None and field_name == "published"):
                return _Dated(raw, f"visible: {describe(element)}[datetime]" if element.get("datetime")
                              else f"visible: {describe(element)}")
        printed = self._printed_date(field_name)
        if printed is not None:
            return printed
        if field_name == "published":
            plain = [(e, raw) for e, raw, label in times
                     if not any(w in label for w in ("updat", "modif", "edited"))]
            if plain:
                element, raw = plain[0]
                return _Dated(raw, f"visible: {describe(element)}" + ("[datetime]" if element.get("datetime")
                                                                        else "") + " near the headline")
            classed = self._classed_date_near_headline()
            if classed is not None:
                return classed
            numeric = self._numeric_near_headline()
            if numeric is not None:
                return numeric
            day = url_day(self.url)
            if day is not None:
                return _Dated(day.isoformat(), "the URL's date")
            printed_near = self._first_date_near_headline()
            if printed_near is not None:
                return printed_near
            # A page whose only printed date is an 'Updated:' line: published by then, the one date it gives.
            updated = self._printed_date("modified")
            if updated is not None:
                return _Dated(updated.raw, updated.how + " (the only date printed)")
            return None
        return self._hatom_updated() or self._latest_update_note()

    def _hatom_updated(self) -> _Dated | None:
        """hAtom's `updated` (`<abbr class="published updated" title="2010-08-13T16:39:00-04:00">`, a hidden
        `<span class="updated">2018-10-21</span>`): the entry's modification date as the theme declares it."""
        for element in self.classed(_UPDATED_CLASS_RE):
            raw = element.get("title") or element.get("datetime") or text_of(element)
            if raw and len(raw) <= 40 and not self.in_furniture(element) and normalize_date(raw) is not None:
                return _Dated(raw, f"{describe(element)} (hAtom updated)")
        return None

    def _latest_update_note(self) -> _Dated | None:
        """The latest of the article's dated update notes ('Update: June 9, 2019, 9:53 p.m. ET' printed in the
        text, as an addendum), where nothing by the headline says when the page was updated."""
        latest: tuple[str, _Dated] | None = None
        for element in self.root.iter("p", "strong", "b", "em", "h3", "h4", "h5", "h6"):
            text = element.text
            if not text or not text.lstrip()[:6].casefold().startswith("update") or self.in_furniture(element):
                continue
            match = _UPDATE_NOTE_RE.match(collapse(text_of(element)))
            day = normalize_date(match.group("date")) if match else None
            if match and day and (latest is None or day > latest[0]):
                latest = (day, _Dated(match.group("date"), f"visible: the last dated update note, "
                                                           f"in {describe(element)}"))
        return latest[1] if latest is not None else None

    def _around(self, h1: lxml_html.HtmlElement, before: int = 60, after: int = 300) -> Iterator[
            lxml_html.HtmlElement]:
        """The page's elements from `before` elements ahead of the headline to `after` past it, in order."""
        start = self.order(h1)
        for element in self.root.iter():
            position = self.order(element)
            if position < start - before:
                continue
            if position > start + after:
                return
            yield element

    def _classed_date_near_headline(self) -> _Dated | None:
        """A date printed with its month spelled out (or in ISO form) in an element named for dates near the
        headline ('<span class="post-date">June 11, 2019</span>', hAtom's '<abbr class="published" title="…">'),
        not one labelled as an update."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1, before=40, after=200):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a") \
                    or self.in_furniture(element):
                continue
            names = f"{element.get('class') or ''} {element.get('id') or ''}".casefold()
            if not _DATE_CLASS_RE.search(names) or re.search(r"updat|modif|edit", names):
                continue
            title = element.get("title") or ""
            if element.tag == "abbr" and re.match(r"^\d{4}-\d{2}-\d{2}", title):
                return _Dated(title, f"visible: {describe(element)}[title] (hAtom) near the headline")
            text = text_of(element)
            if not text or len(text) > 80 or re.search(r"updat|modif|edited", text, re.IGNORECASE):
                continue
            found = _CLOCK_DATE_RE.search(text) or re.search(PRINTED_DATE, text)
            if found and normalize_date(found.group(0)) is not None:
                return _Dated(found.group(0), f"visible: {describe(element)} near the headline")
        return None

    def _first_date_near_headline(self) -> _Dated | None:
        """The first date printed in words near the headline ('December 29, 2014'), in any element but links,
        the site's furniture and update lines: the last resort before saying the page gives no date (what a
        reader takes for the date of an article that labels nothing)."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1, before=20, after=150):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a", "option", "title") \
                    or element.xpath("ancestor::a") or self.in_furniture(element):
                continue
            for piece in (element.text, element.tail):
                text = collapse(piece)
                if not text or len(text) > 200 or re.search(r"updat|modif|edited", text, re.IGNORECASE):
                    continue
                found = _CLOCK_DATE_RE.search(text) or _WORDED_DATE_RE.search(text)
                if found and normalize_date(found.group(0)) is not None:
                    return _Dated(found.group(0), f"visible: the first date printed by the headline, in "
                                                  f"{describe(element)}")
        return None

    def _numeric_near_headline(self) -> _Dated | None:
        """An all-numeric date printed alone near the headline ('17:08 10/04/2011'), when the URL's date says
        which way to read it (day or month first); never guessed."""
        h1 = self.headline()
        if h1 is None or url_day(self.url) is None:
            return None
        for element in self._around(h1):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a") or len(element) > 3:
                continue
            text = text_of(element)
            if text and len(text) <= 24 and _NUMERIC_PRINTED_RE.match(text) and self._numeric_by_url(text):
                return _Dated(text, f"visible: {describe(element)} (an all-numeric date read by the URL's date)")
        return None

    def _printed_date(self, field_name: str) -> _Dated | None:
        """A 'Published: …' / 'Updated on …' line printed near the headline."""
        h1 = self.headline()
        if h1 is None:
            return None
        wanted = ("publish", "posted", "created") if field_name == "published" else ("updat", "modif", "edited")
        for element in self._around(h1):
            if not isinstance(element.tag, str) or element.tag in ("script", "style"):
                continue
            # (lxml makes a new string at each access of .text: which piece is which goes by position, not `is`.)
            for own_text, piece in ((True, element.text), (False, element.tail)):
                text = collapse(piece)
                match = _PRINTED_LABEL_RE.match(text) if text else None
                if match is None or not any(w in match.group("label").casefold() for w in wanted):
                    continue
                rest = match.group("rest")
                if not rest.strip(" :"):
                    # The label alone in its element ('<span>Published: </span>Saturday, May 18th, 2019'): the
                    # date follows it, in the element's own text or after it.
                    rest = text_of(element) if own_text else ""
                    rest = _PRINTED_LABEL_RE.sub(r"\g<rest>", rest)
                    if not rest.strip(" :") and own_text:
                        rest = collapse(element.tail)
                # The printed time belongs to any of the date's spellings ('10 Feb, 2016 18:38').
                when = re.search(rf"(?:{PRINTED_DATE})(?:,?\s*(?:at|/)?\s*\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?|"
                                 r"\d{1,2}/\d{1,2}/\d{2,4}", rest, re.IGNORECASE)
                if when:
                    return _Dated(when.group(0), f"visible: '{match.group('label')}' line in {describe(element)}")
        return None

    def _localize(self, field_name: str, value: str) -> tuple[str, str] | None:
        """A declared timestamp in the publisher's local time, when the page prints that time without an offset.

        e.g. article:published_time 2019-05-16T01:51:02+00:00 and `<time datetime="2019-05-15 21:51:02">`:
        the page's offset is -04:00, and the article was published on the 15th where it was written.
        """
        try:
            declared = date_parser.isoparse(value) if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else None
        except ValueError:
            return None
        if declared is None or declared.tzinfo is None:
            return None
        how = " (in the page's local time, from a visible <time datetime>)"
        if self.local_offset is None and field_name == "published":
            printed = [(raw, how) for _element, raw, _label in self._visible_times()]
            printed += [(raw, " (in the page's local time, as printed by the headline)")
                        for raw in self._printed_clock_times()]
            for raw, found_how in printed:
                text = raw.strip()
                if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$", text):
                    read = normalize_date(text)
                    if read is None or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$", read):
                        continue
                    text = read
                local = datetime.fromisoformat(text.replace(" ", "T"))
                # printed to the minute ('5:36pm') against a declared 00:36:30: compared to the minute
                moment = declared if local.second else declared.replace(second=0, microsecond=0)
                offset = local - moment.astimezone(UTC).replace(tzinfo=None)
                how = found_how
                if abs(offset) <= timedelta(hours=14) and offset % timedelta(minutes=15) == timedelta(0) \
                        and abs(offset) < timedelta(days=1) and offset != declared.utcoffset():
                    self.local_offset = offset
                    break
        if self.local_offset is None:
            return None
        local = declared.astimezone(timezone(self.local_offset))
        if local.date() == declared.date():
            return None  # the declared timestamp names the day the page prints: kept as declared
        return local.isoformat(), how

    def _printed_clock_times(self) -> list[str]:
        """Dates printed with their time of day near the headline, with no offset ('December 19, 2018 at 5:36pm',
        the date in a span and the time after it)."""
        h1 = self.headline()
        if h1 is None:
            return []
        found = []
        for element in self._around(h1, before=40, after=120):
            if not isinstance(element.tag, str) or element.tag in ("script", "style") or len(element) > 2:
                continue
            if not any(":" in (piece or "") for piece in (element.text, element.tail, *(c.text for c in element),
                                                          *(c.tail for c in element))):
                continue  # no time of day printed here
            text = collapse(f"{text_of(element)} {element.tail or ''}")
            match = _CLOCK_DATE_RE.search(text) if len(text) < 120 else None
            if match:
                found.append(match.group(0))
        return found

    # -- terms ----------------------------------------------------------------------------------

    def terms(self) -> dict[str, list[dict[str, str | None]]]:
        terms: dict[str, list[dict[str, str | None]]] = {}
        configured = any(f in self.rules.selectors for f in TERM_FIELDS)
        for field_name in TERM_FIELDS:
            found = self.select(field_name)
            terms[field_name] = [self._term(f) for f in found if _as_text(f)] if found is not None else []
        if configured and any(terms.values()):
            self.note("categories", "outlet rules: " + ", ".join(
                self.rules.selectors[f].expression for f in TERM_FIELDS if f in self.rules.selectors))
            return terms
        # No outlet rules for the terms, or rules that match nothing here (an older markup): the page itself.
        labelled = self._labelled_blocks()
        if any(labelled.values()):
            # The section printed by the headline (a rubric) is a theme too, beside the labelled blocks.
            # So are the article's tag links, when the labelled blocks are not themselves its tags.
            rubric_how, rubric = self._section()
            tags_how, tags = self._tags()
            names = {(t["name"] or "").casefold() for listed in labelled.values() for t in listed}
            rubric = [t for t in rubric if (t["name"] or "").casefold() not in names]
            names |= {(t["name"] or "").casefold() for t in rubric}
            tags = [t for t in tags if (t["name"] or "").casefold() not in names]
            labelled["themes"] = rubric + labelled["themes"] + tags
            self.note("categories", (f"{rubric_how} + " if rubric else "") + "visible: labelled link blocks ("
                      + ", ".join(f for f in TERM_FIELDS if labelled[f]) + ")" + (f" + {tags_how}" if tags else ""))
            return labelled
        found_terms: list[dict[str, str | None]] = []
        sources: list[str] = []
        for how, got in (self._section(), self._dateline_section(), self._breadcrumbs(), self._series(),
                         self._tags()):
            if got:
                found_terms.extend(got)
                sources.append(how)
        if not found_terms:
            section = _text_value(self.sd.jsonld_value("articleSection"))
            how = f"{self.ld}.articleSection"
            if not section:
                # A meta section is often an internal slug ('politics'): only one the page prints counts.
                section = self.meta.get("property:article:section")
                section = section if section and self._shown(section) else None
                how = "meta article:section (printed on the page)"
            if section:
                found_terms = [{"name": section, "slug": None, "url": None}]
                sources.append(how)
        seen: set[str] = set()
        themes = []
        for term in found_terms:
            key = (term["name"] or "").casefold()
            if key and key not in seen and key != "home":
                seen.add(key)
                themes.append(term)
        terms["themes"] = themes
        if themes:
            self.note("categories", " + ".join(sources))
        return terms

    def _shown(self, name: str, *, anywhere: bool = False) -> bool:
        """Whether a declared name is printed as a link on the page (a section a reader sees): by the article,
        or in a breadcrumb trail, not only in the site's menus, sidebars and footer (unless `anywhere`)."""
        folded = collapse(name).casefold()
        for a in self.root.iter("a"):
            if text_of(a).casefold() != folded:
                continue
            if anywhere or any("crumb" in " ".join((e.get("class") or "", e.get("id") or "",
                                                    e.get("aria-label") or "")).casefold()
                               for e in a.iterancestors()):
                return True
            if not a.xpath(_OUTSIDE_ARTICLE) and not self._in_menu(a):
                return True
        return False

    def _section(self) -> tuple[str, list[dict[str, str | None]]]:
        """The section printed above or beside the headline (an eyebrow, a kicker, a breadcrumb trail)."""
        h1 = self.headline()
        if h1 is None:
            return "", []
        start = self.order(h1)
        found: list[tuple[lxml_html.HtmlElement, list[dict[str, str | None]]]] = []
        for block in self.classed(_SECTION_CLASS_RE):
            if block.tag in ("body", "html", "article", "main") or self.in_furniture(block):
                continue
            distance = self.order(block) - start
            if not -80 <= distance <= 60:
                continue
            words = _class_words(f"{block.get('class') or ''} {block.get('id') or ''}")
            if not _SECTION_WORDS.intersection(words) or _MENU_WORDS.intersection(words) \
                    or _FURNITURE_WORDS.intersection(words) or _PEOPLE_WORDS.intersection(words) \
                    or _DATED_WORDS.intersection(words) \
                    or self._in_menu(block):
                continue
            if len(text_of(block)) > 200:
                continue  # text with a link in it (a 'field-label-hidden' body), not a section label
            if h1 in block.iterdescendants() or block in h1.iterancestors():
                continue
            links = [a for a in block.iter("a") if text_of(a) and a.get("href")
                     and _same_site(absolute(self.base, a.get("href")), self.url)]
            if not links or len(links) > 6:
                continue
            terms = [self._term(a) for a in links if len(text_of(a)) < 60]
            terms = [t for t in terms if t["url"] and (t["name"] or "").casefold() != "home"
                     and urlsplit(t["url"] or "").path.strip("/") and t["url"] != self.url
                     and not _is_profile_url(t["url"])]
            if terms and not any(b in block.iterancestors() or block in b.iterancestors() for b, _ in found):
                found.append((block, terms))
        if not found:
            return "", []
        return (f"visible: section {', '.join(describe(b) for b, _ in found)} by the headline",
                [t for _, terms in found for t in terms])

    def _dateline_section(self) -> tuple[str, list[dict[str, str | None]]]:
        """The section printed after the date by the headline ('8:16 AM 01/31/2019 | Politics'), when the page
        also links a section of that name (so a word after a bar is a section, not a place or a credit)."""
        for element, _raw, _label in self._visible_times():
            pieces = [collapse(p) for p in text_of(element).split("|")]
            if len(pieces) != 2 or not re.search(r"\d", pieces[0]):
                continue
            name = pieces[1]
            if 0 < len(name) <= 30 and not re.search(r"\d", name) and name[:1].isupper() \
                    and self._shown(name, anywhere=True):
                return f"visible: the section after the date in {describe(element)}", [
                    {"name": name, "slug": None, "url": None}]
        return "", []

    def _series(self) -> tuple[str, list[dict[str, str | None]]]:
        """The series the article belongs to: the page's links to one of the site's series pages (/series/<slug>/),
        outside its navigation, footer and sidebars."""
        found: list[dict[str, str | None]] = []
        for a in self.root.iter("a"):
            if "/series/" not in (a.get("href") or ""):
                continue  # (resolving every link of the page costs more than the whole rule)
            href = absolute(self.base, a.get("href"))
            segments = [p for p in urlsplit(href or "").path.split("/") if p]
            if len(segments) != 2 or segments[0].casefold() != "series" or not _same_site(href, self.url):
                continue
            name = text_of(a)
            if not name or len(name) > 80 or self.in_furniture(a) or self._in_menu(a):
                continue
            # One series, however many links name it ('Texas Legislature 2019', then 'More in this series').
            if all(t["slug"] != segments[1] for t in found):
                found.append({"name": name, "slug": segments[1], "url": href})
        return ("visible: links to the site's series pages", found) if 0 < len(found) <= 2 else ("", [])

    def _in_menu(self, element: lxml_html.HtmlElement) -> bool:
        """Whether an element sits in a navigation menu (by its ancestors' class words)."""
        h1 = self.headline()
        shared = set(h1.iterancestors()) if h1 is not None else set()
        for ancestor in element.iterancestors():
            if ancestor in shared:
                return False  # the headline's own container (the article's header) is no menu
            if ancestor.tag in ("nav", "header") and not ancestor.xpath("ancestor::article"):
                return True
            words = _class_words(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}")
            if _MENU_WORDS.intersection(words):
                return True
        return False

    def _term(self, found: Any) -> dict[str, str | None]:
        if isinstance(found, lxml_html.HtmlElement):
            link = found if found.tag == "a" else next(iter(found.iter("a")), None)
            href = absolute(self.base, link.get("href")) if link is not None else None
            # '#James Mattis': the hash sign some sites print before a tag is not its name.
            return {"name": text_of(found).lstrip("#").strip() or text_of(found), "slug": slug_of(href), "url": href}
        return {"name": _as_text(found), "slug": None, "url": None}

    def _labelled_blocks(self) -> dict[str, list[dict[str, str | None]]]:
        """'Region: <a>…</a>, <a>…</a>' blocks, or a label element followed by a sibling holding the links."""
        wanted = {label.casefold(): field_name for field_name, labels in self.x._labels.items() for label in labels}
        terms: dict[str, list[dict[str, str | None]]] = {f: [] for f in TERM_FIELDS}
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element.tag in ("a", "script", "style", "head", "title"):
                continue
            own = collapse(element.text)
            if not own or len(own) > 40:
                continue
            label, colon, _ = own.partition(":")
            if label.strip().casefold() not in wanted and own.rstrip(":").casefold() not in wanted \
                    and text_of(element).rstrip(":").casefold() not in wanted:
                continue
            if element.xpath(_OUTSIDE_ARTICLE) or self._in_menu(element):
                continue
            field_name = wanted.get(label.strip().casefold()) if colon or own.rstrip(":") == own else None
            links: list[lxml_html.HtmlElement] = []
            if field_name and list(element.iter("a")):
                links = list(element.iter("a"))
            elif not list(element.iter("a")) and text_of(element).rstrip(":").casefold() in wanted:
                field_name = wanted[text_of(element).rstrip(":").casefold()]
                sibling = element.getnext()
                links = list(sibling.iter("a")) if sibling is not None else []
            if field_name and links and not terms[field_name]:
                terms[field_name] = [self._term(a) for a in links if text_of(a)]
        return terms

    def _breadcrumbs(self) -> tuple[str, list[dict[str, str | None]]]:
        crumbs = [(name, absolute(self.base, url)) for name, url in self.sd.breadcrumbs]
        how = "JSON-LD BreadcrumbList"
        if not crumbs:
            trail = self.root.xpath('(//*[contains(@class,"breadcrumb") or contains(@id,"breadcrumb")])[1]//a[@href]')
            # A trail is a few short links before the headline (a breadcrumb left open by a typo holds the page).
            h1 = self.headline()
            trail = [a for a in trail if h1 is None or self.order(a) < self.order(h1)][:8]
            trail = list(itertools.takewhile(lambda a: len(text_of(a)) <= 60, trail))
            # ... close together and apart only by separators ('Home / Culture', 'Home › Culture'), not the
            # article's own links
            kept = trail[:1]
            for a in trail[1:]:
                before = a.getprevious()
                lead = before.tail if before is not None else (a.getparent().text if a.getparent() is not None
                                                               else None)
                if len(collapse(kept[-1].tail)) > 3 or len(collapse(lead)) > 3 \
                        or self.order(a) - self.order(kept[-1]) > 8:
                    break
                kept.append(a)
            trail = kept
            crumbs = [(text_of(a), absolute(self.base, a.get("href"))) for a in trail if text_of(a)]
            how = "visible: breadcrumb trail"
        home = urlsplit(self.base)._replace(path="/", query="", fragment="").geturl()
        terms = []
        for name, url in crumbs:
            if name.casefold() == "home" or url in (None, home, home.rstrip("/")) or url == self.url:
                continue
            if self._headline_text() and name.casefold() == (self._headline_text() or "").casefold():
                continue
            terms.append({"name": name, "slug": slug_of(url), "url": url})
        return how, terms

    def _tags(self) -> tuple[str, list[dict[str, str | None]]]:
        tags = [a for a in _REL_TAG(self.root) if text_of(a) and not a.xpath(_OUTSIDE_ARTICLE)]
        h1 = self.headline()
        if tags:
            # rel=tag marks WordPress's category links too ('category tag'): the tag pages' links join them.
            how, more = self._tag_page_links(h1)
            found = [self._term(a) for a in _unique_links(tags)]
            names = {(t["name"] or "").casefold() for t in found}
            found += [t for t in more if (t["name"] or "").casefold() not in names]
            return "visible: a[rel=tag] links" + (f" + {how.removeprefix('visible: ')}" if more else ""), found
        article = next(iter(h1.iterancestors("article")), None) if h1 is not None else None
        for block in [*self.root.iter("tags"), *self.classed(_TAG_CLASS_RE)]:
            if block.tag not in ("div", "ul", "ol", "p", "section", "nav", "span", "footer", "tags") \
                    or block.xpath(_OUTSIDE_ARTICLE) or self._in_menu(block):
                continue
            if article is not None and article not in block.iterancestors():
                continue
            classes = " ".join((block.get("class") or "", block.get("id") or "")).casefold()
            if re.search(r"nav|menu|header|trending|popular|hot|sidebar|footer-|widget|homepage", classes):
                continue
            if not self._near_headline(block, before=40, after=5000):
                continue
            links = self._topic_links(block)
            parent = block.getparent()
            if len(links) == 1 and parent is not None and block.get("class"):
                # one tag a block, the blocks side by side ('<div class="topic-tag"><a>War</a></div>' × 5)
                links = [a for twin in parent if twin.get("class") == block.get("class")
                         for a in self._topic_links(twin)]
            if 1 <= len(links) <= 25:
                return f"visible: topic links in {describe(block)}", [self._term(a) for a in _unique_links(links)]
        return self._tag_page_links(h1)

    def _topic_links(self, block: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
        return [a for a in block.iter("a") if text_of(a) and a.get("href")
                and _same_site(absolute(self.base, a.get("href")), self.url) and len(text_of(a)) < 60]

    def _tag_page_links(self, h1: lxml_html.HtmlElement | None) -> tuple[str, list[dict[str, str | None]]]:
        """The article's links to the site's tag pages (/tag/<slug>/, /topics/<slug>), in one block after the
        headline, outside navigation, menus, sidebars and the site's own footer (an article's footer counts)."""
        if h1 is None:
            return "", []
        region = {e for e in h1.iterancestors() if e.tag not in ("body", "html")}
        start = self.order(h1)
        blocks: dict[lxml_html.HtmlElement, list[lxml_html.HtmlElement]] = {}
        for a in self.root.iter("a"):
            if not _TAG_PATH_RE.search(urlsplit(a.get("href") or "").path):
                continue  # (the raw path decides; only candidates are resolved)
            href = absolute(self.base, a.get("href"))
            name = text_of(a)
            if not href or not name or len(name) >= 60 or not _TAG_PATH_RE.search(urlsplit(href).path) \
                    or not _same_site(href, self.url) or self.order(a) < start:
                continue
            if a.xpath("ancestor::nav | ancestor::aside") or self._in_menu(a) or not region.intersection(
                    a.iterancestors()):
                continue
            parent = a.getparent()
            while parent is not None and parent.tag in ("li", "span", "strong", "em", "b"):
                parent = parent.getparent()
            if parent is not None:
                blocks.setdefault(parent.getparent() if parent.tag in ("ul", "ol") and parent.getparent() is not
                                  None else parent, []).append(a)
        # The block with the most of them (the tag list, not a lone tag link elsewhere).
        fitting = [(block, links) for block, links in blocks.items() if 1 <= len(links) <= 25]
        if not fitting:
            return "", []
        block, links = max(fitting, key=lambda found: len(found[1]))
        return f"visible: links to the site's tag pages in {describe(block)}", [self._term(a) for a in
                                                                               _unique_links(links)]

    # -- provenance -----------------------------------------------------------------------------

    def original_source(self, published: str | None, canonical: str | None) -> dict[str, Any] | None:
        found = self.select("original_source")
        if found is not None:
            for f in found:
                element = f if isinstance(f, lxml_html.HtmlElement) else None
                return self._credit(element, _as_text(f), "outlet rule")
        credit = self._credit_line()
        if credit is not None:
            return credit
        if canonical and not _same_site(canonical, self.url):
            self.note("original_source", "link rel=canonical on another site")
            return {"name": _host(canonical), "url": canonical, "published": None}
        if self.rules.site_name:
            # An outlet's own article: the outlet first published it (the item's contract for an original).
            self.note("original_source", "the outlet itself (no republication notice on the page)")
            return {"name": self.rules.site_name, "url": None, "published": published}
        return None

    def _credit_line(self) -> dict[str, Any] | None:
        """A line saying the piece was first published elsewhere: 'originally published in', 'first appeared
        on', 'This article was produced by', 'The original source of this article is', or 'Source:' linking
        to a page on another site."""
        seen: set[Any] = set()
        for hit in self.text_hits(_CREDIT_TEXT_RE):
            element = hit
            while element is not None and element.tag not in BLOCK_TAGS:
                element = element.getparent()
            if element is None or element in seen or element.tag in ("body", "html"):
                continue
            seen.add(element)
            # not in the site's menus or header (a <header> left open around the whole page is no site header)
            if element.xpath("ancestor::nav") or any(
                    _plain_text_length(header) * 3 < self.plain_length()
                    for header in element.xpath("ancestor::header[not(ancestor::article)]")):
                continue
            text = _block_text(element)
            if len(text) > 400:
                continue
            credit = self._credit(element, text, f"visible: credit line in {describe(element)}")
            if credit is not None:
                self.credit_element = element
                return credit
        return None

    def in_furniture(self, element: lxml_html.HtmlElement) -> bool:
        """Inside the site's footer, navigation or a sidebar. Not inside one left open by a typo around the article
        (`<nav class="breadcrumb">` never closed): one that holds a third of the page's text is no menu."""
        for wrapper in _IN_FURNITURE(element):
            holds = self._holds_page.get(wrapper)
            if holds is None:
                holds = self._holds_page[wrapper] = _plain_text_length(wrapper) * 3 > self.plain_length()
            if not holds:
                return True
        return False

    def plain_length(self) -> int:
        """The characters of text a reader reads on the page (outside links, scripts, form fields), once."""
        if self._plain_length is None:
            body = self.root.find("body")
            self._plain_length = _plain_text_length(body if body is not None else self.root)
        return self._plain_length

    def _credit(self, element: lxml_html.HtmlElement | None, text: str, how: str) -> dict[str, Any] | None:
        rest: str | None = None
        for pattern in _CREDIT_PATTERNS:
            match = pattern.match(text)
            if match:
                rest = match.group("rest")
                break
        links = [a for a in element.iter("a") if a.get("href")] if element is not None else []
        external = [a for a in links if not _same_site(absolute(self.base, a.get("href")), self.url)]
        if rest is None:
            match = _SOURCE_LINE_RE.match(text)
            if match is None or not external:
                if how != "outlet rule":
                    return None
                rest = text
            else:
                rest = match.group("rest")
        link = (external or links or [None])[0]
        when = _DATE_TAIL_RE.search(rest)
        name = collapse(rest[: when.start()] if when else rest)
        name = re.split(r"\.\s+(?=[A-Z])", name)[0]
        if link is not None and text_of(link) and (not name or len(name) > 120):
            name = text_of(link)
        self.note("original_source", how)
        return {
            "name": name.strip(" .,;:") or None,
            "url": absolute(self.base, link.get("href")) if link is not None else None,
            "published": self.read_date(when.group("date")) if when else None,
        }

    def copyright(self) -> dict[str, Any] | None:
        found = self.select("copyright")
        if found is not None:
            for f in found:
                line = _as_text(f)
                if _COPYRIGHT_MARK_RE.search(line) or line:
                    self.note("copyright", f"outlet rule: {self.rules.selectors['copyright'].expression}")
                    return read_copyright(line)
            # The rule gives nothing here (an older markup of the outlet): the page's own © line, as for any site.
        candidates: list[tuple[int, lxml_html.HtmlElement, str]] = []
        seen: set[Any] = set()
        for element in self.text_hits(_COPYRIGHT_TEXT_RE):
            block = element
            while block is not None and block.tag not in BLOCK_TAGS and block.tag not in ("footer", "copyright"):
                block = block.getparent()
            if block is None or block in seen:
                continue
            seen.add(block)
            line = _block_text(block)
            if len(line) > 300:
                line = copyright_statement(line)  # a footer's links and legalese around the © statement
            if not line or len(line) > 300 or not (_COPYRIGHT_MARK_RE.search(line) or _RIGHTS_RE.search(line)):
                continue
            if not (YEAR_RE.search(line) or _RIGHTS_RE.search(line)):
                continue
            in_footer = bool(block.xpath("ancestor-or-self::footer | ancestor-or-self::*[contains(@class,'footer')"
                                         " or contains(@id,'footer') or contains(@class,'copyright')]"))
            in_article = bool(block.xpath("ancestor::article"))
            score = 2 * int(in_footer) - 2 * int(in_article) + int(bool(_COPYRIGHT_LEAD_RE.search(line)
                                                                     or "©" in line))
            candidates.append((score, block, line))
        if not candidates:
            return None
        best = max(candidates, key=lambda c: (c[0], self.order(c[1])))
        self.note("copyright", f"visible: © line in {describe(best[1])}"
                  + (" (page footer)" if best[0] >= 2 else ""))
        trimmed = read_copyright(copyright_statement(best[2]))
        # '©2019 All Rights Reserved | Tampa Bay Times', 'Daily Maverick © All rights reserved': the holder is
        # printed outside the statement, so the block's line is kept whole.
        return trimmed if trimmed["holders"] else read_copyright(best[2])

    # -- the rest -------------------------------------------------------------------------------

    def language(self) -> str | None:
        for value, how in (
            (self.selected_text("language"), None),
            (_text_value(self.sd.jsonld_value("inLanguage")), f"{self.ld}.inLanguage"),
            (self.meta.get("itemprop:inLanguage"), "meta itemprop inLanguage"),
            (self._first_string("/html/@lang") or self._first_string("/html/@xml:lang"), "<html lang>"),
            (self.meta.get("http-equiv:content-language", "name:content-language"), "meta content-language"),
            (self.meta.get("name:dc.language", "name:language"), "meta dc.language"),
            (self.meta.get("property:og:locale"), "meta og:locale"),
        ):
            if value:
                if how:
                    self.note("language", how)
                return value.replace("_", "-")
        return None

    def image(self) -> str | None:
        chosen = self.selected_text("image")
        if not chosen:
            image = self.sd.jsonld_value("image")
            image = self.sd.resolve(image[0] if isinstance(image, list) and image else image)
            chosen = (image.get("url") or image.get("contentUrl")) if isinstance(image, dict) else image
            if isinstance(chosen, str) and chosen:
                self.note("image", f"{self.ld}.image")
        if not isinstance(chosen, str) or not chosen:
            chosen = self.meta.get("property:og:image", "name:twitter:image", "property:twitter:image",
                                   "itemprop:image", "itemprop:thumbnailUrl")
            if chosen:
                self.note("image", "meta og:image / twitter:image")
        return absolute(self.base, chosen)

    def body(self, title: str | None) -> str | None:
        found = self.select("body")
        containers = [f for f in found or [] if isinstance(f, lxml_html.HtmlElement)]
        # One container inside another (a live blog's entries inside the article's text) is read once.
        chosen = set(containers)
        containers = [c for c in containers if not any(a in chosen for a in c.iterancestors())]
        if containers:
            removed = sum(self._drop_furniture(container) for container in containers)
            removed += sum(_drop_promo_links(container, self.url) for container in containers)
            blocks = [text for container in containers for _, text in paragraphs(container)]
            self.note("body", f"outlet rule: {self.rules.selectors['body'].expression}"
                      + (f", {removed} furniture elements removed first" if removed else ""))
        else:
            # No body rule, or one that matches nothing here (an older markup of the outlet): the main text.
            removed = self._drop_furniture() + _drop_promo_links(self.root, self.url)
            text = _main_text(self.root, self.url, precision=True)
            # Precision drops the odd caption, credit and promo line, and, on some pages, most of the article
            # (a paywalled feature, a story stack of sections): a text much shorter than the page's paragraphs
            # is read again without it.
            paragraph_words = sum(len((p.text_content() or "").split()) for p in self.root.iter("p"))
            if len((text or "").split()) < _RECALL_BELOW * paragraph_words:
                text = _main_text(self.root, self.url, precision=False)
            elif text:
                # Precision also drops lines inside the article (a list of dated entries, a short paragraph):
                # the running text that reading without it finds between the first and last lines it kept.
                text = _fill_gaps(text, _main_text(self.root, self.url, precision=False, fallbacks=False))
            blocks = [collapse(line) for line in (text or "").split("\n")]
            if blocks and title and blocks[0] == title:
                blocks = blocks[1:]
            self.note("body", ("trafilatura main text" if found is None else
                               f"trafilatura main text (the outlet rule {self.rules.selectors['body'].expression} "
                               "matches nothing here)")
                      + (f", {removed} furniture elements removed first" if removed else ""))
        kept = [b for b in blocks if b and not any(p.search(b) for p in self.x._boilerplate)]
        return "\n\n".join(kept) or None

    def _drop_furniture(self, within: lxml_html.HtmlElement | None = None) -> int:
        """Remove share bars, related links, promos, newsletter boxes, disclaimers and the like, by their class,
        id or aria-label words, never an element holding the headline, the article's own container or most of
        the text it is in (the page's, or the body container's when `within` is the outlet's body element)."""
        h1 = self.headline()
        keep = set(h1.iterancestors()) if h1 is not None else set()
        scope = self.root if within is None else within
        total = sum(len(p.text_content()) for p in scope.iter("p")) or 1
        total_plain = _plain_text_length(scope) or 1
        candidates = (self.classed(_ANY) + self.root.xpath("//*[@aria-label][not(@class) and not(@id)]")
                      if within is None else
                      [e for e in within.iterdescendants() if isinstance(e.tag, str)
                       and (e.get("class") or e.get("id") or e.get("aria-label"))])
        doomed = []
        for element in candidates:
            if element.tag not in _CONTAINER_TAGS or element in keep:
                continue
            names = " ".join((element.get("class") or "", element.get("id") or "", element.get("aria-label") or ""))
            if within is not None:
                # Inside the article's own container a BEM name says what the element is by its element part:
                # `b-article__disclaimer` is a disclaimer, `arcticle__read-more` a read-more box.
                if not any(_is_furniture(_class_words(token.rsplit("__", 1)[-1])) for token in names.split()):
                    continue
            elif not _is_furniture(_class_words(names)):
                continue
            if sum(len(p.text_content()) for p in element.iter("p")) * 3 > total:
                continue
            # an article written without <p> (text and <br>s in a <div>) is weighed by its text outside links
            # (all its text first, in C: most candidates are far too small to need the finer count)
            if len(element.text_content()) * 3 > total_plain and _plain_text_length(element) * 3 > total_plain:
                continue
            doomed.append(element)
        if within is None:
            for element in self.root.iter(*_DROP_TAGS):
                if element in keep:
                    continue
                # Not when it holds the article: a <nav> left open by a typo ('</civ>') around the whole page,
                # a press release pasted with its ASP.NET <form> (paragraphs of running text in a form).
                holds_article = (len(element.text_content()) * 3 > total_plain
                                 and _plain_text_length(element) * 3 > total_plain)
                running_text = element.tag == "form" and sum(
                    len((p.text_content() or "").split()) for p in element.iter("p")) >= 40
                if element.tag in ("nav", "aside", "form") and (holds_article or running_text):
                    if element.tag == "form":
                        element.tag = "div"  # text, not a form: trafilatura would prune it as one
                    continue
                doomed.append(element)
        removed = 0
        doomed_set = set(doomed)
        for element in doomed:
            if element.getparent() is not None and not any(a in doomed_set for a in element.iterancestors()):
                _remove(element)
                removed += 1
        return removed


def _name_slug(name: str) -> str:
    """'Peter Andrews' → 'peter-andrews', 'José Núñez' → 'jose-nunez': how profile paths spell a name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return "-".join(re.findall(r"[a-z0-9]+", plain))


def _is_furniture(words: list[str]) -> bool:
    """Class words naming furniture (share, related, promo, read-more…) and no word of the article's own
    containers (`entry-content entry-content-read-more` is content with a modifier)."""
    if not words or _CONTENT_WORDS.intersection(words):
        return False
    return bool(_FURNITURE_WORDS.intersection(words)) or any(pair in _FURNITURE_PAIRS
                                                             for pair in itertools.pairwise(words))


def _drop_promo_links(root: lxml_html.HtmlElement, url: str) -> int:
    """Remove the paragraphs that are nothing but a link to another page of the same site ("READ MORE: …", a
    bare headline): promotions of other stories set between the article's paragraphs. Decided by the markup
    (all the paragraph's text is link text, every link is the site's own), not by the words of the promo."""
    doomed = []
    for paragraph in root.iter("p"):
        links = paragraph.xpath(".//a[@href]")
        if not links:
            continue
        text = text_of(paragraph)
        linked = collapse("".join(text_of(a) for a in links)).replace(" ", "")
        # the link may follow a short label of its own ('ALSO READ: <a>…</a>', '<strong>TRENDING:</strong> <a>…')
        label = text.replace(" ", "").removesuffix(linked) if linked and text.replace(" ", "").endswith(linked) \
            else None
        if not text or label is None or (label and not _PROMO_LABEL_RE.fullmatch(label)):
            continue
        if all(_same_site(absolute(url, a.get("href")), url) and urlsplit(absolute(url, a.get("href")) or "").path
               .strip("/") and not a.get("href", "").startswith("#") for a in links):
            doomed.append(paragraph)
    for paragraph in doomed:
        _remove(paragraph)
    return len(doomed)


def _is_profile_url(url: str | None) -> bool:
    """A link to a person's page (/author/tom-bennett, /authors/…, /profile-671/…, /people/…): a writer, never a
    section."""
    folder = urlsplit(url or "").path.casefold().rstrip("/").rpartition("/")[0] + "/"
    return bool(_PROFILE_PATH_RE.search(folder) or re.search(r"/profile[-_]?\d*/$", folder))


def _plain_text_length(element: lxml_html.HtmlElement) -> int:
    """Characters of text an element shows outside links, scripts, styles and form fields (what a reader reads
    in it: the embed code in a 'copy to your blog' textarea is no reading)."""
    return sum(len(text.strip()) for text in _PLAIN_TEXT(element))


def _class_words(text: str) -> list[str]:
    """`PostShare-bar related_links` → ['post', 'share', 'bar', 'related', 'links']."""
    return [w.casefold() for w in _CLASS_WORD_RE.findall(text)]


def _main_text(root: lxml_html.HtmlElement, url: str, *, precision: bool, fallbacks: bool | None = None
               ) -> str | None:
    """trafilatura's main text of the page (its tree, furniture already removed): favouring precision and fast
    (no fallback extractors), or, the second time, favouring neither, with its fallbacks (readability, jusText)
    unless told not to. trafilatura is imported here, by the first page without a body rule: with py3langid
    installed it loads numpy and a language model (~18 MB) that a crawl of outlets with body rules never needs."""
    import trafilatura

    fast = precision if fallbacks is None else not fallbacks
    document = trafilatura.bare_extraction(root, url=url, fast=fast, favor_precision=precision,
                                           include_comments=False, include_tables=False, include_images=False,
                                           deduplicate=False)
    text = getattr(document, "text", None) if document is not None else None
    return text if isinstance(text, str) else None


def _fill_gaps(kept: str, wide: str | None) -> str:
    """The precise main text with the lines of a wider reading that fall between its first and last lines and
    read as running text (six words or more, ending a sentence, not a question: not a heading, a promoted
    headline or a 'Share your project?' prompt). The article is one stretch of the page; furniture that precision
    removed sits at its edges, and mid-article promos are short or unpunctuated."""
    lines = (wide or "").split("\n")
    own = set(kept.split("\n"))
    hits = [i for i, line in enumerate(lines) if line in own]
    if not hits:
        return kept
    return "\n".join(line for line in lines[hits[0]:hits[-1] + 1] if line in own or (
        len(line.split()) >= 6 and re.search(r"[.!:\"”’)]$", line.strip())))


def _title_core(title: str) -> str:
    """A declared title without what follows its last ' | ' (a site or section name), when the rest is longer."""
    head, bar, tail = title.rpartition(" | ")
    return head if bar and len(_words(head)) > len(_words(tail)) else title


def _looks_like_name(text: str) -> bool:
    """'Claire Benit-Gbaffou': two to four words, each capitalized, no digits."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not re.search(r"\d", text)


def _clean_name(name: str) -> str:
    """A printed name without what bylines add to it: '(MTN News)', '/ Independent Media Institute', '| Fox News',
    a job title after a comma is kept apart by the byline splitter already."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    # 'Rachel Metz - AP Technology Writers' (a spaced dash: never 'Benit-Gbaffou')
    name = re.split(r"\s+[|/–—-]\s+|\s*\|\s*", name)[0]
    name = BY_RE.sub("", name)
    return collapse(name).strip(" ,;:|")


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


def _as_text(found: Any) -> str:
    if isinstance(found, lxml_html.HtmlElement):
        if found.tag == "meta":
            return collapse(found.get("content"))
        if found.tag == "time" and found.get("datetime"):
            return collapse(found.get("datetime"))
        return text_of(found)
    return collapse(str(found))


def _unique_links(links: Iterable[lxml_html.HtmlElement]) -> list[lxml_html.HtmlElement]:
    seen: set[str] = set()
    out = []
    for link in links:
        key = text_of(link).casefold()
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out
