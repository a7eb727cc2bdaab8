"""Extractors: pure functions of (HTML, URL) that return an article's fields as printed.

The table maps the `extractor` name of outlets.toml to its function; none imports Scrapy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.extractors import globalresearch

__all__ = ["EXTRACTORS", "Extractor", "get_extractor"]

Extractor = Callable[[str, str], dict[str, Any]]

EXTRACTORS: dict[str, Extractor] = {
    "globalresearch": globalresearch.extract,
}


def get_extractor(name: str) -> Extractor:
    try:
        return EXTRACTORS[name]
    except KeyError:
        raise KeyError(f"unknown extractor {name!r} (known: {', '.join(sorted(EXTRACTORS))})") from None
