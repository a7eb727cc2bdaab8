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
import os
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from crawler.crawl import CrawlIdentity
from crawler.extensions.crawl import crawl_identity
from crawler.extensions.shared_crawl import file_stem, shared_crawl
from crawler.utils.seen import spill_folder
from pipelines.archive.drift import DriftRule, check_drift, describe, read_earlier_manifests
from pipelines.archive.earlier import EarlierCrawls
from pipelines.archive.lease import LeaseHeld, OutletLease
from pipelines.archive.manifest import COVERAGE_FIELDS, crawl_report, errors_by_kind, jsonable, manifest_key
from pipelines.archive.orphans import ItemAt
from pipelines.archive.recovery import recover_spool
from pipelines.storage import default_spool_dir, store_from_uri
from pipelines.storage.base import Store, StoreError
from pipelines.storage.spool import Publisher, SpoolLock, open_new, spooled_files

__all__ = ["ArchiveExtension", "ArchiveWriteError", "archive_closing", "recovery_extractor", "write_whole"]

logger = logging.getLogger(__name__)

archive_closing = object()
"""Signal sent when the crawl ends, before the spool drains: writers close their files (async handlers)."""


class ArchiveWriteError(Exception):
    """A file of the archive could not be written (a full disk, an I/O error): the crawl stops."""


class ArchiveExtension:
    """Opens the store (failing early when it cannot be written), and finishes the crawl's files."""

    def __init__(self, crawler: Crawler, store: Store, publisher: Publisher, drift: DriftRule | None = None) -> None:
        self.crawler = crawler
        self.store = store
        self.publisher = publisher
        self.drift = drift
        self.started_at = datetime.now(UTC)
        self.unwritable: str | None = None
        self.write_error: str | None = None
        self._closing: asyncio.Task[None] | None = None
        self._lease: OutletLease | None = None
        self._renewal: asyncio.Task[None] | None = None
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
        drift = DriftRule.from_settings(settings) if settings.getbool("DRIFT_ENABLED") else None
        ext = cls(crawler, store, publisher, drift)
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
                    self._earlier = EarlierCrawls.read(self.store, self.identity.outlet, payloads=revisits,
                                                       spool=self.publisher.spool_dir, scratch=spill_folder(settings))
                except Exception as exc:
                    self._earlier = exc
            if isinstance(self._earlier, Exception):
                raise self._earlier
            return self._earlier

    def write_failed(self, kind: str, exc: OSError) -> None:
        """A writer could not write (reactor thread): one error line, the stat, and the crawl stops at once.

        What was written stays: the writers leave their open files in the spool, where the next crawl or
        `scrapy archive-sync` finishes them (pipelines/archive/recovery.py) once the disk has room.
        """
        self.crawler.stats.inc_value(f"archive/write_failed/{kind}")
        if self.write_error is not None:
            return
        self.write_error = f"cannot write {kind} files in {self.publisher.spool_dir}: {exc.strerror or exc}" + (
            f" ({exc.filename})" if exc.filename else "")
        logger.error("%s: the crawl stops; what was written is kept for `scrapy archive-sync`", self.write_error)
        # Where it came from, for whoever reads the log of a failure nobody expected (one line the operator
        # needs is above; this is for the engineer).
        logger.debug("the failed write", exc_info=exc)
        engine = self.crawler.engine
        if engine is not None:
            self._closing = asyncio.get_running_loop().create_task(
                engine.close_spider_async(reason="archive_write_failed"))

    async def spider_opened(self) -> None:
        shared = shared_crawl(self.crawler)
        if shared is not None:  # first: the workers of its crawl that died here are its to finish, not recovery's
            shared.attach(self, recovery_extractor(self.crawler.settings))
        store_reachable = True
        try:
            await asyncio.to_thread(self.store.check_writable)
        except StoreError as exc:
            if not exc.transient:  # a definite answer: a wrong bucket, bad keys, a read-only folder
                self.unwritable = str(exc)
                logger.error("%s: the crawl stops before any fetch", exc)  # noqa: TRY400
                self.crawler.stats.set_value("archive/error", str(exc))
                raise CloseSpider("archive_unwritable") from None
            # Unreachable now: news pages change and vanish, so the crawl runs into the spool; its files are
            # stored by `scrapy archive-sync` or the next crawl, and the exit status says they wait (3).
            logger.warning("%s: the crawl runs into the spool %s; its files wait there", exc,
                           self.publisher.spool_dir)
            self.crawler.stats.set_value("archive/store_unreachable_at_start", str(exc))
            store_reachable = False
        else:
            await self._take_lease()
        # Taken before the look at the spool: files of other running crawls sharing it are theirs to store.
        try:
            # Named by the file stem: each worker of a shared crawl has its own (crawler/extensions/shared_crawl.py).
            self._lock = await asyncio.to_thread(SpoolLock, self.publisher.spool_dir, file_stem(self.crawler))
        except BlockingIOError:
            self.unwritable = (f"crawl {self.identity.crawl_id} is already running with the spool "
                               f"{self.publisher.spool_dir}")
            logger.error("%s: this one stops before any fetch", self.unwritable)  # noqa: TRY400
            raise CloseSpider("archive_unwritable") from None
        if store_reachable:
            # A killed crawl's files, and its missing items (which needs its stored batches: the store reachable).
            await asyncio.to_thread(recover_spool, self.publisher.spool_dir, own_crawl=file_stem(self.crawler),
                                    store=self.store, extract=recovery_extractor(self.crawler.settings))
        left = spooled_files(self.publisher.spool_dir)
        if left:
            logger.info("the spool holds %d file(s) from an earlier crawl: storing them first", len(left))
            for path, key in left:
                self.publisher.publish(path, key)

    async def _take_lease(self) -> None:
        settings = self.crawler.settings
        if not settings.getbool("ARCHIVE_LEASE_ENABLED"):
            return
        ttl = settings.getfloat("ARCHIVE_LEASE_TTL")
        lease = OutletLease(self.store, self.identity.outlet, self.identity.crawl_id, ttl,
                            shared=shared_crawl(self.crawler) is not None)
        try:
            await asyncio.to_thread(lease.acquire)
        except LeaseHeld as exc:
            self.unwritable = f"outlet {self.identity.outlet} is being crawled into this archive: {exc}"
            logger.error("%s: this one stops before any fetch", self.unwritable)  # noqa: TRY400
            self.crawler.stats.set_value("archive/error", self.unwritable)
            raise CloseSpider("outlet_leased") from None
        except StoreError as exc:
            logger.warning("the outlet's lease could not be taken (%s): crawling without it", exc)
            return
        self._lease = lease
        self._renewal = asyncio.get_running_loop().create_task(self._renew_lease(lease, ttl / 3))

    async def _renew_lease(self, lease: OutletLease, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(lease.renew)
            except StoreError as exc:
                logger.warning("the outlet's lease could not be renewed: %s", exc)

    async def _release_lease(self) -> None:
        if self._renewal is not None:
            self._renewal.cancel()
        if self._lease is not None:
            try:
                await asyncio.to_thread(self._lease.release)
            except StoreError as exc:
                logger.warning("the outlet's lease could not be released (it expires by itself): %s", exc)

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
        shared = shared_crawl(self.crawler)
        if shared is not None:
            await shared.closed()
        if shared is None or shared.last or shared.refused:
            await self._release_lease()
        elif self._renewal is not None:
            self._renewal.cancel()  # the shared crawl's other workers hold the lease on; the last releases it
        if self._lock is not None:
            self._lock.release()

    async def _write_manifest(self, reason: str) -> None:
        stats = self.crawler.stats
        # This crawl's files: those of earlier crawls stored at its start are listed in their own manifests.
        crawl_id = self.identity.crawl_id
        files = sorted((f for f in self.publisher.files if Path(f.key).name.startswith(crawl_id)), key=lambda f: f.key)
        started_at = self.started_at
        shared = shared_crawl(self.crawler)
        if shared is not None:
            # One manifest per shared crawl, by its last worker: every worker's files, their stats summed.
            whole = await shared.whole_crawl(reason)
            if whole is None:
                return
            stats, files, started_at = whole.stats_collector(self.crawler), whole.files, whole.started_at
            reason = "finished" if whole.finished else reason
        items = int(stats.get_value("item_scraped_count", 0))
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
        drift = await self._check_drift(items, coverage) if self.write_error is None else None
        manifest = {
            "crawl_id": self.identity.crawl_id,
            "outlet": self.identity.outlet,
            "status": status,
            "finish_reason": reason,
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "archive_uri": self.store.uri,
            "scrapyd_job": self.identity.scrapyd_job,
            "files": [{"key": f.key, "size": f.size, "sha256": f.sha256, "stored": f.stored} for f in files],
            "counts": counts,
            "field_coverage": coverage,
            "drift": drift,
            "stats": {k: jsonable(v) for k, v in sorted(stats.get_stats().items())},
        }
        report = crawl_report(status, counts, coverage, len(files))
        if self.write_error is not None:
            # Its open files wait in the spool for recovery, like a killed crawl's: no manifest says it ended whole.
            logger.error("crawl report (no manifest: %s): %s", self.write_error, report)
            return
        key = manifest_key(self.identity.outlet, self.identity.crawl_id)
        try:
            local = await asyncio.to_thread(write_whole, self.publisher.spool_path(key),
                                            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            self.crawler.stats.inc_value("archive/write_failed/manifest")
            self.write_error = self.write_error or f"cannot write the manifest {key}: {exc.strerror or exc}"
            logger.error("cannot write the manifest %s (%s): the crawl's files are kept; run `scrapy archive-sync`",  # noqa: TRY400
                         key, exc.strerror or exc)
            return
        self.publisher.publish(local, key)
        logger.info("crawl report: %s", report)

    async def _check_drift(self, articles: int, coverage: dict[str, float]) -> list[dict[str, Any]] | None:
        """This crawl's coverage against the outlet's earlier crawls (pipelines/archive/drift.py): the fields
        that dropped, each named in one ERROR line, and the `drift/fields_dropped` stat (exit status 6). None
        when no check was made: off, too few articles or earlier crawls, the store unreadable (a warning, never
        the crawl's failure)."""
        if self.drift is None:
            return None
        outlet = self.identity.outlet
        if self.publisher.errors:  # files wait in the spool: reading the store would wait for the same failure
            logger.warning("drift watch: not checked for outlet %s: the store failed during the crawl", outlet)
            return None
        try:
            earlier = await asyncio.to_thread(read_earlier_manifests, self.store, outlet, self.identity.crawl_id,
                                              self.drift)
        except Exception as exc:
            logger.warning("drift watch: not checked for outlet %s: cannot read its earlier manifests (%s)",
                           outlet, exc)
            return None
        found = check_drift(earlier, coverage, articles, self.drift)
        if found.skipped is not None:
            logger.info("drift watch: not checked for outlet %s: %s", outlet, found.skipped)
            return None
        stats = self.crawler.stats
        stats.set_value("drift/baseline_crawls", len(found.baseline))
        if found.drops:
            stats.set_value("drift/fields_dropped", len(found.drops))
            logger.error("drift watch: outlet %s lost fields: %s; has its markup changed? Fix its extractor, "
                         "then `scrapy reextract` this crawl's WARCs", outlet, describe(found.drops))
        return [d.as_json() for d in found.drops]


def write_whole(path: Path, text: str) -> Path:
    """Write under a temporary name, fsync, rename: a file under its final name is always whole."""
    partial = path.with_name(path.name + ".part")
    try:
        with open_new(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return path


def recovery_extractor(settings: BaseSettings) -> ItemAt | None:
    """ARCHIVE_RECOVERY_EXTRACT, bound to the settings: named by its import path, as Scrapy names components,
    because extraction lives upstream of the archive (crawler/reextraction.py)."""
    path = settings.get("ARCHIVE_RECOVERY_EXTRACT")
    if not path:
        return None
    return partial(load_object(path), settings=settings)
