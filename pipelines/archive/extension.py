"""The crawl's archive: its store, its spool, its close, and its manifest (written last).

One extension per crawl owns the order of the end: on `spider_closed` it sends `archive_closing`, on which
every writer (WARC files, item batches) closes its files and hands them to the spool; the spool drains into
the store, and only then the manifest is written, so that a reader knows a crawl is complete once its
manifest exists.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from datetime import UTC, datetime

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from crawler.crawl import CrawlIdentity
from crawler.extensions.crawl import crawl_identity
from pipelines.archive.earlier import EarlierCrawls
from pipelines.archive.manifest import COVERAGE_FIELDS, crawl_report, errors_by_kind, jsonable, manifest_key
from pipelines.archive.recovery import recover_spool
from pipelines.storage import default_spool_dir, store_from_uri
from pipelines.storage.base import Store, StoreError
from pipelines.storage.spool import Publisher, SpoolLock, spooled_files

__all__ = ["ArchiveExtension", "archive_closing"]

logger = logging.getLogger(__name__)

archive_closing = object()
"""Signal sent when the crawl ends, before the spool drains: writers close their files (async handlers)."""


class ArchiveExtension:
    """Opens the store (failing early when it cannot be written), and finishes the crawl's files."""

    def __init__(self, crawler: Crawler, store: Store, publisher: Publisher) -> None:
        self.crawler = crawler
        self.store = store
        self.publisher = publisher
        self.started_at = datetime.now(UTC)
        self.unwritable: str | None = None
        self._lock: SpoolLock | None = None
        self._earlier: EarlierCrawls | Exception | None = None
        self._earlier_lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        store = store_from_uri(settings["ARCHIVE_URI"], settings)
        publisher = Publisher(
            store, default_spool_dir(settings, store),
            workers=settings.getint("ARCHIVE_UPLOAD_WORKERS"),
            retries=settings.getint("ARCHIVE_UPLOAD_RETRIES"),
            backoff=settings.getfloat("ARCHIVE_UPLOAD_BACKOFF"),
        )
        ext = cls(crawler, store, publisher)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def identity(self) -> CrawlIdentity:
        return crawl_identity(self.crawler)

    def earlier_crawls(self) -> EarlierCrawls:
        """What earlier crawls of the outlet archived, read from their indexes once per crawl (blocking,
        thread-safe): the spider and the WARC writer both ask. Raises what the read raised, every time."""
        with self._earlier_lock:
            if self._earlier is None:
                settings = self.crawler.settings
                revisits = settings.getbool("WARC_ENABLED") and settings.getbool("WARC_REVISITS")
                try:
                    self._earlier = EarlierCrawls.read(self.store, self.identity.outlet, payloads=revisits)
                except Exception as exc:
                    self._earlier = exc
            if isinstance(self._earlier, Exception):
                raise self._earlier
            return self._earlier

    async def spider_opened(self) -> None:
        try:
            await asyncio.to_thread(self.store.check_writable)
        except StoreError as exc:
            self.unwritable = str(exc)
            logger.error("%s: the crawl stops before any fetch", exc)  # noqa: TRY400
            self.crawler.stats.set_value("archive/error", str(exc))
            raise CloseSpider("archive_unwritable") from None
        # Taken before the look at the spool: files of other running crawls sharing it are theirs to store.
        try:
            self._lock = await asyncio.to_thread(SpoolLock, self.publisher.spool_dir, self.identity.crawl_id)
        except BlockingIOError:
            self.unwritable = f"crawl {self.identity.crawl_id} is already running with the spool {self.publisher.spool_dir}"
            logger.error("%s: this one stops before any fetch", self.unwritable)  # noqa: TRY400
            raise CloseSpider("archive_unwritable") from None
        await asyncio.to_thread(recover_spool, self.publisher.spool_dir, own_crawl=self.identity.crawl_id)
        left = spooled_files(self.publisher.spool_dir)
        if left:
            logger.info("the spool holds %d file(s) from an earlier crawl: storing them first", len(left))
            for path, key in left:
                self.publisher.publish(path, key)

    async def spider_closed(self, reason: str) -> None:
        # One close path for every file of the crawl: each writer closes its files on this signal.
        await self.crawler.signals.send_catch_log_async(archive_closing)
        await self.publisher.drain()
        if self.unwritable is None:
            await self._write_manifest(reason)
            await self.publisher.drain()
        stats = self.crawler.stats
        kept = [f for f in self.publisher.files if not f.stored]
        stats.set_value("archive/files_stored", sum(1 for f in self.publisher.files if f.stored))
        stats.set_value("archive/bytes_stored", sum(f.size for f in self.publisher.files if f.stored))
        if kept:
            stats.set_value("archive/files_spooled", len(kept))
            logger.error("%d archive file(s) could not be stored and wait in %s: run `scrapy archive-sync`",
                         len(kept), self.publisher.spool_dir)
        self.publisher.close()
        if self._lock is not None:
            self._lock.release()

    async def _write_manifest(self, reason: str) -> None:
        stats = self.crawler.stats
        items = int(stats.get_value("item_scraped_count", 0))
        files = sorted(self.publisher.files, key=lambda f: f.key)
        status = {"finished": "finished", "shutdown": "cancelled", "cancelled": "cancelled"}.get(reason, reason)
        errors = errors_by_kind(stats.get_stats())
        if self.publisher.errors:
            errors["store/kept_in_spool"] = len(self.publisher.errors)
        counts = {
            "pages": int(stats.get_value("downloader/response_count", 0)),
            "articles": items,
            "articles_dropped": int(stats.get_value("item_dropped_count", 0)),
            "skipped_archived": int(stats.get_value("discovery/skipped_archived", 0)),
            "revisits": int(stats.get_value("warc/revisit_records", 0)),
            "bytes_archived": sum(f.size for f in files),
            "errors": errors,
        }
        coverage = {
            name: round(int(stats.get_value(f"items/coverage/{name}", 0)) / items, 4) if items else 0.0
            for name in COVERAGE_FIELDS
        }
        manifest = {
            "crawl_id": self.identity.crawl_id,
            "outlet": self.identity.outlet,
            "status": status,
            "finish_reason": reason,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "archive_uri": self.store.uri,
            "scrapyd_job": self.identity.scrapyd_job,
            "files": [{"key": f.key, "size": f.size, "sha256": f.sha256, "stored": f.stored} for f in files],
            "counts": counts,
            "field_coverage": coverage,
            "stats": {k: jsonable(v) for k, v in sorted(stats.get_stats().items())},
        }
        key = manifest_key(self.identity.outlet, self.identity.crawl_id)
        local = self.publisher.spool_path(key)
        local.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.publisher.publish(local, key)
        logger.info("crawl report: %s", crawl_report(status, counts, coverage, len(files)))
