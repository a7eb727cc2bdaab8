"""From an article page to an item: the one place the spider and the re-extraction commands share."""

from __future__ import annotations

from typing import Any

from crawler.extractors import extractor_for
from crawler.items import ArticleItem
from crawler.outlets import Outlet

__all__ = ["article_from_page"]


def article_from_page(outlet: Outlet, html: str, outlet_url: str, **fetch: Any) -> ArticleItem:
    """Run the outlet's extractor on a page and add what the fetch knows (fetched_url, fetched_at, warc, ...).

    `outlet_url` is the page's URL on the outlet's own origin (a mirror's origin swapped back), so that
    relative links and the canonical fallback name the outlet, not the mirror.
    """
    raw = extractor_for(outlet.extractor, outlet.extract)(html, outlet_url)
    raw.update(fetch)
    raw["outlet"] = outlet.key
    if not raw.get("url"):
        raw["url"] = outlet_url
    if not raw.get("language") and outlet.language:
        raw["language"] = outlet.language
    return ArticleItem.from_dict(raw)
