"""Small text helpers shared by the extractors: whitespace, paragraphs, link terms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeAlias
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

__all__ = ["BLOCK_TAGS", "Html", "absolute", "collapse", "nfc", "paragraphs", "parse_html", "slug_of", "text_of",
           "unique"]

Html: TypeAlias = str | lxml_html.HtmlElement
"""A page as its text, or as the document already parsed from it: one parse of a page serves every reader of it
(the extractor and the requisites, crawler.extractors.page.read_page)."""

# Block-level elements whose text forms a paragraph of the body.
BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div", "td", "th", "dd", "dt",
    "figcaption", "section", "article", "ul", "ol", "table", "tr", "tbody", "dl", "figure",
})
_BLOCK_TAG_NAMES = tuple(sorted(BLOCK_TAGS))
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "svg", "form", "button"})


def collapse(text: str | None) -> str:
    """Whitespace runs (non-breaking spaces included) become one space; the ends are trimmed."""
    if not text:
        return ""
    # Most texts come collapsed already (64% of the ~165 an extractor reads on a bench page): one pass tells them, and
    # they are given back as they are. A printable string holds no whitespace but the ASCII space (every other space
    # character is in a category str.isprintable refuses: tests/test_text_collapse.py checks all of Unicode).
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return " ".join(text.split())  # str.split() takes every Unicode space, no-break space included


def _parser() -> lxml_html.HTMLParser:
    # lxml.html's own parser picks each element's class in Python (HtmlElementClassLookup), once for every element
    # the extractors touch: ~0.5 ms of an 80 KB page. Here every element is an HtmlElement, chosen in C; the form
    # and input subclasses it gives up are not used by the extractors.
    parser = lxml_html.HTMLParser()
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity))
    return parser


_PARSER = _parser()
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SELF_CLOSED_HTML = re.compile(r"<html\b([^>]*?)\s*/>", re.IGNORECASE)


def parse_html(html: Html) -> lxml_html.HtmlElement:
    """Parse a page leniently; NUL characters, which lxml refuses, are dropped first. A parsed page is itself."""
    if not isinstance(html, str):
        return html
    # (looked for first: str.replace scans an 80 KB page ten times slower than `in` does, to find nothing)
    cleaned = html.replace("\x00", "") if "\x00" in html else html
    # lxml refuses str input that carries an XML encoding declaration.
    cleaned = _XML_DECLARATION.sub("", cleaned)
    # '<html lang="en" />' (a page written as XHTML, cracked.com's): libxml2 ends the document there and gives
    # an empty page, where a browser reads on; the tag is read as the start tag it is meant to be
    if (closed := _SELF_CLOSED_HTML.search(cleaned, 0, 4096)) is not None:
        cleaned = f"{cleaned[:closed.start()]}<html{closed.group(1)}>{cleaned[closed.end():]}"
    if not cleaned or cleaned.isspace():  # (strip() would copy the page to say so)
        cleaned = "<html></html>"
    return lxml_html.document_fromstring(cleaned, parser=_PARSER)


def text_of(element: lxml_html.HtmlElement) -> str:
    """The visible text of an element, scripts and styles left out, whitespace collapsed."""
    tag = element.tag
    if not len(element) and isinstance(tag, str) and tag not in _SKIP_TAGS and tag != "br":
        return collapse(element.text)  # an element without children: its text is all there is (no walk)
    pieces: list[str] = []
    _gather_visible_text(element, pieces)
    return collapse("".join(pieces))


def _gather_visible_text(element: lxml_html.HtmlElement, pieces: list[str]) -> None:
    """_visible_text's pieces appended to one list: a nested generator hands each piece up through every level
    of the tree above it, and text_of is asked of tens of thousands of elements a page."""
    tag = element.tag
    if not isinstance(tag, str) or tag in _SKIP_TAGS:
        return
    if tag == "br":
        pieces.append(" ")
    if element.text:
        pieces.append(element.text)
    for child in element:
        _gather_visible_text(child, pieces)
        if child.tail:
            pieces.append(child.tail)


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

    A paragraph is a block element that holds no other block. A block that holds blocks gives, besides them,
    the runs of text it carries itself, each where the reader sees it: the text before its first block, between
    two blocks, after its last, with the inline elements of each run (links, emphasis) read whole. An embedded
    tweet (`<blockquote><p>text</p>— RT (@RT_com) <a>February 9, 2016</a></blockquote>`) so gives its text, then
    its attribution line with its date.
    """
    holders: set[lxml_html.HtmlElement] = set()  # elements with a block somewhere below them
    # (the block elements picked by lxml in C: no Python object is made for the others)
    # (up by getparent(): an iterancestors() iterator made per block cost half of this loop, ~20 µs of a GR body)
    for element in root.iterdescendants(*_BLOCK_TAG_NAMES):
        ancestor = element.getparent()
        while ancestor is not None and ancestor not in holders:
            holders.add(ancestor)
            if ancestor is root:
                break
            ancestor = ancestor.getparent()
    yield from _walk(root, holders)


def _walk(element: lxml_html.HtmlElement, holders: set[lxml_html.HtmlElement]) -> Iterator[
        tuple[lxml_html.HtmlElement, str]]:
    if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
        return
    if element not in holders:
        if element.tag in BLOCK_TAGS:
            text = text_of(element)
            if text:
                yield element, text
        return
    run: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP_TAGS and (tag in BLOCK_TAGS or child in holders):
            text = collapse("".join(run))  # the run of text before this block
            if text:
                yield element, text
            if child in holders:
                yield from _walk(child, holders)
            else:  # a block that holds none: one paragraph, read here rather than in a walk of its own
                text = text_of(child)
                if text:
                    yield child, text
            run = [child.tail or ""]
        else:
            if isinstance(tag, str):
                run.extend(_visible_text(child))
            run.append(child.tail or "")
    text = collapse("".join(run))
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
