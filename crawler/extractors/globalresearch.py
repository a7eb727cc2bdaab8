"""Global Research (globalresearch.ca), its WordPress layout of 2018 onwards.

A pure function of (HTML, URL): no Scrapy, no network. Values are returned as printed (dates raw);
pipelines.items.normalize turns them into the item's normal form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.dates import PRINTED_DATE, YEAR_RE, url_day
from crawler.extractors.meta import Meta, base_url
from crawler.extractors.people import NAME_SEPARATORS_NO_SEMICOLON, byline_people
from crawler.extractors.text import Html, absolute, collapse, paragraphs, parse_html, slug_of, text_of, unique

__all__ = ["EXTRACTOR_ID", "extract"]

EXTRACTOR_ID = "globalresearch/1"
OUTLET_NAME = "Global Research"

_LABELS = {"region": "regions", "theme": "themes", "in-depth report": "in_depth_reports"}
_ID_RE = re.compile(r"/(\d{5,8})/?$")
_GR_DATE_RE = re.compile(r"^\s*Global Research,\s*(?P<date>.+?)\s*$")
_DATE_TAIL_RE = re.compile(rf"(?P<date>{PRINTED_DATE})\s*$")
_SOURCE_PREFIX = "The original source of this article is"
_CREDIT_PHRASES = ("originally published", "first published on")
_CREDIT_TEXTS = etree.XPath(".//p//text()[" + " or ".join(f'contains(., "{p}")' for p in _CREDIT_PHRASES) + "]")
_STRING_VALUE = etree.XPath("string(.)")
_POINTER_RE = re.compile(r"(?:this|the) (?:article|piece|post)|here|link", re.IGNORECASE)
_SITE_NAMED_RE = re.compile(r"\b(?:blog|blog site|website|site|substack|newsletter),?\s+(?P<name>[A-Z][^,;]{2,80}),\s+"
                            r"where\b")

# Paragraphs of the article body that are the site's furniture, not the author's text.
BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in (
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
)), re.IGNORECASE)


# Where each field comes from, as this profile reads it (the evidence of `scrapy extract --explain`: coarser
# than the generic extractor's, it names the selectors tried, in order).
EVIDENCE = {
    "url": "link rel=canonical, else the page's URL",
    "title": 'div#singleArticle [itemprop=headline], else div.title > h2, else og:title / <title> less " - Global '
             'Research"',
    "subtitle": "div.title > h3.subtitle",
    "byline": "div.post-info > div.author",
    "authors": "div.post-info > div.author (names split on commas and 'and', links kept)",
    "published": 'meta article:published_time, else div.grDate ("Global Research, <date>"), '
                 "else itemprop datePublished",
    "modified": "meta article:modified_time, else itemprop dateModified",
    "categories": "div.catAndTag blocks labelled Region / Theme / In-depth Report",
    "original_source": 'div.copyright "The original source of this article is …", and the dated line after '
                       "div.grDate; for an original, Global Research on its date",
    "copyright": 'div.copyright line starting "Copyright"',
    "language": "itemprop inLanguage, else <html lang>",
    "summary": "meta og:description, else meta description",
    "image": "meta og:image, else itemprop thumbnailUrl",
    "body": "div[itemprop=articleBody] paragraphs less the site's boilerplate lines",
}


def extract(html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the page says about its article, as printed (`evidence` receives the selectors read)."""
    if evidence is not None:
        evidence.update(EVIDENCE)
    root = parse_html(html)
    # The article's own block holds every field printed on the page; queries read it, not the whole page.
    article = _first_el(root, "id('singleArticle')")  # the document's id table: no walk of the page
    scope = article if article is not None else root
    base = base_url(root, url)
    # In the head, where it belongs (a walk of the head, not of the page); anywhere else only when not there.
    canonical = absolute(base, _head_canonical(root) or _first(root, '//link[@rel="canonical"]/@href'))
    # Global Research prints its meta tags in <head>, the itemprop ones too (all 45 corpus pages; none in <body>):
    # the head's are read, not a walk of the whole page (~130 µs of bench's 80 KB pages).
    head = root.find("head")
    meta = Meta(head if head is not None else root)
    blocks = _Blocks(scope)

    published = (meta.first("property:article:published_time") or _gr_date(blocks)
                 or meta.first("itemprop:datePublished") or None)
    footer = _footer_lines(blocks)
    original = _original_source(scope, blocks, base, footer)
    if original is not None and original["published"] is None and original["name"] == OUTLET_NAME:
        # An original: the outlet that first published it is Global Research, on this date.
        original["published"] = published
    byline_el = blocks.first_child_div("post-info", "author")

    return {
        "url": canonical or url,
        "article_id": _article_id(canonical or url),
        "title": _title(root, article, blocks, meta),
        "subtitle": _text_or_none(next((h3 for h3 in blocks.h3s if "subtitle" in (h3.get("class") or "")
                                        and blocks.in_div_classed(h3, "title")), None)),
        "byline": _text_or_none(byline_el),
        "authors": byline_people(byline_el, base, NAME_SEPARATORS_NO_SEMICOLON) if byline_el is not None else [],
        "published": published,
        "modified": meta.first("property:article:modified_time") or meta.first("itemprop:dateModified"),
        **_terms(blocks, base),
        "original_source": original,
        "copyright": _copyright(footer),
        "language": meta.first("itemprop:inLanguage") or _first(root, "/html/@lang") or None,
        "summary": meta.first("property:og:description") or meta.first("name:description"),
        "image": absolute(base, meta.first("property:og:image") or meta.first("itemprop:thumbnailUrl")),
        "body": _body(blocks),
        "extractor": EXTRACTOR_ID,
    }


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


class _Blocks:
    """The div, h2 and h3 elements below the scope (the article's block, or the page), in document order, each div
    with its class: one walk of the scope (~45 µs) answers the queries that each walked it as an XPath, ~35 µs a
    query on bench's 80 KB pages (e.g. .//div[contains(@class,"post-info")]/div[contains(@class,"author")]).
    Every query here returns what its XPath (named beside it) returns, in the same order:
    tests/test_golden_globalresearch.py checks them against the XPaths on pages built to tell them apart."""

    def __init__(self, scope: lxml_html.HtmlElement) -> None:
        self.scope = scope
        self.divs: list[tuple[lxml_html.HtmlElement, str]] = []
        self.h2s: list[lxml_html.HtmlElement] = []
        self.h3s: list[lxml_html.HtmlElement] = []
        for element in scope.iter("div", "h2", "h3"):
            if element is scope:  # `.//` is below the scope, never the scope itself
                continue
            tag = element.tag
            if tag == "div":
                self.divs.append((element, element.get("class") or ""))
            elif tag == "h2":
                self.h2s.append(element)
            else:
                self.h3s.append(element)

    def classed(self, part: str) -> list[lxml_html.HtmlElement]:
        """.//div[contains(@class, part)]"""
        return [div for div, cls in self.divs if part in cls]

    def in_div(self, element: lxml_html.HtmlElement, part: str) -> bool:
        """Whether the element's parent is a div below the scope whose class contains `part`."""
        parent = element.getparent()
        return parent is not self.scope and parent.tag == "div" and part in (parent.get("class") or "")

    def in_div_classed(self, element: lxml_html.HtmlElement, cls: str) -> bool:
        """Whether the element's parent is a div below the scope whose class is `cls` (`div[@class=cls]`)."""
        parent = element.getparent()
        return parent is not self.scope and parent.tag == "div" and parent.get("class") == cls

    def child_divs(self, parent_part: str, part: str | None = None) -> list[lxml_html.HtmlElement]:
        """.//div[contains(@class, parent_part)]/div[contains(@class, part)] (any div when part is None)"""
        return list(self._child_divs(parent_part, part))

    def first_child_div(self, parent_part: str, part: str) -> lxml_html.HtmlElement | None:
        return next(self._child_divs(parent_part, part), None)

    def _child_divs(self, parent_part: str, part: str | None) -> Iterator[lxml_html.HtmlElement]:
        return (div for div, cls in self.divs if (part is None or part in cls) and self.in_div(div, parent_part))


def _head_canonical(root: lxml_html.HtmlElement) -> str | None:
    """/html/head/link[@rel="canonical"]/@href, the first, stripped: the head's link children picked by lxml in C
    (the XPath walked all of the head's ~70 children, ~25 µs)."""
    document = root.getroottree().getroot()  # `/`: the document's element, whichever element was handed in
    if document is None or document.tag != "html":
        return None
    for head in document.iterchildren("head"):
        for link in head.iterchildren("link"):
            href: str | None = link.get("href")
            if href is not None and link.get("rel") == "canonical":
                return href.strip()
    return None


def _text_or_none(element: lxml_html.HtmlElement | None) -> str | None:
    if element is None:
        return None
    return text_of(element) or None


def _article_id(url: str) -> str | None:
    match = _ID_RE.search(url.split("?", 1)[0].split("#", 1)[0])
    return match.group(1) if match else None


def _title(root: lxml_html.HtmlElement, article: lxml_html.HtmlElement | None, blocks: _Blocks,
           meta: Meta) -> str | None:
    if article is not None:
        headline = _text_or_none(_headline(article))
        if headline:
            return headline
    # .//div[@class="title"]/h2 of the scope (the article, else the page)
    headline = _text_or_none(next((h2 for h2 in blocks.h2s if blocks.in_div_classed(h2, "title")), None))
    if headline:
        return headline
    title = meta.first("property:og:title") or _first(root, "//title/text()")
    if title:
        return re.sub(r"\s+-\s+Global Research.*$", "", collapse(title)) or None
    return None


def _gr_date(blocks: _Blocks) -> str | None:
    line = _text_or_none(next(iter(blocks.classed("grDate")), None))
    if not line:
        return None
    match = _GR_DATE_RE.match(line)
    return match.group("date") if match else line


def _terms(blocks: _Blocks, base: str) -> dict[str, list[dict[str, str | None]]]:
    """Region, Theme and In-depth Report blocks: one entry per link, never split on commas."""
    terms: dict[str, list[dict[str, str | None]]] = {key: [] for key in _LABELS.values()}
    for block in blocks.child_divs("catAndTag"):
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


def _footer_lines(blocks: _Blocks) -> list[lxml_html.HtmlElement]:
    return blocks.classed("copyright")


def _original_source(scope: lxml_html.HtmlElement, blocks: _Blocks, base: str,
                     footer: list[lxml_html.HtmlElement]) -> dict[str, Any] | None:
    name: str | None = None
    url: str | None = None
    for line in footer:
        text = text_of(line)
        if text.startswith(_SOURCE_PREFIX):
            link = _first_el(line, ".//a[@href]")
            name = (text_of(link) if link is not None else collapse(text[len(_SOURCE_PREFIX):])) or None
            url = absolute(base, link.get("href")) if link is not None else None
            break
    header = _header_source(blocks, base)
    if header is not None:
        # Trust the footer first for name and link; the header adds the original date.
        return {"name": name or header["name"], "url": url or header["url"], "published": header["published"]}
    if name in (None, OUTLET_NAME):
        # The template's footer names Global Research on every article; the author's own line in the text
        # ('This article was originally published on <a>NOQ Report</a>') says where it was first published.
        credited = _credit_in_text(scope, base)
        if credited is not None:
            return credited
    if name is None:
        return None
    return {"name": name, "url": url, "published": None}


def _credit_in_text(scope: lxml_html.HtmlElement, base: str) -> dict[str, Any] | None:
    """'This article was originally published on <a>NOQ Report</a>.', '… at the <a>PCR Institute</a>, where <a>this
    article</a> was originally published.': the outlet named by the line's link to another site, its URL the
    article's own link, its date the one in that URL."""
    # (the text nodes searched, not every paragraph's whole text: a tenth of the cost on a long article; and only
    # when the article's text has the words at all, which its string value, joined in C, tells at a third of that)
    text = _STRING_VALUE(scope)
    if not any(phrase in text for phrase in _CREDIT_PHRASES):
        return None
    hits = _CREDIT_TEXTS(scope)
    paragraphs = [p for p in (next(iter(t.getparent().iterancestors("p")), None) if t.getparent().tag != "p"
                              else t.getparent() for t in hits) if p is not None]
    for paragraph in dict.fromkeys(paragraphs):
        links = [a for a in paragraph.iter("a") if a.get("href") and "globalresearch.ca" not in (a.get("href") or "")
                 and text_of(a)]
        named = [a for a in links if not _POINTER_RE.fullmatch(text_of(a))]
        pointer = next((a for a in links if _POINTER_RE.fullmatch(text_of(a))), named[-1] if named else None)
        # '… writes on his blog site, PCR Institute for Political Economy, where <a>this article</a> was …'
        plain = _SITE_NAMED_RE.search(text_of(paragraph)) if not named else None
        if pointer is None or not (named or plain):
            continue
        url = absolute(base, pointer.get("href"))
        day = url_day(url or "")
        return {"name": text_of(named[-1]) if named else collapse(plain.group("name")) if plain else None,
                "url": url, "published": day.isoformat() if day else None}
    return None


def _header_source(blocks: _Blocks, base: str) -> dict[str, Any] | None:
    """The unclassed line after div.grDate naming the original outlet and its date, e.g. 'Sputnik 13 December 2016'."""
    dates = blocks.child_divs("post-info", "grDate")
    if len(dates) > 1:  # the first in document order of their next siblings: the XPath sorts them
        line = _first_el(blocks.scope, './/div[contains(@class,"post-info")]/div[contains(@class,"grDate")]'
                                       "/following-sibling::*[1]")
    else:  # following-sibling::*[1]: the next element (comments and processing instructions are not)
        line = dates[0].getnext() if dates else None
        while line is not None and not isinstance(line.tag, str):
            line = line.getnext()
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


def _copyright(footer: list[lxml_html.HtmlElement]) -> dict[str, Any] | None:
    for line in footer:
        text = text_of(line)
        if not text.lower().startswith("copyright"):
            continue
        linked = [text_of(a) for a in line.iter("a")]
        loose = [line.text or ""] + [a.tail or "" for a in line.iter("a")]
        plain_text = re.sub(r"^\s*Copyright\s*(©|\(c\)|&copy;)?", "", " ".join(loose), flags=re.IGNORECASE)
        plain = [collapse(p) for p in NAME_SEPARATORS_NO_SEMICOLON.split(plain_text)]
        holders = unique([h for h in linked + plain if h and not YEAR_RE.fullmatch(h)])
        years = YEAR_RE.findall(text)
        return {"line": text, "holders": holders, "year": int(years[-1]) if years else None}
    return None


def _body(blocks: _Blocks) -> str | None:
    # .//div[@itemprop="articleBody"] | .//div[contains(@class,"post")]//div[contains(@class,"content")]
    content = next((div for div, cls in blocks.divs if div.get("itemprop") == "articleBody"
                    or ("content" in cls and _below_post(div, blocks.scope))), None)
    if content is None:
        return None
    # The footer lines (source, copyright) sit inside the body's block: their paragraphs are left out.
    footer = {element for line in _copyright_lines(content) for element in line.iter()}
    copyright_class = "copyright" in (content.get("class") or "") or any(
        "copyright" in (a.get("class") or "") for a in content.iterancestors())
    kept: list[str] = []
    for element, text in paragraphs(content):
        if copyright_class or element in footer or BOILERPLATE.search(text):
            continue
        kept.append(text)
    return "\n\n".join(kept) or None


def _headline(article: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """.//*[@itemprop="headline"], the first: the walk stops there, at the article's top (the XPath gathered every
    match of the whole article first, ~55 µs on bench's pages, against ~2)."""
    return next((element for element in article.iterdescendants(etree.Element)
                 if element.get("itemprop") == "headline"), None)


def _copyright_lines(content: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """.//*[contains(@class,"copyright")] (~19 µs on bench's article bodies, the XPath ~30)."""
    return [element for element in content.iterdescendants(etree.Element)
            if "copyright" in (element.get("class") or "")]


def _below_post(element: lxml_html.HtmlElement, scope: lxml_html.HtmlElement) -> bool:
    """Whether a div below the scope whose class contains "post" holds the element."""
    for ancestor in element.iterancestors():
        if ancestor is scope:
            return False
        if ancestor.tag == "div" and "post" in (ancestor.get("class") or ""):
            return True
    return False
