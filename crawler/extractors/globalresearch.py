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
    canonical = absolute(base, _first(root, '/html/head/link[@rel="canonical"]/@href')
                         or _first(root, '//link[@rel="canonical"]/@href'))
    meta = Meta(root)

    published = (meta.first("property:article:published_time") or _gr_date(scope)
                 or meta.first("itemprop:datePublished") or None)
    footer = _footer_lines(scope)
    original = _original_source(scope, base, footer)
    if original is not None and original["published"] is None and original["name"] == OUTLET_NAME:
        # An original: the outlet that first published it is Global Research, on this date.
        original["published"] = published
    byline_el = _first_el(scope, './/div[contains(@class,"post-info")]/div[contains(@class,"author")]')

    return {
        "url": canonical or url,
        "article_id": _article_id(canonical or url),
        "title": _title(root, article, meta),
        "subtitle": _text_or_none(_first_el(scope, './/div[@class="title"]/h3[contains(@class,"subtitle")]')),
        "byline": _text_or_none(byline_el),
        "authors": byline_people(byline_el, base, NAME_SEPARATORS_NO_SEMICOLON) if byline_el is not None else [],
        "published": published,
        "modified": meta.first("property:article:modified_time") or meta.first("itemprop:dateModified"),
        **_terms(scope, base),
        "original_source": original,
        "copyright": _copyright(footer),
        "language": meta.first("itemprop:inLanguage") or _first(root, "/html/@lang") or None,
        "summary": meta.first("property:og:description") or meta.first("name:description"),
        "image": absolute(base, meta.first("property:og:image") or meta.first("itemprop:thumbnailUrl")),
        "body": _body(scope),
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


def _text_or_none(element: lxml_html.HtmlElement | None) -> str | None:
    if element is None:
        return None
    return text_of(element) or None


def _article_id(url: str) -> str | None:
    match = _ID_RE.search(url.split("?", 1)[0].split("#", 1)[0])
    return match.group(1) if match else None


def _title(root: lxml_html.HtmlElement, article: lxml_html.HtmlElement | None, meta: Meta) -> str | None:
    if article is not None:
        headline = _text_or_none(_first_el(article, './/*[@itemprop="headline"]'))
        if headline:
            return headline
    headline = _text_or_none(_first_el(article if article is not None else root, './/div[@class="title"]/h2'))
    if headline:
        return headline
    title = meta.first("property:og:title") or _first(root, "//title/text()")
    if title:
        return re.sub(r"\s+-\s+Global Research.*$", "", collapse(title)) or None
    return None


def _gr_date(scope: lxml_html.HtmlElement) -> str | None:
    line = _text_or_none(_first_el(scope, './/div[contains(@class,"grDate")]'))
    if not line:
        return None
    match = _GR_DATE_RE.match(line)
    return match.group("date") if match else line


def _terms(scope: lxml_html.HtmlElement, base: str) -> dict[str, list[dict[str, str | None]]]:
    """Region, Theme and In-depth Report blocks: one entry per link, never split on commas."""
    terms: dict[str, list[dict[str, str | None]]] = {key: [] for key in _LABELS.values()}
    for block in _all(scope, './/div[contains(@class,"catAndTag")]/div'):
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


def _footer_lines(scope: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return _all(scope, './/div[contains(@class,"copyright")]')


def _original_source(scope: lxml_html.HtmlElement, base: str,
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
    header = _header_source(scope, base)
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


def _header_source(scope: lxml_html.HtmlElement, base: str) -> dict[str, Any] | None:
    """The unclassed line after div.grDate naming the original outlet and its date, e.g. 'Sputnik 13 December 2016'."""
    line = _first_el(scope, './/div[contains(@class,"post-info")]/div[contains(@class,"grDate")]'
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


def _body(scope: lxml_html.HtmlElement) -> str | None:
    content = _first_el(scope, './/div[@itemprop="articleBody"]'
                               ' | .//div[contains(@class,"post")]//div[contains(@class,"content")]')
    if content is None:
        return None
    # The footer lines (source, copyright) sit inside the body's block: their paragraphs are left out.
    footer = {element for line in _all(content, './/*[contains(@class,"copyright")]') for element in line.iter()}
    copyright_class = "copyright" in (content.get("class") or "") or any(
        "copyright" in (a.get("class") or "") for a in content.iterancestors())
    kept: list[str] = []
    for element, text in paragraphs(content):
        if copyright_class or element in footer or BOILERPLATE.search(text):
            continue
        kept.append(text)
    return "\n\n".join(kept) or None
