"""The crawl's WARC writer: an extension (EXTENSIONS) that the capture middleware and the metadata pipeline
find through `crawler.get_extension(WarcWriter)`. WARC/1.1 through warcio: warcinfo first, request/response
pairs, revisits, metadata records.

One gzip member per record (pipelines/warc/records.py); files roll at WARC_MAX_SIZE and are written under an
`.open` name, flushed after every exchange's pair of records and every metadata record (so a killed crawl leaves
only whole records behind it, bar the last), fsynced and
renamed on close, then handed to the crawl's Publisher. At the end, a CDXJ index of every record
written goes to indexes/{outlet}/{crawl_id}.cdxj. Files close on the archive's `archive_closing` signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.crawl import CrawlIdentity
from crawler.extensions.crawl import crawl_identity
from crawler.extensions.shared_crawl import file_stem
from crawler.items import ITEM_URI_PREFIX
from crawler.utils.seen import spill_folder
from pipelines.archive.cdxj import CdxjEntry, cdxj_line
from pipelines.archive.extension import ArchiveExtension, ArchiveWriteError, archive_closing
from pipelines.archive.payloads import Capture, Payloads
from pipelines.storage.spool import OPEN_SUFFIX, Publisher, open_new
from pipelines.warc.metadata_json import metadata_json
from pipelines.warc.records import LeveledWARCWriter, WireHeaders, sha1_digest

__all__ = ["ITEM_URI_PREFIX", "Exchange", "WarcWriter", "payload_digest", "warc_key"]

logger = logging.getLogger(__name__)



INDEX_SORT_CHUNK = 2_000
"""Index lines (~450 bytes each) sorted in memory at a time: beyond it, sorted runs on disk are merged. 2,000 lines
hold ~1.3 MB while sorted (10,000 held 17 MB, the crawl's high-water mark at its close); the merge costs the same."""


def sort_lines(source: Path, target: Path, chunk: int) -> None:
    """`source`'s lines sorted into `target` with at most `chunk` lines in memory: sorted runs of `chunk` lines
    written beside `target`, then merged (heapq.merge), so that closing a crawl of any size holds no more of its
    index than a crawl of `chunk` records (a 40,000-record index held whole had cost the close ~17 MB of RSS)."""
    runs: list[Path] = []
    with source.open(encoding="utf-8") as lines:
        while batch := list(itertools.islice(lines, chunk)):
            batch.sort()
            if not runs and len(batch) < chunk:  # all of it in one run: written straight to the target
                with target.open("w", encoding="utf-8") as out:
                    out.writelines(batch)  # (not "".join(batch): a second copy of the run, and a third encoded)
                return
            # (named as an open file, which the spool never publishes, and recovery removes if the close is killed)
            run = target.with_name(f"{target.name}.run{len(runs)}{OPEN_SUFFIX}")
            with run.open("w", encoding="utf-8") as out:
                out.writelines(batch)
            runs.append(run)
    if not runs:
        target.write_text("", encoding="utf-8")
        return
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(run.open(encoding="utf-8")) for run in runs]
        with target.open("w", encoding="utf-8") as out:
            out.writelines(heapq.merge(*opened))
    for run in runs:
        run.unlink()


def warc_key(outlet: str, crawl_id: str, seq: int, when: datetime) -> str:
    return f"warc/{outlet}/{when:%Y/%m/%d}/{crawl_id}-{seq:05d}.warc.gz"


def payload_digest(body: bytes) -> str:
    """WARC's payload digest: sha1 of the entity body as transferred, base32."""
    return sha1_digest(body)


@dataclass(kw_only=True)
class Exchange:
    """One HTTP request and its response, as they went over the wire (see crawler.middlewares.warc_capture)."""

    url: str
    method: str
    request_target: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    protocol: str
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None
    started_at: datetime
    truncated: str | None = None
    """WARC-Truncated's value ('length', 'time', ...) when the body was cut."""
    notes: dict[str, str] = field(default_factory=dict)
    """Extra WARC header fields saying what the client did to the message (e.g. de-chunking)."""


class WarcWriter:
    """The crawl's WARC files. All writing happens in one worker thread, in arrival order."""

    def __init__(self, crawler: Crawler, max_size: int, gzip_level: int) -> None:
        self.crawler = crawler
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.seq = 0
        # This crawl's payloads (the earlier crawls' table replaces it, when there is one), under SCHEDULER_SPILL_DIR
        self.seen = Payloads(spill_folder(crawler.settings))
        # CDXJ lines go to disk as records are written and are sorted once at the end: memory stays flat.
        self._index_lines: IO[str] | None = None
        self._index_count = 0
        self._file: IO[bytes] | None = None
        self._size = 0  # bytes in the open file: counted, not asked of the file (a seek per call)
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self._key = ""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-writer")
        self._loaded = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._archive: ArchiveExtension | None = None
        self._failed: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriter:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("the archive is off (ARCHIVE_ENABLED)")
        writer = cls(crawler, settings.getint("WARC_MAX_SIZE"), settings.getint("WARC_GZIP_LEVEL"))
        crawler.signals.connect(writer.close, signal=archive_closing)
        return writer

    @property
    def archive(self) -> ArchiveExtension:
        # Found at first use: extensions cannot look each other up while they are being built.
        if self._archive is None:
            archive = self.crawler.get_extension(ArchiveExtension)
            if archive is None:
                raise RuntimeError("WarcWriter needs ArchiveExtension in EXTENSIONS")
            self._archive = archive
        return self._archive

    @property
    def identity(self) -> CrawlIdentity:
        return crawl_identity(self.crawler)

    @property
    def publisher(self) -> Publisher:
        return self.archive.publisher

    # Public API: coroutines that run the blocking work in the writer thread.

    async def write_exchange(self, exchange: Exchange) -> dict[str, Any]:
        """Write a request/response pair; ArchiveWriteError when the file cannot be written (the crawl stops)."""
        ref: dict[str, Any] = await self._guarded(self._write_exchange, exchange)
        return ref

    async def write_metadata(self, url: str, concurrent_to: str, item: dict[str, Any]) -> None:
        await self._guarded(self._write_metadata, url, concurrent_to, item)

    async def _guarded(self, func: Any, *args: Any) -> Any:
        if self._failed is not None:
            raise ArchiveWriteError(self._failed)
        try:
            return await self._run(func, *args)
        except OSError as exc:
            # A full disk or an I/O error: nothing more is written; the open file keeps its whole records and
            # stays in the spool (.open) for recovery, which cuts the record this write left half-done.
            self._failed = f"WARC not written: {exc.strerror or exc}"
            self.archive.write_failed("warc", exc)
            raise ArchiveWriteError(self._failed) from None

    async def close(self) -> None:
        if self._loop is None:  # nothing was ever written
            self._thread.shutdown(wait=True)
            return
        if self._failed is not None:
            await self._run(self._abandon)
            self._thread.shutdown(wait=True)
            return
        await self._run(self._close_file)
        if self._index_count:
            await self._run(self._write_index)
        self._thread.shutdown(wait=True)

    async def _run(self, func: Any, *args: Any) -> Any:
        self._loop = asyncio.get_running_loop()
        return await self._loop.run_in_executor(self._thread, func, *args)

    # The writer thread.

    def _load_earlier_captures(self) -> None:
        """Payloads archived by earlier crawls of this outlet under the same ARCHIVE_URI, from their indexes."""
        self._loaded = True
        if not self.crawler.settings.getbool("WARC_REVISITS"):
            return
        try:
            earlier = self.archive.earlier_crawls()
        except Exception as exc:
            logger.warning("earlier crawls' indexes could not be read, no revisits against them: %s", exc)
            return
        # The table is the writer's from here on: this crawl's captures join it.
        self.seen = earlier.payloads
        if earlier.crawls:
            logger.info("%d payloads known from %d earlier crawl index(es)", len(self.seen), earlier.crawls)

    def _ensure_file(self) -> WARCWriter:
        if self._writer is not None:
            return self._writer
        now = datetime.now(UTC)
        self._key = warc_key(self.identity.outlet, file_stem(self.crawler), self.seq, now)
        self.seq += 1
        self._path = self.publisher.spool_path(self._key)
        self._file = open_new(self._path.with_name(self._path.name + OPEN_SUFFIX), "wb")
        self._writer = LeveledWARCWriter(self._file, gzip=True, warc_version="1.1", level=self.gzip_level)
        self._writer.write_record(self._writer.create_warcinfo_record(self._path.name, self._warcinfo()))
        self._size = self._file.tell()
        return self._writer

    def _warcinfo(self) -> dict[str, str]:
        settings = self.crawler.settings
        identity = self.identity
        return {
            "software": f"{settings.get('PROJECT_NAME')}/{settings.get('PROJECT_VERSION')} "
                        f"(Scrapy {scrapy.__version__}; warcio {version('warcio')}; "
                        f"Python {platform.python_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": identity.crawl_id,
            "outlet": identity.outlet,
            "outlet-origin": identity.outlet_origin,
            "fetch-origin": identity.fetch_origin,
            "scrapyd-job": identity.scrapyd_job or "",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "operator": settings.get("ARCHIVE_OPERATOR") or "",
            "contact": settings.get("ARCHIVE_CONTACT_URL") or "",
            "hostname": platform.node(),
        }

    def _write_exchange(self, ex: Exchange) -> dict[str, Any]:
        if not self._loaded:
            self._load_earlier_captures()
        writer = self._ensure_file()
        assert self._file is not None
        date = datetime_to_iso_date(ex.started_at.astimezone(UTC).replace(tzinfo=None), use_micros=True)
        digest = payload_digest(ex.body)
        http_headers = WireHeaders(f"{ex.status} {ex.reason}".strip(), ex.response_headers, protocol=ex.protocol)
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if ex.ip_address:
            warc_headers["WARC-IP-Address"] = ex.ip_address
        warc_headers.update(ex.notes)
        # A cut body is not the payload it would have been: it neither refers to nor stands for a capture.
        whole = ex.status == 200 and bool(ex.body) and not ex.truncated
        earlier = self.seen.get(digest) if whole else None
        if earlier is not None:
            warc_headers["WARC-Refers-To"] = earlier.record_id
            record = writer.create_revisit_record(ex.url, digest, earlier.url, earlier.date,
                                                  http_headers=http_headers, warc_headers_dict=warc_headers)
        else:
            warc_headers["WARC-Payload-Digest"] = digest
            if ex.truncated:
                warc_headers["WARC-Truncated"] = ex.truncated
            record = writer.create_warc_record(ex.url, "response", payload=BytesIO(ex.body), length=len(ex.body),
                                               http_headers=http_headers, warc_headers_dict=warc_headers)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        member = writer.record_bytes(record)
        request = writer.create_warc_record(
            ex.url, "request", payload=BytesIO(ex.request_body), length=len(ex.request_body),
            http_headers=WireHeaders(f"{ex.method} {ex.request_target} {ex.protocol}", ex.request_headers,
                                     is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        request_member = writer.record_bytes(request)
        # One flush for both members: a killed crawl leaves whole records, bar the last.
        offset, length = self._size, len(member)
        self._file.write(member)
        self._file.write(request_member)
        self._file.flush()
        self._size += length + len(request_member)
        # Counted once written: a full disk must not leave stats that claim records it refused.
        stats = self.crawler.stats
        stats.inc_value("warc/revisit_records" if earlier is not None else "warc/response_records")
        stats.inc_value("warc/bytes_written", length + len(request_member))
        assert self._path is not None
        if earlier is None and whole:
            self.seen.setdefault(digest, Capture(ex.url, date, record_id, self._path.name, offset, length))
        mime = next((v for k, v in ex.response_headers if k.lower() == "content-type"), "")
        self._add_to_index(CdxjEntry(
            url=ex.url, warc_date=date, status=ex.status, mime=mime.split(";")[0].strip(), digest=digest,
            length=length, offset=offset, filename=self._path.name, record_id=record_id,
            record_type="revisit" if earlier else "response", truncated=ex.truncated,
        ))
        ref = {"filename": self._path.name, "offset": offset, "length": length, "record_id": record_id,
               "payload_digest": digest}
        if earlier is not None:
            # The item's pointer reaches the body: the earlier capture's record; this fetch's revisit beside it.
            ref = {"filename": earlier.filename, "offset": earlier.offset, "length": earlier.length,
                   "record_id": earlier.record_id, "payload_digest": digest, "revisit": ref}
        if self._size >= self.max_size:
            self._close_file()
        return ref

    def _write_metadata(self, url: str, concurrent_to: str, item: dict[str, Any]) -> None:
        writer = self._ensure_file()
        assert self._file is not None
        payload = metadata_json(item)  # json.dumps(item, ensure_ascii=False)'s bytes
        # Not the page's own URI: pywb indexes metadata records and would replay this JSON in place of the page.
        record = writer.create_warc_record(
            ITEM_URI_PREFIX + url, "metadata", payload=BytesIO(payload), length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Concurrent-To": concurrent_to},
        )
        member = writer.record_bytes(record)
        self._file.write(member)
        self._file.flush()
        self._size += len(member)
        self.crawler.stats.inc_value("warc/metadata_records")
        if self._size >= self.max_size:
            self._close_file()

    def _abandon(self) -> None:
        """After a failed write: close the handles, rename nothing; recovery finishes the open files."""
        for handle in (self._file, self._index_lines):
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()
        self._file = self._writer = self._path = self._index_lines = None

    def _close_file(self) -> None:
        if self._file is None or self._path is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._path.with_name(self._path.name + OPEN_SUFFIX), self._path)
        logger.info("WARC closed: %s", self._key)
        path, key = self._path, self._key
        self._file = self._writer = self._path = None
        self.crawler.stats.inc_value("warc/files")
        self._publish(path, key)

    def _publish(self, path: Path, key: str) -> None:
        # Publisher.publish belongs to the reactor's loop; this runs in the writer thread.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.publisher.publish, path, key)

    def _index_key(self) -> str:
        # A worker of a shared crawl writes its part (its file stem); the last worker merges the parts.
        return f"indexes/{self.identity.outlet}/{file_stem(self.crawler)}.cdxj"

    def _add_to_index(self, entry: CdxjEntry) -> None:
        if self._index_lines is None:
            unsorted = self.publisher.spool_path(self._index_key() + ".unsorted" + OPEN_SUFFIX)
            self._index_lines = open_new(unsorted, "w", encoding="utf-8")
        self._index_lines.write(cdxj_line(entry))
        self._index_lines.flush()  # after its record, like the record: what a killed crawl leaves is consistent
        self._index_count += 1

    def _write_index(self) -> None:
        assert self._index_lines is not None
        key = self._index_key()
        path = self.publisher.spool_path(key)
        unsorted = Path(self._index_lines.name)
        self._index_lines.close()
        sort_lines(unsorted, path, INDEX_SORT_CHUNK)
        unsorted.unlink()
        self._publish(path, key)
