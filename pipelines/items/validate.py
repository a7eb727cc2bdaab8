"""Validation: an item without url, title or body is dropped, and the reason is counted."""

from __future__ import annotations

import hashlib
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.extensions.crawl import crawl_identity
from crawler.utils.seen import crawl_seen

__all__ = ["REQUIRED_FIELDS", "ValidatePipeline"]

REQUIRED_FIELDS = ("url", "title", "body")


class ValidatePipeline:
    """Drops items missing a required field, published before `-a since`, or already seen in this crawl.

    Every other item is kept, even with fields missing: a partial record beats a lost one.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        # each URL's SHA-1 (20 bytes, not the URL's ~100; a collision is never met), in a scratch file under
        # SCHEDULER_SPILL_DIR: the set grows with the crawl, the process's memory does not
        self.seen = crawl_seen(crawler.settings)
        crawler.signals.connect(self.seen.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        if not crawler.settings.getbool("VALIDATE_ENABLED"):
            raise NotConfigured("VALIDATE_ENABLED is off")
        return cls(crawler)

    def _drop(self, reason: str, detail: str) -> DropItem:
        self.stats.inc_value(f"items/dropped/{reason}")
        return DropItem(detail)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        where = adapter.get("fetched_url") or adapter.get("url") or "?"
        for name in REQUIRED_FIELDS:
            if not adapter.get(name):
                raise self._drop(f"missing_{name}", f"no {name}: {where}")
        since = crawl_identity(self.crawler).since
        published = adapter.get("published")
        if since and published and published[:10] < since.isoformat():
            raise self._drop("before_since", f"published {published[:10]}, before since={since}: {where}")
        url = str(adapter["url"])
        digest = hashlib.sha1(url.encode("utf-8"), usedforsecurity=False).digest()
        if not self.seen.add(digest):
            raise self._drop("duplicate", f"already archived in this crawl: {url}")
        return item
