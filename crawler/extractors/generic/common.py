"""What the generic extractor's readers share: the patterns and helpers more than one of them uses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.text import BLOCK_TAGS, collapse, text_of

_WORD_RE = re.compile(r"\w+", re.UNICODE)
EXTRACTOR_ID = "generic/1"
# Elements whose text a reader does not read as the page's text: links, scripts, styles, form fields.
_NOT_PLAIN = frozenset({"a", "script", "style", "noscript", "textarea", "select", "button"})
# Site furniture (footer, navigation, sidebars) that is not part of an <article>.
_OUTSIDE_ARTICLE = "(ancestor::footer | ancestor::nav | ancestor::aside)[not(ancestor::article)]"
# A path whose last folder holds people's profiles: /author/, /authors/, /op-edge/authors/, /contributors/.
_PROFILE_PATH_RE = re.compile(r"/(?:authors?|contributors?|columnists?|writers?|people|profiles?|staff|journalists?)/$")
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
_CLASS_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@cache
def _xpath(expression: str) -> etree.XPath:
    """An XPath expression compiled once for every page: `element.xpath(text)` compiles it at each call, and the
    readers ask some of thousands of elements a page (is it outside the article, inside a link)."""
    return etree.XPath(expression)


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


def _plain_texts(element: lxml_html.HtmlElement) -> list[str]:
    """The texts an element shows outside links, scripts, styles and form fields (what a reader reads in it:
    the embed code in a 'copy to your blog' textarea is no reading). Walked by hand: the XPath that says the same
    (`.//text()[not(ancestor::a or …)]`) tests seven ancestor axes for every text and is three times slower."""
    if element.tag in _NOT_PLAIN or any(a.tag in _NOT_PLAIN for a in element.iterancestors()):
        return []
    found: list[str] = []
    append = found.append

    def walk(node: lxml_html.HtmlElement) -> None:
        # (each child's tag, text and tail read once: lxml makes a new string at every read)
        for child in node:
            tag = child.tag
            if isinstance(tag, str) and tag not in _NOT_PLAIN:
                text = child.text
                if text:
                    append(text)
                walk(child)
            tail = child.tail
            if tail:
                append(tail)

    if element.text and isinstance(element.tag, str):
        append(element.text)
    walk(element)
    return found


def _plain_text_length(element: lxml_html.HtmlElement) -> int:
    """Characters of text an element shows outside links, scripts, styles and form fields (_plain_texts)."""
    return sum(len(text.strip()) for text in _plain_texts(element))


def _class_words(text: str) -> list[str]:
    """`PostShare-bar related_links` → ['post', 'share', 'bar', 'related', 'links']."""
    return [w.casefold() for w in _CLASS_WORD_RE.findall(text)]


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


def in_caption(element: lxml_html.HtmlElement) -> bool:
    """Inside a photo's figure or caption: a byline there is the photographer's ('TSUNEAKI HIRAMATSU, FLICKR')."""
    return next(element.iterancestors("figure", "figcaption"), None) is not None
