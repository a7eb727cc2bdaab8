"""Items as gzip JSON Lines batches: items/{outlet}/{YYYY}/{MM}/{DD}/{crawl_id}-{seq:05d}.jsonl.gz.

Scrapy's FEEDS would write the lines, but not through our spool: we need each batch closed under an
`.open` name, renamed, stored and verified by sha256 before the local copy goes, and listed in the
manifest. So batches are written here, and handed to the crawl's Publisher. Like the WARC writer, all file
work (gzip, flush, fsync, rename) runs in one worker thread, in arrival order, off the reactor; batches close
on the archive's `archive_closing` signal.

A batch is one gzip stream, sync-flushed to the file after every item: a crawl killed at any moment leaves a batch
whose every item written before the kill reads back (pipelines/archive/recovery.py). zlib-ng's GzipNGFile writes it,
gzip.GzipFile's twin on zlib-ng: the same format for a third of the standard zlib's CPU at the same level
(ITEMS_GZIP_LEVEL).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from zlib_ng import gzip_ng

from crawler.extensions.crawl import crawl_identity
from crawler.extensions.shared_crawl import file_stem
from pipelines.archive.extension import ArchiveExtension, archive_closing
from pipelines.archive.manifest import COVERAGE_FIELDS
from pipelines.storage.spool import OPEN_SUFFIX, open_new

__all__ = ["BatchStream", "ItemWriterPipeline", "item_line", "items_key"]

logger = logging.getLogger(__name__)



def item_line(data: dict[str, Any]) -> bytes:
    """The item's batch line: json.dumps(data, ensure_ascii=False, separators=(",", ":")) in UTF-8, and a newline.

    orjson writes those very bytes for what an item holds (strings, whole numbers, lists, mappings, null; every
    string escape as json's: tests/test_item_writer.py compares them) at a seventh of the standard encoder's CPU
    (~15 against ~95 µs for bench's 17 KB items); a string that is not Unicode text (a lone surrogate) fails either
    way, as an error of that item."""
    return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)


def items_key(outlet: str, crawl_id: str, seq: int, when: datetime) -> str:
    return f"items/{outlet}/{when:%Y/%m/%d}/{crawl_id}-{seq:05d}.jsonl.gz"


class BatchStream:
    """An open batch file: one gzip stream, flushed through to the file after every line."""

    def __init__(self, path: Path, level: int) -> None:
        self._file = open_new(path, "wb")
        # gzip.GzipFile's own interface (gzip_ng is untyped).
        self._gzip: gzip.GzipFile = gzip_ng.GzipNGFile(  # type: ignore[no-untyped-call]
            fileobj=self._file, mode="wb", mtime=0, compresslevel=level)

    @property
    def size(self) -> int:
        """Bytes in the file."""
        return self._file.tell()

    def write(self, line: bytes) -> None:
        self._gzip.write(line)
        # A sync flush per line, through to the file: a killed crawl's batch then holds every item that got this
        # far, which pipelines/archive/recovery.py reads back. It costs a few bytes per item, not the window.
        self._gzip.flush()

    def close(self) -> None:
        """The end of the stream (its last block and gzip's trailer), on disk."""
        self._gzip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abandon(self) -> None:
        """After a failed write: the handle closed, the file left as it is, for recovery."""
        with contextlib.suppress(OSError):
            self._file.close()


class ItemWriterPipeline:
    """Writes every item as one JSON line; a batch rolls at ITEMS_MAX_COUNT items or ITEMS_MAX_SIZE bytes."""

    def __init__(self, crawler: Crawler, archive: ArchiveExtension, max_count: int, max_size: int,
                 gzip_level: int) -> None:
        self.crawler = crawler
        self.archive = archive
        self.max_count = max_count
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.seq = 0
        self._batch: BatchStream | None = None
        self._path: Path | None = None
        self._key = ""
        self._count = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="item-writer")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failed: str | None = None
        # Items written with each field present, counted here and added to the stats (items/coverage/*, which the
        # manifest reads) when the batches close: 18 calls into Scrapy's stats an item cost ~30 µs, its stats
        # collector wrapping every attribute read.
        self._coverage = dict.fromkeys(COVERAGE_FIELDS, 0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemWriterPipeline:
        settings = crawler.settings
        if not settings.getbool("ITEMS_ENABLED"):
            raise NotConfigured("ITEMS_ENABLED is off")
        archive = crawler.get_extension(ArchiveExtension)
        if archive is None:
            raise NotConfigured("the archive is off (ARCHIVE_ENABLED)")
        pipeline = cls(crawler, archive, settings.getint("ITEMS_MAX_COUNT"), settings.getint("ITEMS_MAX_SIZE"),
                       settings.getint("ITEMS_GZIP_LEVEL"))
        crawler.signals.connect(pipeline.close, signal=archive_closing)
        return pipeline

    async def process_item(self, item: Any) -> Any:
        data = dict(ItemAdapter(item))  # read, never changed: no deep copy (asdict's) to serialize it
        line = item_line(data)
        self._loop = asyncio.get_running_loop()
        if self._failed is not None:
            raise DropItem(f"not written ({self._failed}): {data.get('url')}")
        try:
            await self._loop.run_in_executor(self._thread, self._write, line)
        except OSError as exc:
            # A full disk: the open batch keeps its whole lines in the spool (.open) for recovery, and the
            # item itself is in the WARC's metadata record, from which recovery writes it again.
            self._failed = exc.strerror or str(exc)
            self.archive.write_failed("items", exc)
            raise DropItem(f"not written ({self._failed}): {data.get('url')}") from None
        coverage = self._coverage
        for name in COVERAGE_FIELDS:
            if data.get(name) not in (None, "", [], {}):
                coverage[name] += 1
        self.crawler.stats.inc_value("items/written")
        return item

    async def close(self) -> None:
        """Close the open batch (archive_closing): its file goes to the spool like every other."""
        inc = self.crawler.stats.inc_value
        for name, count in self._coverage.items():
            if count:
                inc(f"items/coverage/{name}", count)
        self._coverage = dict.fromkeys(COVERAGE_FIELDS, 0)
        if self._loop is not None:
            await self._loop.run_in_executor(self._thread, self._abandon if self._failed else self._roll)
        self._thread.shutdown(wait=True)

    def _abandon(self) -> None:
        if self._batch is not None:
            self._batch.abandon()
        self._batch = None

    # The writer thread.

    def _write(self, line: bytes) -> None:
        batch = self._batch or self._open()
        batch.write(line)
        self._count += 1
        if self._count >= self.max_count or batch.size >= self.max_size:
            self._roll()

    def _open(self) -> BatchStream:
        identity = crawl_identity(self.crawler)
        self._key = items_key(identity.outlet, file_stem(self.crawler), self.seq, datetime.now(UTC))
        self.seq += 1
        self._path = self.archive.publisher.spool_path(self._key)
        self._batch = BatchStream(self._path.with_name(self._path.name + OPEN_SUFFIX), self.gzip_level)
        self._count = 0
        return self._batch

    def _roll(self) -> None:
        if self._batch is None or self._path is None:
            return
        self._batch.close()
        os.replace(self._path.with_name(self._path.name + OPEN_SUFFIX), self._path)
        logger.info("items batch closed: %s (%d items)", self._key, self._count)
        # Publisher.publish belongs to the reactor's loop; this runs in the writer thread.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.archive.publisher.publish, self._path, self._key)
        self._batch = None
