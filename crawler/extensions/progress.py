"""A progress line while a crawl runs: articles, pages and bytes archived so far."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

__all__ = ["ProgressLog"]

logger = logging.getLogger(__name__)


class ProgressLog:
    def __init__(self, stats: StatsCollector, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        ext = cls(crawler.stats, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self._loop = task.LoopingCall(self.log)
        self._loop.start(self.interval, now=False)

    def log(self) -> None:
        get = self.stats.get_value
        logger.info(
            "archived so far: %d articles, %d pages, %.1f MB of WARC, %d items dropped, %d fetch errors",
            get("item_scraped_count", 0), get("downloader/response_count", 0),
            get("warc/bytes_written", 0) / 1e6, get("item_dropped_count", 0),
            sum(v for k, v in self.stats.get_stats().items() if k.startswith("pages/failed/")),
        )

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.log()
