"""Items as gzip JSON Lines batches: items/{outlet}/{YYYY}/{MM}/{DD}/{crawl_id}-{seq:05d}.jsonl.gz.

Scrapy's FEEDS would write the lines, but not through our spool: we need each batch closed under an
`.open` name, renamed, stored and verified by sha256 before the local copy goes, and listed in the
manifest. So batches are written here, and handed to the crawl's Publisher.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.archive import COVERAGE_FIELDS, ArchiveExtension
from pipelines.publisher import OPEN_SUFFIX

__all__ = ["ItemWriterPipeline", "items_key"]

logger = logging.getLogger(__name__)


def items_key(outlet: str, crawl_id: str, seq: int, when: datetime) -> str:
    return f"items/{outlet}/{when:%Y/%m/%d}/{crawl_id}-{seq:05d}.jsonl.gz"


class ItemWriterPipeline:
    """Writes every item as one JSON line; a batch rolls at ITEMS_MAX_COUNT items or ITEMS_MAX_SIZE bytes."""

    # Level 6, not gzip's default 9: a fifth of the CPU per item for batches a few percent larger.
    GZIP_LEVEL = 6

    def __init__(self, crawler: Any, archive: ArchiveExtension, max_count: int, max_size: int) -> None:
        self.crawler = crawler
        self.archive = archive
        self.max_count = max_count
        self.max_size = max_size
        self.seq = 0
        self._raw: IO[bytes] | None = None
        self._gzip: gzip.GzipFile | None = None
        self._path: Path | None = None
        self._key = ""
        self._count = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ItemWriterPipeline:
        settings = crawler.settings
        if not settings.getbool("ITEMS_ENABLED", True):
            raise NotConfigured("ITEMS_ENABLED is off")
        archive = ArchiveExtension.of(crawler)
        if archive is None:
            raise NotConfigured("the archive is off (ARCHIVE_ENABLED)")
        return cls(crawler, archive, settings.getint("ITEMS_MAX_COUNT", 1000),
                   settings.getint("ITEMS_MAX_SIZE", 64 * 1024 * 1024))

    def process_item(self, item: Any) -> Any:
        data = ItemAdapter(item).asdict()
        line = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        if self._gzip is None:
            self._open()
        assert self._gzip is not None
        assert self._raw is not None
        self._gzip.write(line)
        # A sync flush per item: a killed crawl's batch then holds every item that got this far, which
        # pipelines/recovery.py reads back. It costs a few bytes per item, not the compression window.
        self._gzip.flush()
        self._count += 1
        stats = self.crawler.stats
        for name in COVERAGE_FIELDS:
            if data.get(name) not in (None, "", [], {}):
                stats.inc_value(f"items/coverage/{name}")
        stats.inc_value("items/written")
        if self._count >= self.max_count or self._raw.tell() >= self.max_size:
            self._roll()
        return item

    def _open(self) -> None:
        self._key = items_key(self.archive.outlet, self.archive.crawl_id, self.seq, datetime.now(UTC))
        self.seq += 1
        self._path = self.archive.publisher.spool_path(self._key)
        self._raw = self._path.with_name(self._path.name + OPEN_SUFFIX).open("wb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0, compresslevel=self.GZIP_LEVEL)
        self._count = 0

    def _roll(self) -> None:
        if self._gzip is None or self._raw is None or self._path is None:
            return
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self._path.with_name(self._path.name + OPEN_SUFFIX), self._path)
        logger.info("items batch closed: %s (%d items)", self._key, self._count)
        self.archive.publisher.publish(self._path, self._key)
        self._gzip = self._raw = None

    def close_spider(self) -> None:
        self._roll()
