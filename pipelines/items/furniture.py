"""Removes the outlet's furniture from each article's body, and counts this crawl's paragraphs for next time.

The furniture is what pipelines/archive/furniture.py learned from the outlet's earlier crawls (read once, in a
worker thread, at the first item): it is fixed for the whole crawl, so that every article of one crawl is
treated alike. This crawl's bodies, as extracted, are counted into the state the crawl stores at its end.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.extensions.crawl import crawl_identity
from crawler.extensions.shared_crawl import file_stem
from pipelines.archive.extension import ArchiveExtension, archive_closing, write_whole
from pipelines.archive.furniture import Furniture, furniture_key, normalized_paragraphs, strip_furniture

__all__ = ["FurniturePipeline"]

logger = logging.getLogger(__name__)


class FurniturePipeline:
    def __init__(self, crawler: Crawler, archive: ArchiveExtension) -> None:
        self.crawler = crawler
        self.archive = archive
        settings = crawler.settings
        self.min_share = settings.getfloat("FURNITURE_MIN_SHARE")
        self.min_articles = settings.getint("FURNITURE_MIN_ARTICLES")
        self._state: Furniture | None = None
        self._furniture: frozenset[str] = frozenset()
        self._loading: asyncio.Lock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FurniturePipeline:
        if not crawler.settings.getbool("FURNITURE_ENABLED"):
            raise NotConfigured("FURNITURE_ENABLED is off")
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None:
            raise NotConfigured("the archive is off (ARCHIVE_ENABLED): no furniture to learn from")
        pipeline = cls(crawler, archive)
        crawler.signals.connect(pipeline.close, signal=archive_closing)
        return pipeline

    async def _loaded(self) -> Furniture:
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            if self._state is None:
                outlet = crawl_identity(self.crawler).outlet
                try:
                    self._state = await asyncio.to_thread(Furniture.read_newest, self.archive.store, outlet,
                                                          min_share=self.min_share, min_articles=self.min_articles)
                except Exception as exc:
                    logger.warning("the outlet's furniture could not be read, none is removed: %s", exc)
                    self._state = Furniture(min_share=self.min_share, min_articles=self.min_articles)
                self._furniture = self._state.paragraphs
                logger.info("furniture of %s: %d paragraph(s), learned from %d article(s)", outlet,
                            len(self._furniture), self._state.articles)
        return self._state

    async def process_item(self, item: Any) -> Any:
        # Every item through the lock, not past it once the state is read: items queued on it while the first one
        # read the state would be overtaken by later ones, and the crawl's items would leave their responses' order
        # (tests/test_furniture.py). An uncontended asyncio lock does not suspend.
        state = await self._loaded()
        adapter = ItemAdapter(item)
        body = adapter.get("body")
        paragraphs = normalized_paragraphs(body)  # once, for learning and stripping
        state.add_paragraphs(paragraphs)  # as extracted: what the next crawls learn from
        stripped, removed = strip_furniture(body, self._furniture, paragraphs)
        if removed:
            adapter["body"] = stripped
            self.crawler.stats.inc_value("items/furniture_paragraphs_removed", removed)
        return item

    async def close(self) -> None:
        """Store the state with this crawl's articles counted in (archive_closing: before the spool drains)."""
        if self._state is None or not self._state.articles:
            return
        identity = crawl_identity(self.crawler)
        # Each worker of a shared crawl stores its own state (its file stem): one key, one writer.
        key = furniture_key(identity.outlet, file_stem(self.crawler))
        try:
            path = await asyncio.to_thread(write_whole, self.archive.publisher.spool_path(key), self._state.to_json())
        except OSError as exc:
            logger.warning("the outlet's furniture could not be written (%s): the next crawl learns less", exc)
            return
        self.archive.publisher.publish(path, key)
