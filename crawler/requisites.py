"""Page requisites: what a browser needs to render an archived page, found in its HTML and its stylesheets.

As Heritrix's HTML and CSS extractors do for server-rendered pages: stylesheets (and what they `@import`
and reference with `url()`: fonts, background images), scripts, images (`src`, `srcset`, `<picture>`),
icons, the lead image of the page's meta. What scripts load at run time is not found here (a browser
capture would be; docs/architecture.md says why this crawler does not run one). Pure functions of
(text, URL): the spider decides which hosts, budgets and politeness apply.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import tinycss2
from lxml import etree

from crawler.extractors.text import Html, parse_html

__all__ = ["css_requisites", "html_requisites", "script_requisites"]

_ICON_RELS = {"icon", "shortcut icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}
_LEAD_IMAGE = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")


# The elements that can name a requisite, and those with a url() in their style attribute. Walking every element
# of an 80 KB page in Python cost more than parsing it; lxml's tag filter and one attribute query walk it in C.
_TAGS = ("link", "script", "img", "source", "input", "embed", "track", "video", "meta", "style")
_STYLED = etree.XPath("//*[contains(@style, 'url(')]")
_BASE_HREF = etree.XPath("string(//base/@href)")


def html_requisites(page: Html, url: str) -> list[str]:
    """Absolute http(s) URLs of the page's requisites, in page order, each once.

    `page` is the page's text or its parsed document (crawler.extractors.page.read_page parses once for the
    extractor and this); the document is only read.
    """
    try:
        root = parse_html(page)
    except (ValueError, TypeError, etree.ParserError):
        return []
    base = str(_BASE_HREF(root)) or url
    found: list[str] = []
    styled = _STYLED(root)
    # Document order either way; every element only when some carry a url() in their style (rare).
    for element in (root.iter() if styled else root.iter(*_TAGS)):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "link":
            rel = " ".join((element.get("rel") or "").lower().split())
            kind = (element.get("as") or "").lower()
            if rel == "stylesheet" or rel in _ICON_RELS or (rel in ("preload", "prefetch") and kind in
                                                              ("style", "font", "image", "script")):
                found.append(element.get("href") or "")
        elif tag in ("script", "img", "source", "input", "embed", "track"):
            found.append(element.get("src") or "")
            found += _srcset(element.get("srcset"))
            if tag == "img":
                found += _srcset(element.get("data-srcset"))
                found.append(element.get("data-src") or "")
        elif tag == "video":
            found.append(element.get("poster") or "")
        elif tag == "meta":
            key = (element.get("property") or element.get("name") or "").lower()
            if key in _LEAD_IMAGE:
                found.append(element.get("content") or "")
        elif tag == "style" and element.text:
            found += _style_sheet_urls(element.text)
        if tag == "script" and element.text:
            found += script_requisites(element.text)
        style = element.get("style") if tag else None
        if style and "url(" in style:
            found += _style_attribute_urls(style)
    return _absolute(found, base)


# An outlet's pages carry the same inline <style> blocks and style attributes: each is tokenized once, not once
# a page (the URLs as written; the page's base resolves them).
@lru_cache(maxsize=256)
def _style_sheet_urls(text: str) -> tuple[str, ...]:
    return tuple(_urls(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)))


@lru_cache(maxsize=1024)
def _style_attribute_urls(style: str) -> tuple[str, ...]:
    return tuple(_urls(tinycss2.parse_blocks_contents(style)))


def css_requisites(text: str, url: str) -> list[str]:
    """Absolute http(s) URLs a stylesheet needs: its `@import`s and every `url()` (fonts, images)."""
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    return _absolute(_urls(rules), url)


# URLs of files that an inline script loads, speculatively, as Heritrix's ExtractorJS finds them: a quoted
# absolute URL (JSON-escaped slashes too) whose path ends like a stylesheet, script, image or font. Written by
# hand as Heritrix's is: no library reads what a script will fetch without running it.
_SCRIPT_URL = re.compile(
    r"""["'](https?:(?:\\?/){2}[^"'\s<>]+?\.(?:js|css|png|jpe?g|gif|svg|webp|avif|woff2?|ttf|otf|ico)"""
    r"""(?:\?[^"'\s<>]*)?)["']""", re.IGNORECASE)


def script_requisites(text: str) -> list[str]:
    """Absolute URLs of stylesheets, scripts, images and fonts named in a script's string literals."""
    return [match.replace("\\/", "/") for match in _SCRIPT_URL.findall(text)]


def _urls(nodes: list[object]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        kind = getattr(node, "type", "")
        if kind == "at-rule" and getattr(node, "lower_at_keyword", "") == "import":
            for token in getattr(node, "prelude", []) or []:
                if getattr(token, "type", "") in ("string", "url"):
                    found.append(token.value)
                    break
        if kind == "url":
            found.append(getattr(node, "value", ""))
        elif kind == "function" and getattr(node, "lower_name", "") == "url":
            found += [a.value for a in getattr(node, "arguments", []) if getattr(a, "type", "") == "string"]
        for child in ("prelude", "content", "arguments", "value"):
            inner = getattr(node, child, None)
            if isinstance(inner, list):
                found += _urls(inner)
    return found


def _srcset(value: str | None) -> list[str]:
    if not value:
        return []
    # "a.jpg 1x, b.jpg 2x": each candidate is a URL and an optional descriptor.
    return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]


def _absolute(urls: list[str], base: str) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for raw in urls:
        link = raw.strip()
        if not link or link.startswith(("data:", "javascript:", "about:", "#", "blob:")):
            continue
        absolute = urljoin(base, link).split("#", 1)[0]
        if urlsplit(absolute).scheme not in ("http", "https") or absolute in seen:
            continue
        seen.add(absolute)
        out.append(absolute)
    return out
