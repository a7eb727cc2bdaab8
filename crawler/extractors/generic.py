"""The generic extractor: any news page, read from what pages commonly carry, with per-outlet rules on top.

Each field is taken from the first source that has it: the outlet's selector (outlets.toml), then JSON-LD,
OpenGraph and `article:*` meta, Twitter meta, microdata, `rel=author` links, byline patterns, `<time>`
elements, labelled link blocks, tag links and breadcrumbs, credit lines and © lines. The body is the outlet's
body selector, else trafilatura's main text. Values are returned as printed; dates are turned into ISO 8601
here only when one of the outlet's date formats reads them (pipelines.items.normalize does the rest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trafilatura
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from crawler.extractors.dates import PRINTED_DATE, YEAR_RE, parse_with_formats
from crawler.extractors.meta import Meta, base_url
from crawler.extractors.people import BY_RE, NAME_SEPARATORS, byline_people, split_names
from crawler.extractors.rules import TERM_FIELDS, ExtractRules, Selector
from crawler.extractors.structured import StructuredArticle, read_structured
from crawler.extractors.text import absolute, collapse, paragraphs, parse_html, slug_of, text_of, unique

__all__ = ["DEFAULT_BOILERPLATE", "DEFAULT_LABELS", "EXTRACTOR_ID", "GenericExtractor", "extract"]

EXTRACTOR_ID = "generic/1"

DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "regions": ("Region", "Regions"),
    "themes": ("Theme", "Themes", "Topic", "Topics"),
    "in_depth_reports": ("In-depth Report", "In-depth Reports"),
}
# Share prompts and sign-up appeals that news sites put inside the article's text.
DEFAULT_BOILERPLATE = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^Think your friends would be interested\?",
    r"^Share this (story|article)\b",
    r"^(Please )?(click|tap) (the )?share button",
    r"^Sign up for (our|the) (free )?newsletter",
    r"^Subscribe to (our|the) newsletter",
    r"^Follow us on (Facebook|Twitter|Telegram|Instagram)",
))
_CREDIT_RE = re.compile(
    r"^\s*(?:this (?:article|story|piece) (?:was )?)?(?:originally|first) (?:published|appeared)\s+"
    r"(?:in|at|on|by)\s+(?P<rest>.+)$|^\s*(?:source|original source|via)\s*:\s*(?P<rest2>.+)$",
    re.IGNORECASE,
)
_COPYRIGHT_RE = re.compile(r"^\s*(?:copyright\b\s*)?(?:©|\(c\))|^\s*copyright\b", re.IGNORECASE)
_YEARS_RE = re.compile(r"\b(?:1[89]|2\d)\d\d(?:\s*[–—-]\s*(?:1[89]|2\d)\d\d)?\b")
_DATE_TAIL_RE = re.compile(rf"[\s,(]*(?:on\s+)?(?P<date>{PRINTED_DATE})\)?[.\s]*$")
_COMPANY_SUFFIX_RE = re.compile(r"(?:Inc|Ltd|LLC|LLP|GmbH|S\.?A|PLC|Corp|Co)\.?", re.IGNORECASE)
_TITLE_SUFFIX_RE = re.compile(r"\s+[-|–—:]\s+[^-|–—:]+$")
_ATTR_RE = re.compile(r"::attr\(([\w:-]+)\)\s*$")
_TEXT_RE = re.compile(r"::text\s*$")
# Site furniture (footer, navigation, sidebars) that is not part of an <article>.
_OUTSIDE_ARTICLE = "(ancestor::footer | ancestor::nav | ancestor::aside)[not(ancestor::article)]"
_AUTHOR_CLASS_XPATH = (
    '//*[contains(concat(" ", normalize-space(@class), " "), " byline ") or '
    'contains(concat(" ", normalize-space(@class), " "), " author ") or '
    'contains(@class, "byline") or @itemprop="author"][not(ancestor::header[@id]) and not(ancestor::footer)]'
)


def extract(html: str, url: str) -> dict[str, Any]:
    """The generic extractor with no outlet rules: `scrapy extract --outlet generic`."""
    return _DEFAULT(html, url)


class GenericExtractor:
    """The generic extractor configured with one outlet's rules; called as `extractor(html, url)`."""

    def __init__(self, rules: ExtractRules | None = None) -> None:
        self.rules = rules or ExtractRules()
        self._drop = [CSSSelector(css) for css in self.rules.drop]
        self._labels = {**DEFAULT_LABELS, **self.rules.labels}
        self._boilerplate = DEFAULT_BOILERPLATE + self.rules.boilerplate

    def __call__(self, html: str, url: str) -> dict[str, Any]:
        root = parse_html(html)
        structured = read_structured(html, url)
        for selector in self._drop:
            for element in selector(root):
                _remove(element)
        return _Page(self, root, structured, url).item()


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
        return _text_value(value.get("name") or value.get("@value") or value.get("url") or value.get("@id"))
    if value is None:
        return None
    return collapse(str(value)) or None


class _Page:
    """One page being read: the parsed tree, its meta and structured data, the outlet's rules."""

    def __init__(self, extractor: GenericExtractor, root: lxml_html.HtmlElement, structured: StructuredArticle,
                 url: str) -> None:
        self.x = extractor
        self.rules = extractor.rules
        self.root = root
        self.sd = structured
        self.meta = Meta(root)
        self.base = base_url(root, url)
        self.url = url

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
        return _as_text(found[0]) or None

    def _first_string(self, xpath: str) -> str | None:
        found = self.root.xpath(xpath)
        return str(found[0]).strip() if found else None

    # -- the item -------------------------------------------------------------------------------

    def item(self) -> dict[str, Any]:
        canonical = absolute(self.base, self._first_string('//link[@rel="canonical"]/@href')) \
            or absolute(self.base, self.meta.get("property:og:url"))
        url = canonical or self.url
        published = self.date("published")
        title = self.title()
        return {
            "url": url,
            "article_id": self.article_id(url),
            "title": title,
            "subtitle": self.selected_text("subtitle") or _text_value(self.sd.jsonld_value("alternativeHeadline")),
            "byline": self.byline(),
            "authors": self.authors(),
            "published": published,
            "modified": self.date("modified"),
            **self.terms(),
            "original_source": self.original_source(published),
            "copyright": self.copyright(),
            "language": self.language(),
            "summary": self.selected_text("summary") or _text_value(self.sd.jsonld_value("description"))
            or self.meta.get("property:og:description", "name:twitter:description", "property:twitter:description")
            or _text_value(self.sd.microdata_value("description")) or self.meta.get("name:description"),
            "image": self.image(),
            "body": self.body(title),
            "extractor": EXTRACTOR_ID,
        }

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

    def site_name(self) -> str | None:
        publisher = self.sd.jsonld_value("publisher")
        return self.rules.site_name or self.meta.get("property:og:site_name") or _text_value(publisher)

    def title(self) -> str | None:
        chosen = self.selected_text("title") or _text_value(self.sd.jsonld_value("headline"))
        if chosen:
            return chosen
        chosen = self.meta.get("property:og:title", "name:twitter:title", "property:twitter:title") \
            or _text_value(self.sd.microdata_value("headline") or self.sd.microdata_value("name"))
        if chosen:
            return chosen
        h1 = self.root.xpath("//h1")
        if len(h1) == 1 and text_of(h1[0]):
            return text_of(h1[0])
        title = collapse(self._first_string("//title/text()"))
        return _TITLE_SUFFIX_RE.sub("", title) or None

    # -- people ---------------------------------------------------------------------------------

    def _byline_element(self) -> lxml_html.HtmlElement | None:
        found = self.select("byline")
        if found is not None:
            elements = [f for f in found if isinstance(f, lxml_html.HtmlElement)]
            return elements[0] if elements else None
        for element in self.root.xpath(_AUTHOR_CLASS_XPATH):
            if BY_RE.match(text_of(element)) and len(text_of(element)) < 200:
                return element
        return None

    def byline(self) -> str | None:
        found = self.select("byline")
        if found and not isinstance(found[0], lxml_html.HtmlElement):
            return _as_text(found[0]) or None
        element = self._byline_element()
        return (text_of(element) or None) if element is not None else None

    def authors(self) -> list[dict[str, str | None]]:
        found = self.select("authors")
        if found is not None:
            return [self._person(f) for f in found if _as_text(f)]
        people = self.sd.jsonld_value("author") or self.sd.microdata_value("author")
        if people:
            entries = people if isinstance(people, list) else [people]
            authors = []
            for entry in (self.sd.resolve(e) for e in entries):
                if isinstance(entry, dict):
                    name = _text_value(entry.get("name"))
                    url = entry.get("url")
                    if name:
                        href = url if isinstance(url, str) else None
                        authors.append({"name": name, "url": absolute(self.base, href)})
                elif isinstance(entry, str) and entry.strip():
                    authors.extend({"name": n, "url": None} for n in split_names(entry))
            if authors:
                return authors
        links = [a for a in self.root.xpath('//a[contains(concat(" ", normalize-space(@rel), " "), " author ")]')
                 if text_of(a) and not a.xpath("ancestor::footer")]
        if links:
            return [self._person(a) for a in _unique_links(links)]
        element = self._byline_element()
        if element is not None:
            return byline_people(element, self.base)
        names = [n for n in (self.meta.get("name:author"), self.meta.get("property:article:author")) if n]
        for name in names:
            if not name.startswith(("http://", "https://")):
                return [{"name": n, "url": None} for n in split_names(name)]
        return []

    def _person(self, found: Any) -> dict[str, str | None]:
        if isinstance(found, lxml_html.HtmlElement):
            link = found if found.tag == "a" else next(iter(found.iter("a")), None)
            href = link.get("href") if link is not None else None
            return {"name": BY_RE.sub("", text_of(found)), "url": absolute(self.base, href)}
        return {"name": BY_RE.sub("", _as_text(found)), "url": None}

    # -- dates ----------------------------------------------------------------------------------

    def date(self, field_name: str) -> str | None:
        raw = self.selected_text(field_name) or self._date_raw(field_name)
        return self.read_date(raw)

    def read_date(self, raw: str | None) -> str | None:
        """A date as printed, turned into ISO 8601 when one of the outlet's formats reads it."""
        if raw is None:
            return None
        text = collapse(raw)
        return parse_with_formats(text, self.rules.date_formats) or text

    def _date_raw(self, field_name: str) -> str | None:
        if field_name == "published":
            return (_text_value(self.sd.jsonld_value("datePublished"))
                    or self.meta.get("property:article:published_time", "name:article:published_time",
                                     "property:og:published_time", "itemprop:datePublished", "name:pubdate",
                                     "name:publishdate", "name:dc.date", "name:dcterms.created", "name:date")
                    or _text_value(self.sd.microdata_value("datePublished"))
                    or self._time_element(("datePublished", "dateCreated"), "publish"))
        return (_text_value(self.sd.jsonld_value("dateModified"))
                or self.meta.get("property:article:modified_time", "name:article:modified_time",
                                 "property:og:updated_time", "itemprop:dateModified", "name:lastmod",
                                 "name:dcterms.modified")
                or _text_value(self.sd.microdata_value("dateModified"))
                or self._time_element(("dateModified",), "updat"))

    def _time_element(self, itemprops: tuple[str, ...], class_part: str) -> str | None:
        for element in self.root.iter("time"):
            if element.get("itemprop") in itemprops or class_part in (element.get("class") or ""):
                return element.get("datetime") or text_of(element) or None
        if class_part == "publish":
            times = [t for t in self.root.iter("time") if t.get("datetime") and not t.xpath("ancestor::footer")]
            if len(times) == 1:
                return str(times[0].get("datetime"))
        return None

    # -- terms ----------------------------------------------------------------------------------

    def terms(self) -> dict[str, list[dict[str, str | None]]]:
        terms: dict[str, list[dict[str, str | None]]] = {}
        configured = any(f in self.rules.selectors for f in TERM_FIELDS)
        for field_name in TERM_FIELDS:
            found = self.select(field_name)
            terms[field_name] = [self._term(f) for f in found if _as_text(f)] if found is not None else []
        if configured:
            return terms
        labelled = self._labelled_blocks()
        if any(labelled.values()):
            return labelled
        tags = [a for a in self.root.xpath('//a[contains(concat(" ", normalize-space(@rel), " "), " tag ")]')
                if text_of(a) and not a.xpath(_OUTSIDE_ARTICLE)]
        if tags:
            terms["themes"] = [self._term(a) for a in _unique_links(tags)]
            return terms
        crumbs = self._breadcrumbs()
        if crumbs:
            terms["themes"] = crumbs
            return terms
        section = _text_value(self.sd.jsonld_value("articleSection")) or self.meta.get("property:article:section")
        if section:
            terms["themes"] = [{"name": section, "slug": None, "url": None}]
        return terms

    def _term(self, found: Any) -> dict[str, str | None]:
        if isinstance(found, lxml_html.HtmlElement):
            link = found if found.tag == "a" else next(iter(found.iter("a")), None)
            href = absolute(self.base, link.get("href")) if link is not None else None
            return {"name": text_of(found), "slug": slug_of(href), "url": href}
        return {"name": _as_text(found), "slug": None, "url": None}

    def _labelled_blocks(self) -> dict[str, list[dict[str, str | None]]]:
        """'Region: <a>…</a>, <a>…</a>' blocks, or a label element followed by a sibling holding the links."""
        wanted = {label.casefold(): field_name for field_name, labels in self.x._labels.items() for label in labels}
        terms: dict[str, list[dict[str, str | None]]] = {f: [] for f in TERM_FIELDS}
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element.tag in ("a", "script", "style", "head", "title"):
                continue
            own = collapse(element.text)
            label, colon, _ = own.partition(":")
            field_name = wanted.get(label.strip().casefold()) if colon or own.rstrip(":") == own else None
            links: list[lxml_html.HtmlElement] = []
            if field_name and own and list(element.iter("a")):
                links = list(element.iter("a"))
            elif own and not list(element.iter("a")) and text_of(element).rstrip(":").casefold() in wanted:
                field_name = wanted[text_of(element).rstrip(":").casefold()]
                sibling = element.getnext()
                links = list(sibling.iter("a")) if sibling is not None else []
            if field_name and links and not terms[field_name]:
                terms[field_name] = [self._term(a) for a in links if text_of(a)]
        return terms

    def _breadcrumbs(self) -> list[dict[str, str | None]]:
        crumbs = [(name, absolute(self.base, url)) for name, url in self.sd.breadcrumbs]
        if not crumbs:
            trail = self.root.xpath('(//*[contains(@class,"breadcrumb")])[1]//a[@href]')
            crumbs = [(text_of(a), absolute(self.base, a.get("href"))) for a in trail if text_of(a)]
        home = urlsplit(self.base)._replace(path="/", query="", fragment="").geturl()
        terms = []
        for name, url in crumbs:
            if name.casefold() == "home" or url in (None, home, home.rstrip("/")) or url == self.url:
                continue
            terms.append({"name": name, "slug": slug_of(url), "url": url})
        return terms

    # -- provenance -----------------------------------------------------------------------------

    def original_source(self, published: str | None) -> dict[str, Any] | None:
        found = self.select("original_source")
        candidates: Iterable[tuple[lxml_html.HtmlElement | None, str]]
        if found is not None:
            candidates = [(f if isinstance(f, lxml_html.HtmlElement) else None, _as_text(f)) for f in found]
        else:
            candidates = ((el, text) for el, text in paragraphs(self.root))
        for element, text in candidates:
            match = _CREDIT_RE.match(text)
            if found is None and match is None:
                continue
            rest = (match.group("rest") or match.group("rest2")) if match else text
            link = next(iter(element.iter("a")), None) if element is not None else None
            when = _DATE_TAIL_RE.search(rest)
            name = text_of(link) if link is not None else collapse(rest[: when.start()] if when else rest)
            return {
                "name": name.rstrip(" .,;:") or None,
                "url": absolute(self.base, link.get("href")) if link is not None else None,
                "published": self.read_date(when.group("date")) if when else None,
            }
        site = self.site_name()
        if site is None:
            return None
        return {"name": site, "url": None, "published": published}

    def copyright(self) -> dict[str, Any] | None:
        found = self.select("copyright")
        lines: list[str]
        if found is not None:
            lines = [_as_text(f) for f in found]
        else:
            scoped = self.root.xpath('//footer | //*[contains(@class,"copyright")] | //*[contains(@class,"footer")]')
            lines = [text for scope in scoped for _, text in paragraphs(scope)]
            lines += [text for _, text in paragraphs(self.root)]
        for line in lines:
            if _COPYRIGHT_RE.match(line) and (YEAR_RE.search(line) or found is not None):
                return _copyright_of(line)
        return None

    # -- the rest -------------------------------------------------------------------------------

    def language(self) -> str | None:
        chosen = self.selected_text("language") or _text_value(self.sd.jsonld_value("inLanguage")) \
            or self.meta.get("itemprop:inLanguage") or self._first_string("/html/@lang") \
            or self.meta.get("http-equiv:content-language")
        if chosen:
            return chosen
        locale = self.meta.get("property:og:locale")
        return locale.replace("_", "-") if locale else None

    def image(self) -> str | None:
        chosen = self.selected_text("image")
        if not chosen:
            image = self.sd.jsonld_value("image")
            image = self.sd.resolve(image[0] if isinstance(image, list) and image else image)
            chosen = (image.get("url") or image.get("contentUrl")) if isinstance(image, dict) else image
        if not isinstance(chosen, str) or not chosen:
            chosen = self.meta.get("property:og:image", "name:twitter:image", "property:twitter:image",
                                   "itemprop:image", "itemprop:thumbnailUrl")
        return absolute(self.base, chosen)

    def body(self, title: str | None) -> str | None:
        found = self.select("body")
        if found is not None:
            blocks = [text for f in found if isinstance(f, lxml_html.HtmlElement) for _, text in paragraphs(f)]
        else:
            text = trafilatura.extract(lxml_html.tostring(self.root, encoding="unicode"), url=self.url,
                                       include_comments=False, include_tables=False, include_images=False,
                                       favor_precision=True, deduplicate=False)
            blocks = [collapse(line) for line in (text or "").split("\n")]
            if blocks and title and blocks[0] == title:
                blocks = blocks[1:]
        kept = [b for b in blocks if b and not any(p.search(b) for p in self.x._boilerplate)]
        return "\n\n".join(kept) or None


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


def _unique_links(links: list[lxml_html.HtmlElement]) -> list[lxml_html.HtmlElement]:
    seen: set[str] = set()
    out = []
    for link in links:
        key = text_of(link).casefold()
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out


def _copyright_of(line: str) -> dict[str, Any]:
    """`© 2019 Sputnik. All rights reserved` → holders ['Sputnik'], year 2019."""
    rest = re.sub(r"^\s*(?:copyright\b\s*)?(?:©|\(c\))?", "", line, flags=re.IGNORECASE)
    rest = re.sub(r"\ball rights reserved\b\.?", "", rest, flags=re.IGNORECASE)
    rest = _YEARS_RE.sub("", rest)
    holders: list[str] = []
    for piece in (h.strip(" .,;:") for h in NAME_SEPARATORS.split(rest)):
        if holders and _COMPANY_SUFFIX_RE.fullmatch(piece):
            holders[-1] = f"{holders[-1]}, {piece}"  # "Acme, Inc." is one holder
        elif piece:
            holders.append(piece)
    holders = unique(holders)
    years = YEAR_RE.findall(line)
    return {"line": line, "holders": [h for h in holders if h], "year": int(years[-1]) if years else None}
