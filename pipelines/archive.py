"""The crawl's archive: its store, its spool, its close, and its manifest (written last).

One extension per crawl owns the order of the end: writers close their files, the spool drains into
the store, and only then the manifest is written, so that a reader knows a crawl is complete once its
manifest exists.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from pipelines.earlier_crawls import EarlierCrawls
from pipelines.publisher import Publisher, SpoolLock, spooled_files
from pipelines.recovery import recover_spool
from pipelines.store import Store, StoreError, store_from_uri

__all__ = ["ArchiveExtension", "crawl_report", "errors_by_kind", "manifest_key"]

logger = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]

# Item fields whose presence the manifest reports (the share of items where each is non-empty).
COVERAGE_FIELDS = (
    "url", "article_id", "title", "subtitle", "byline", "authors", "published", "modified", "regions", "themes",
    "in_depth_reports", "original_source", "copyright", "language", "summary", "image", "body", "warc",
)


def manifest_key(outlet: str, crawl_id: str) -> str:
    return f"crawls/{outlet}/{crawl_id}.json"


class ArchiveExtension:
    """Opens the store (failing early when it cannot be written), and finishes the crawl's files."""

    def __init__(self, crawler: Any, store: Store, publisher: Publisher) -> None:
        self.crawler = crawler
        self.store = store
        self.publisher = publisher
        self.started_at = datetime.now(UTC)
        self._closers: list[Closer] = []
        self.unwritable: str | None = None
        self._lock: SpoolLock | None = None
        self._earlier: EarlierCrawls | Exception | None = None
        self._earlier_lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveExtension:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        uri = settings.get("ARCHIVE_URI") or "archive"
        store = store_from_uri(uri, settings)
        spool = settings.get("ARCHIVE_SPOOL_DIR")
        if spool:
            spool_dir = Path(spool)
        elif urlsplit_scheme(uri) in ("", "file"):
            spool_dir = Path(store.uri.removeprefix("file://")) / ".spool"  # same disk: the move is cheap
        else:
            spool_dir = Path("spool")
        publisher = Publisher(
            store, spool_dir.resolve(),
            workers=settings.getint("ARCHIVE_UPLOAD_WORKERS", 2),
            retries=settings.getint("ARCHIVE_UPLOAD_RETRIES", 5),
            backoff=settings.getfloat("ARCHIVE_UPLOAD_BACKOFF", 1.0),
        )
        ext = cls(crawler, store, publisher)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @classmethod
    def of(cls, crawler: Any) -> ArchiveExtension | None:
        """The crawl's archive, for the writers; None when archiving is off."""
        for ext in crawler.extensions.middlewares:
            if isinstance(ext, cls):
                return ext
        return None

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    @property
    def crawl_id(self) -> str:
        return str(self.spider.crawl_id)

    @property
    def outlet(self) -> str:
        return str(self.spider.name)

    def earlier_crawls(self) -> EarlierCrawls:
        """What earlier crawls of the outlet archived, read from their indexes once per crawl (blocking,
        thread-safe): the spider and the WARC writer both ask. Raises what the read raised, every time."""
        with self._earlier_lock:
            if self._earlier is None:
                settings = self.crawler.settings
                revisits = settings.getbool("WARC_ENABLED", True) and settings.getbool("WARC_REVISITS", True)
                try:
                    self._earlier = EarlierCrawls.read(self.store, self.outlet, payloads=revisits)
                except Exception as exc:
                    self._earlier = exc
            if isinstance(self._earlier, Exception):
                raise self._earlier
            return self._earlier

    def add_closer(self, closer: Closer) -> None:
        """Run `closer` at the end of the crawl, before the spool drains and the manifest is written."""
        self._closers.append(closer)

    async def spider_opened(self, spider: Any) -> None:
        try:
            await asyncio.to_thread(self.store.check_writable)
        except StoreError as exc:
            self.unwritable = str(exc)
            logger.error("%s: the crawl stops before any fetch", exc)  # noqa: TRY400
            self.crawler.stats.set_value("archive/error", str(exc))
            raise CloseSpider("archive_unwritable") from None
        # Taken before the look at the spool: files of other running crawls sharing it are theirs to store.
        try:
            self._lock = await asyncio.to_thread(SpoolLock, self.publisher.spool_dir, self.crawl_id)
        except BlockingIOError:
            self.unwritable = f"crawl {self.crawl_id} is already running with the spool {self.publisher.spool_dir}"
            logger.error("%s: this one stops before any fetch", self.unwritable)  # noqa: TRY400
            raise CloseSpider("archive_unwritable") from None
        await asyncio.to_thread(recover_spool, self.publisher.spool_dir, own_crawl=self.crawl_id)
        left = spooled_files(self.publisher.spool_dir)
        if left:
            logger.info("the spool holds %d file(s) from an earlier crawl: storing them first", len(left))
            for path, key in left:
                self.publisher.publish(path, key)

    async def spider_closed(self, spider: Any, reason: str) -> None:
        for closer in self._closers:
            try:
                await closer()
            except Exception:
                logger.exception("an archive writer failed to close")
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
            "crawl_id": self.crawl_id,
            "outlet": self.outlet,
            "status": status,
            "finish_reason": reason,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "archive_uri": self.store.uri,
            "scrapyd_job": getattr(self.spider, "scrapyd_job", None),
            "files": [{"key": f.key, "size": f.size, "sha256": f.sha256, "stored": f.stored} for f in files],
            "counts": counts,
            "field_coverage": coverage,
            "stats": {k: _jsonable(v) for k, v in sorted(stats.get_stats().items())},
        }
        key = manifest_key(self.outlet, self.crawl_id)
        local = self.publisher.spool_path(key)
        local.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.publisher.publish(local, key)
        logger.info("crawl report: %s", crawl_report(status, counts, coverage, len(files)))


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    """Failed fetches, pages that could not be parsed, dropped items and spider exceptions, by kind."""
    prefixes = {"pages/failed/": "fetch/", "pages/not_parsable/": "not_parsable/", "items/dropped/": "dropped/",
                "spider_exceptions/": "spider/"}
    errors: dict[str, int] = {}
    for key, value in sorted(stats.items()):
        for prefix, kind in prefixes.items():
            if key.startswith(prefix) and isinstance(value, int):
                errors[kind + key.removeprefix(prefix)] = value
    return errors


def crawl_report(status: str, counts: dict[str, Any], coverage: dict[str, float], files: int) -> str:
    """The report's one log line: what the crawl archived, what failed, which fields were found how often."""
    errors = ", ".join(f"{k} {v}" for k, v in counts["errors"].items()) or "none"
    found = [f"{k} {v:.0%}" for k, v in coverage.items() if k not in ("url", "warc", "body") and v < 1.0]
    return (f"{status}; {counts['pages']} pages, {counts['articles']} articles "
            f"({counts['articles_dropped']} dropped, {counts['skipped_archived']} skipped as archived before), "
            f"{counts['revisits']} revisits, {files} files, {counts['bytes_archived']} bytes archived; "
            f"errors: {errors}; fields below 100%: {', '.join(found) or 'none'}")


def urlsplit_scheme(uri: str) -> str:
    return uri.split(":", 1)[0].lower() if "://" in uri else ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)
