"""Small text helpers shared by the extractors: whitespace, paragraphs, link terms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

__all__ = ["BLOCK_TAGS", "absolute", "collapse", "nfc", "paragraphs", "parse_html", "slug_of", "text_of", "unique"]

# Block-level elements whose text forms a paragraph of the body.
BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div", "td", "th", "dd", "dt",
    "figcaption", "section", "article", "ul", "ol", "table", "tr", "tbody", "dl", "figure",
})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "form", "button"})


def collapse(text: str | None) -> str:
    """Whitespace runs (non-breaking spaces included) become one space; the ends are trimmed."""
    if not text:
        return ""
    return " ".join(text.split())  # str.split() takes every Unicode space, no-break space included


def parse_html(html: str) -> lxml_html.HtmlElement:
    """Parse a page leniently; NUL characters, which lxml refuses, are dropped first."""
    cleaned = html.replace("\x00", "")
    # lxml refuses str input that carries an XML encoding declaration.
    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", cleaned)
    if not cleaned.strip():
        cleaned = "<html></html>"
    return lxml_html.document_fromstring(cleaned)


def text_of(element: lxml_html.HtmlElement) -> str:
    """The visible text of an element, scripts and styles left out, whitespace collapsed."""
    return collapse("".join(_visible_text(element)))


def _visible_text(element: lxml_html.HtmlElement) -> Iterator[str]:
    if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
        return
    if element.tag == "br":
        yield " "
    if element.text:
        yield element.text
    for child in element:
        yield from _visible_text(child)
        if child.tail:
            yield child.tail


def paragraphs(root: lxml_html.HtmlElement) -> Iterator[tuple[lxml_html.HtmlElement, str]]:
    """The paragraphs under root, in document order, as (element, text).

    A paragraph is a block element that holds no other block; a block that holds blocks gives, besides
    them, the loose text it carries itself (text directly in a div, between two paragraphs).
    """
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag not in BLOCK_TAGS:
            continue
        if any(_is_skipped(a) for a in element.iterancestors()):
            continue
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in element.iterdescendants()):
            loose = [element.text or ""]
            loose += [c.tail or "" for c in element if isinstance(c.tag, str) and c.tag in BLOCK_TAGS]
            for piece in loose:
                if collapse(piece):
                    yield element, collapse(piece)
            continue
        text = text_of(element)
        if text:
            yield element, text


def _is_skipped(element: lxml_html.HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag in _SKIP_TAGS


def absolute(base: str, href: str | None) -> str | None:
    if not href or not href.strip():
        return None
    return urljoin(base, href.strip())


def slug_of(url: str | None) -> str | None:
    """The last non-empty path segment of a URL: /theme/media-disinformation -> media-disinformation."""
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return segments[-1] if segments else None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out
