"""Items from archived response records: `scrapy reextract`, and the items a killed crawl never wrote.

One record → item path, so that a page read again from a WARC gives the item the crawl gave: the warcinfo
record names the outlet and the fetch origin (a mirror's, swapped back), the body is decoded as it was sent
(gzip, br, ... within DOWNLOAD_MAXSIZE), and the page goes through crawler.extractors.page like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from crawler.crawl import outlet_url
from crawler.extractors.decode import decode_html
from crawler.extractors.page import Normalizer, PageNotParsable, normalized_item
from crawler.items import ArticleItem, WarcRef
from crawler.outlets import Outlet, load_outlets
from crawler.utils.content_encoding import BodyDecodingError, decode_body
from pipelines.archive.furniture import Furniture, strip_furniture
from pipelines.items.normalize import normalize_article
from pipelines.storage import store_from_uri
from pipelines.storage.base import Store, StoreError

__all__ = ["RecordReader", "item_at", "response_offsets"]

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class RecordReader:
    """What reading records again needs: the outlets, the normal form, the size bound, revisits' originals."""

    outlets: Mapping[str, Outlet]
    normalize: Normalizer
    max_size: int
    forced_outlet: str | None = None
    payloads: dict[str, tuple[Path, int]] = field(default_factory=dict)
    """WARC-Record-ID → (file, offset) of response records, for revisits that refer to them."""
    store: Store | None = None
    """The archive, whose learned furniture (pipelines/archive/furniture.py) is removed as the crawl removes it."""
    furniture: dict[str, frozenset[str]] = field(default_factory=dict)
    settings: BaseSettings | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings, outlets: Mapping[str, Outlet] | None = None,
                      forced_outlet: str | None = None) -> RecordReader:
        store = None
        if settings.getbool("FURNITURE_ENABLED") and settings.getbool("ARCHIVE_ENABLED"):
            try:
                store = store_from_uri(settings["ARCHIVE_URI"], settings)
            except StoreError:
                store = None
        return cls(outlets if outlets is not None else load_outlets(settings.get("OUTLETS_FILE") or None),
                   partial(normalize_article, date_formats=settings.getlist("NORMALIZE_DATE_FORMATS")),
                   settings.getint("DOWNLOAD_MAXSIZE"), forced_outlet, store=store, settings=settings)

    def furniture_of(self, outlet: str) -> frozenset[str]:
        """The outlet's furniture as the archive holds it now (none when it has none or cannot be read)."""
        if outlet not in self.furniture:
            found: frozenset[str] = frozenset()
            if self.store is not None and self.settings is not None:
                try:
                    found = Furniture.read_newest(self.store, outlet,
                                                  min_share=self.settings.getfloat("FURNITURE_MIN_SHARE"),
                                                  min_articles=self.settings.getint("FURNITURE_MIN_ARTICLES")).paragraphs
                except (StoreError, OSError, ValueError) as exc:
                    logger.warning("the furniture of %s could not be read: %s", outlet, exc)
            self.furniture[outlet] = found
        return self.furniture[outlet]

    def items_of(self, path: Path, *, end: int | None = None) -> Iterator[ArticleItem]:
        """The items of every article response (and revisit) of a WARC file, in file order; with `end`, of the
        records that begin before it (a cut file: where its last whole gzip member ends)."""
        info: dict[str, str] = {}
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type == "warcinfo":
                    info = _fields(record)
                    continue
                item = self._item(record, info, path, iterator)
                if item is None:
                    continue
                # Where this fetch's record lies (its revisit's, for an unchanged page): past `end`, it was cut.
                ref = item.warc_revisit or item.warc
                if end is not None and ref is not None and ref["offset"] + ref["length"] > end:
                    break
                yield item

    def _item(self, record: ArcWarcRecord, info: dict[str, str], path: Path,
              iterator: ArchiveIterator) -> ArticleItem | None:
        if record.rec_type not in ("response", "revisit") or record.http_headers is None:
            return None
        if record.http_headers.get_statuscode() != "200":
            return None
        outlet = self.outlets.get(self.forced_outlet or info.get("outlet", ""))
        if outlet is None:
            return None
        fetched_url = record.rec_headers.get_header("WARC-Target-URI")
        own_url = outlet_url(fetched_url, info.get("fetch-origin", ""), outlet.origin)
        if not outlet.is_article_path(urlsplit(own_url).path):
            return None
        headers: StatusAndHeaders = record.http_headers
        original: WarcRef | None = None
        if record.rec_type == "revisit":
            target = self.payloads.get(record.rec_headers.get_header("WARC-Refers-To") or "")
            if target is None:
                logger.warning("revisit of a record not among the files given, skipped: %s", fetched_url)
                return None
            body, headers, original = _payload_at(*target)
        else:
            body = record.raw_stream.read()  # as sent: still encoded
        iterator.read_to_end(record)
        ref: WarcRef = {
            "filename": path.name,
            "offset": iterator.get_record_offset(),
            "length": iterator.get_record_length(),
            "record_id": record.rec_headers.get_header("WARC-Record-ID"),
            "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
        }
        # As the crawl points: at the record holding the body, and an unchanged page's revisit beside it.
        revisit, ref = (ref, original) if original is not None else (None, ref)
        try:
            body = decode_body(body, headers.get_header("Content-Encoding"), self.max_size)
        except BodyDecodingError as exc:
            logger.warning("not re-extracted: %s (%s)", fetched_url, exc)
            return None
        content_type = headers.get_header("Content-Type") or ""
        if content_type and content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
            return None
        _, html = decode_html(body, content_type)  # as `scrapy extract` decodes a page
        try:
            item = normalized_item(outlet, html, own_url, self.normalize, fetched_url=fetched_url,
                                   fetched_at=record.rec_headers.get_header("WARC-Date"),
                                   crawl_id=info.get("isPartOf"), warc=ref, warc_revisit=revisit)
        except PageNotParsable as exc:
            logger.warning("not re-extracted: %s (%s)", fetched_url, exc)
            return None
        item.body, _ = strip_furniture(item.body, self.furniture_of(outlet.key))
        return item


def item_at(path: Path, offset: int, settings: BaseSettings) -> dict[str, Any] | None:
    """The item of the response record at `offset` of a WARC file of ours, or None when it is no article.

    For pipelines/archive/recovery.py (ARCHIVE_RECOVERY_EXTRACT): a killed crawl's responses whose item was
    never written are extracted again from the WARC.
    """
    reader = RecordReader.from_settings(settings)
    with path.open("rb") as handle:
        info = _fields(next(iter(ArchiveIterator(handle))))  # our WARCs begin with their warcinfo
        handle.seek(offset)
        iterator = ArchiveIterator(handle)  # its offsets are the file's (it starts from the handle's position)
        record = next(iter(iterator))
        item = reader._item(record, info, path, iterator)
    return asdict(item) if item is not None else None


def response_offsets(files: list[Path]) -> dict[str, tuple[Path, int]]:
    """Where each response record of the given files starts, by WARC-Record-ID (revisits point there)."""
    found: dict[str, tuple[Path, int]] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                iterator = ArchiveIterator(handle)
                for record in iterator:
                    if record.rec_type == "response":
                        found[record.rec_headers.get_header("WARC-Record-ID")] = (path, iterator.get_record_offset())
        except (OSError, ArchiveLoadFailed):  # unreadable or not a WARC: the caller says so, file by file
            continue
    return found


def _fields(record: ArcWarcRecord) -> dict[str, str]:
    if record.rec_type != "warcinfo":
        return {}
    text = record.content_stream().read().decode("utf-8", "replace")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def _payload_at(path: Path, offset: int) -> tuple[bytes, Any, WarcRef]:
    """The body and headers of the response record at `offset`, and where it is."""
    with path.open("rb") as handle:
        handle.seek(offset)
        iterator = ArchiveIterator(handle)
        record = next(iter(iterator))
        body, headers = record.raw_stream.read(), record.http_headers
        iterator.read_to_end(record)
        where: WarcRef = {"filename": path.name, "offset": offset, "length": iterator.get_record_length(),
                          "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                          "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest")}
        return body, headers, where
