"""People named on a page: a byline or a list of names split into names, in the order printed."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.extractors.text import absolute, collapse, text_of

__all__ = ["BY_RE", "NAME_SEPARATORS", "NAME_SEPARATORS_NO_SEMICOLON", "byline_people", "split_names"]

BY_RE = re.compile(r"^\s*by(?:\s*:\s*|\s+)", re.IGNORECASE)
"""The 'By ' or 'By: ' a byline starts with."""
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*")
"""What stands between two names: ',', ';', 'and', '&'."""
NAME_SEPARATORS_NO_SEMICOLON = re.compile(r"\s*(?:,|\band\b|&)\s*")
"""The same without ';': Global Research's items were made this way, and must not change."""


def split_names(text: str | None, separators: re.Pattern[str] = NAME_SEPARATORS) -> list[str]:
    """'By Ann Smith, Bob Jones and Cy' → ['Ann Smith', 'Bob Jones', 'Cy']."""
    pieces = (piece.strip(" ,;") for piece in separators.split(BY_RE.sub("", collapse(text))))
    return [piece for piece in pieces if piece]


def byline_people(byline: lxml_html.HtmlElement, base: str,
                  separators: re.Pattern[str] = NAME_SEPARATORS) -> list[dict[str, str | None]]:
    """Names in byline order: linked names with their link (absolute against `base`), plain-text names split."""
    authors: list[dict[str, str | None]] = []

    def plain(text: str | None) -> None:
        for name in split_names(text, separators):
            if name.lower() != "by":  # a lone 'By' before a linked name
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
