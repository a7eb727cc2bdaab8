"""Global Research (globalresearch.ca), its WordPress layout of 2018 onwards.

A pure function of (HTML, URL): no Scrapy, no network. Values are returned as printed (dates raw);
pipelines.items.normalize turns them into the item's normal form.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.text import absolute, collapse, paragraphs, parse_html, slug_of, text_of, unique

__all__ = ["EXTRACTOR_ID", "extract"]

EXTRACTOR_ID = "globalresearch/1"
OUTLET_NAME = "Global Research"

_LABELS = {"region": "regions", "theme": "themes", "in-depth report": "in_depth_reports"}
_ID_RE = re.compile(r"/(\d{5,8})/?$")
_BY_RE = re.compile(r"^\s*by\s+", re.IGNORECASE)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|\band\b|&)\s*")
_GR_DATE_RE = re.compile(r"^\s*Global Research,\s*(?P<date>.+?)\s*$")
_DATE_TAIL_RE = re.compile(
    r"(?P<date>\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$"
)
_SOURCE_PREFIX = "The original source of this article is"
_YEAR_RE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")

# Paragraphs of the article body that are the site's furniture, not the author's text.
BOILERPLATE = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^The original source of this article is\b",
    r"^Copyright ©",
    r"^Comment on Global Research Articles on our Facebook page",
    r"^Become a Member of Global Research",
    r"^Note to readers: please click the share button",
    r"^Click the share button above to e-?mail",
    r"^\W*Global Research\s+Translate\b",
    r"^Translate this article\b",
    r"^Get Your Free Newsletter",
    r"^Subscribe to (the )?Global Research\b.*Newsletter",
    r"^Articles by:?",
    r"^Disclaimer:",
    r"^Visit and follow us on Instagram",
    r"^Follow us on Instagram and Twitter",
))


def extract(html: str, url: str) -> dict[str, Any]:
    """Everything the page says about its article, as printed."""
    root = parse_html(html)
    base = _base_url(root, url)
    canonical = absolute(base, _first(root, '//link[@rel="canonical"]/@href'))
    meta = _Meta(root)

    published = (meta.prop("article:published_time") or _gr_date(root)
                 or meta.itemprop("datePublished") or None)
    original = _original_source(root, base)
    if original is not None and original["published"] is None and original["name"] == OUTLET_NAME:
        # An original: the outlet that first published it is Global Research, on this date.
        original["published"] = published
    byline_el = _first_el(root, '//div[contains(@class,"post-info")]/div[contains(@class,"author")]')

    return {
        "url": canonical or url,
        "article_id": _article_id(canonical or url),
        "title": _title(root, meta),
        "subtitle": _text_or_none(_first_el(root, '//div[@class="title"]/h3[contains(@class,"subtitle")]')),
        "byline": _text_or_none(byline_el),
        "authors": _authors(byline_el, base) if byline_el is not None else [],
        "published": published,
        "modified": meta.prop("article:modified_time") or meta.itemprop("dateModified") or None,
        **_terms(root, base),
        "original_source": original,
        "copyright": _copyright(root),
        "language": meta.itemprop("inLanguage") or _first(root, "/html/@lang") or None,
        "summary": meta.prop("og:description") or meta.name("description") or None,
        "image": absolute(base, meta.prop("og:image") or meta.itemprop("thumbnailUrl")),
        "body": _body(root),
        "extractor": EXTRACTOR_ID,
    }


class _Meta:
    """The page's meta tags by property, name and itemprop; the first value of each wins."""

    def __init__(self, root: lxml_html.HtmlElement) -> None:
        self._by: dict[tuple[str, str], str] = {}
        for el in root.iter("meta"):
            content = el.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop"):
                key = el.get(attr)
                if key:
                    self._by.setdefault((attr, key.strip().lower()), collapse(content))

    def prop(self, key: str) -> str | None:
        return self._by.get(("property", key.lower())) or None

    def name(self, key: str) -> str | None:
        return self._by.get(("name", key.lower())) or None

    def itemprop(self, key: str) -> str | None:
        return self._by.get(("itemprop", key.lower())) or None


@lru_cache(maxsize=128)
def _compiled(xpath: str) -> etree.XPath:
    # Every page runs the same expressions: compile each once, not once per page.
    return etree.XPath(xpath)


def _all(root: lxml_html.HtmlElement, xpath: str) -> list[Any]:
    return list(_compiled(xpath)(root))


def _first(root: lxml_html.HtmlElement, xpath: str) -> str | None:
    found = _all(root, xpath)
    return str(found[0]).strip() if found else None


def _first_el(root: lxml_html.HtmlElement, xpath: str) -> lxml_html.HtmlElement | None:
    found = _all(root, xpath)
    return found[0] if found else None


def _text_or_none(element: lxml_html.HtmlElement | None) -> str | None:
    if element is None:
        return None
    return text_of(element) or None


def _base_url(root: lxml_html.HtmlElement, url: str) -> str:
    return absolute(url, _first(root, "//base/@href")) or url


def _article_id(url: str) -> str | None:
    match = _ID_RE.search(url.split("?", 1)[0].split("#", 1)[0])
    return match.group(1) if match else None


def _title(root: lxml_html.HtmlElement, meta: _Meta) -> str | None:
    headline = _text_or_none(_first_el(root, '//div[@id="singleArticle"]//*[@itemprop="headline"]'))
    if headline:
        return headline
    headline = _text_or_none(_first_el(root, '//div[@class="title"]/h2'))
    if headline:
        return headline
    title = meta.prop("og:title") or _first(root, "//title/text()")
    if title:
        return re.sub(r"\s+-\s+Global Research.*$", "", collapse(title)) or None
    return None


def _authors(byline: lxml_html.HtmlElement, base: str) -> list[dict[str, str | None]]:
    """Names in byline order: linked names with their link, plain-text names split on ',' and 'and'."""
    authors: list[dict[str, str | None]] = []

    def plain(text: str | None) -> None:
        for piece in _NAME_SPLIT_RE.split(_BY_RE.sub("", collapse(text))):
            name = piece.strip(" ,;")
            if name and name.lower() != "by":
                authors.append({"name": name, "url": None})

    plain(byline.text)
    for child in byline:
        if isinstance(child.tag, str) and child.tag == "a":
            name = text_of(child)
            if name:
                authors.append({"name": name, "url": absolute(base, child.get("href"))})
        elif isinstance(child.tag, str):
            plain(text_of(child))
        plain(child.tail)
    return authors


def _gr_date(root: lxml_html.HtmlElement) -> str | None:
    line = _text_or_none(_first_el(root, '//div[contains(@class,"grDate")]'))
    if not line:
        return None
    match = _GR_DATE_RE.match(line)
    return match.group("date") if match else line


def _terms(root: lxml_html.HtmlElement, base: str) -> dict[str, list[dict[str, str | None]]]:
    """Region, Theme and In-depth Report blocks: one entry per link, never split on commas."""
    terms: dict[str, list[dict[str, str | None]]] = {key: [] for key in _LABELS.values()}
    for block in _all(root, '//div[contains(@class,"catAndTag")]/div'):
        label = collapse(block.text).rstrip(":").strip().lower()
        key = _LABELS.get(label)
        if key is None:
            continue
        for link in block.iter("a"):
            name = text_of(link)
            href = absolute(base, link.get("href"))
            if name:
                terms[key].append({"name": name, "slug": slug_of(href), "url": href})
    return terms


def _footer_lines(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return _all(root, '//div[contains(@class,"copyright")]')


def _original_source(root: lxml_html.HtmlElement, base: str) -> dict[str, Any] | None:
    name: str | None = None
    url: str | None = None
    for line in _footer_lines(root):
        text = text_of(line)
        if text.startswith(_SOURCE_PREFIX):
            link = _first_el(line, ".//a[@href]")
            name = (text_of(link) if link is not None else collapse(text[len(_SOURCE_PREFIX):])) or None
            url = absolute(base, link.get("href")) if link is not None else None
            break
    header = _header_source(root, base)
    if header is not None:
        # Trust the footer first for name and link; the header adds the original date.
        return {"name": name or header["name"], "url": url or header["url"], "published": header["published"]}
    if name is None:
        return None
    return {"name": name, "url": url, "published": None}


def _header_source(root: lxml_html.HtmlElement, base: str) -> dict[str, Any] | None:
    """The unclassed line after div.grDate naming the original outlet and its date, e.g. 'Sputnik 13 December 2016'."""
    line = _first_el(root, '//div[contains(@class,"post-info")]/div[contains(@class,"grDate")]'
                           "/following-sibling::*[1]")
    if line is None or (line.get("class") or "").strip():
        return None
    text = text_of(line)
    match = _DATE_TAIL_RE.search(text)
    if not text or match is None:
        return None
    link = _first_el(line, ".//a[@href]")
    name = text_of(link) if link is not None else collapse(text[: match.start()]).rstrip(",")
    return {
        "name": name or None,
        "url": absolute(base, link.get("href")) if link is not None else None,
        "published": match.group("date"),
    }


def _copyright(root: lxml_html.HtmlElement) -> dict[str, Any] | None:
    for line in _footer_lines(root):
        text = text_of(line)
        if not text.lower().startswith("copyright"):
            continue
        linked = [text_of(a) for a in line.iter("a")]
        loose = [line.text or ""] + [a.tail or "" for a in line.iter("a")]
        plain_text = re.sub(r"^\s*Copyright\s*(©|\(c\)|&copy;)?", "", " ".join(loose), flags=re.IGNORECASE)
        plain = [collapse(p) for p in _NAME_SPLIT_RE.split(plain_text)]
        holders = unique([h for h in linked + plain if h and not _YEAR_RE.fullmatch(h)])
        years = _YEAR_RE.findall(text)
        return {"line": text, "holders": holders, "year": int(years[-1]) if years else None}
    return None


def _body(root: lxml_html.HtmlElement) -> str | None:
    content = _first_el(root, '//div[@id="singleArticle"]//div[@itemprop="articleBody"]'
                              ' | //div[@itemprop="articleBody"]'
                              ' | //div[contains(@class,"post")]//div[contains(@class,"content")]')
    if content is None:
        return None
    kept: list[str] = []
    for element, text in paragraphs(content):
        if any("copyright" in (a.get("class") or "") for a in (element, *element.iterancestors())):
            continue
        if any(pattern.search(text) for pattern in BOILERPLATE):
            continue
        kept.append(text)
    return "\n\n".join(kept) or None
