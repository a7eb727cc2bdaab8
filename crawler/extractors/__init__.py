"""Extractors: pure functions of (HTML, URL) that return an article's fields as printed.

The table maps the `extractor` name of outlets.toml to its function; none imports Scrapy. An outlet with an
`[<key>.extract]` table gets the generic extractor configured with those rules (`extractor_for`).

The kit they share: `text` (whitespace, paragraphs, links), `meta` (meta tags, base URL), `people` (bylines
into names), `dates` (dates as printed), `structured` (JSON-LD, microdata), `rules` (an outlet's rules),
`decode` (a page's bytes as text), `explain` (an item with the evidence of each field, for --explain).
`page` turns a page into an item: the one path of the spider, the commands and the golden tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from crawler.extractors import generic, globalresearch
from crawler.extractors.rules import ExtractRules
from crawler.extractors.text import Html

__all__ = ["CONFIGURABLE", "EXTRACTORS", "Extractor", "extractor_for", "get_extractor"]



class Extractor(Protocol):
    """`extractor(html, url)` → the article's fields as printed; `html` is the page's text or its parsed document.
    Given an `evidence` dict, the extractor also writes into it where each field came from (`scrapy extract
    --explain`); what it returns is the same."""

    def __call__(self, html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]: ...


EXTRACTORS: dict[str, Extractor] = {
    "generic": generic.extract,
    "globalresearch": globalresearch.extract,
}
# Extractors that take per-outlet rules, and how each is built from them.
CONFIGURABLE: dict[str, Callable[[ExtractRules], Extractor]] = {
    "generic": generic.GenericExtractor,
}


def get_extractor(name: str) -> Extractor:
    try:
        return EXTRACTORS[name]
    except KeyError:
        raise KeyError(f"unknown extractor {name!r} (known: {', '.join(sorted(EXTRACTORS))})") from None


def extractor_for(name: str, rules: ExtractRules | None) -> Extractor:
    """The extractor an outlet uses: the named one, configured with the outlet's rules when it takes them."""
    if rules is not None and name in CONFIGURABLE:
        return CONFIGURABLE[name](rules)
    return get_extractor(name)
