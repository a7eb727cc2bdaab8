"""Items from archived response records: `scrapy reextract`, and the items a killed crawl never wrote.

One record → item path, so that a page read again from a WARC gives the item the crawl gave: the warcinfo
record names the outlet and the fetch origin (a mirror's, swapped back), the body is decoded as it was sent
(gzip, br, ... within DOWNLOAD_MAXSIZE), and the page goes through crawler.extractors.page like any other.
What a reader needs is plain values (ExtractionRules, the offsets of revisits' originals), so that the files of
one run can be read by other processes (crawler/reextraction_tasks.py); a scan of each file (`scan_warc`) finds
those offsets, and the outlets whose furniture applies, before any item is extracted.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException

from crawler.crawl import outlet_url
from crawler.extractors.decode import decode_html
from crawler.extractors.page import Normalizer, PageNotParsable, normalized_item
from crawler.items import ArticleItem, WarcRef
from crawler.outlets import Outlet, load_outlets
from crawler.utils.content_encoding import BodyDecodingError, decode_body
from pipelines.archive.furniture import Furniture, strip_furniture
from pipelines.archive.recovery import whole_members_end
from pipelines.items.normalize import normalize_article
from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError

__all__ = ["ExtractionRules", "RecordReader", "WarcScan", "item_at", "read_furniture", "response_offsets",
           "scan_warc"]

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ExtractionRules:
    """What reading records again needs, as plain values: picklable, so that pool processes and Dask workers
    get a copy and need no Scrapy crawler, no settings and no store."""

    outlets: Mapping[str, Outlet]
    date_formats: tuple[str, ...] = ()
    """NORMALIZE_DATE_FORMATS"""
    max_size: int = 0
    """DOWNLOAD_MAXSIZE: the bound of a body once decoded"""
    forced_outlet: str | None = None
    furniture: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Outlet → its learned furniture (pipelines/archive/furniture.py), removed from bodies as the crawl does."""

    @classmethod
    def from_settings(cls, settings: BaseSettings, outlets: Mapping[str, Outlet] | None = None,
                      forced_outlet: str | None = None) -> ExtractionRules:
        """The rules of the settings, without furniture (`read_furniture` reads it, for the outlets met)."""
        return cls(dict(outlets if outlets is not None else load_outlets(settings.get("OUTLETS_FILE") or None)),
                   tuple(settings.getlist("NORMALIZE_DATE_FORMATS")), settings.getint("DOWNLOAD_MAXSIZE"),
                   forced_outlet)

    def outlet_of(self, info: Mapping[str, str]) -> Outlet | None:
        """The outlet of a WARC file's records: the one forced, else the one its warcinfo names."""
        return self.outlets.get(self.forced_outlet or info.get("outlet", ""))


def read_furniture(settings: BaseSettings, outlets: Iterable[str]) -> dict[str, frozenset[str]]:
    """The furniture of each outlet as the archive (ARCHIVE_URI) holds it now; none when it has none, when the
    archive or furniture is off, or when it cannot be read (a warning)."""
    found: dict[str, frozenset[str]] = {}
    if not (settings.getbool("FURNITURE_ENABLED") and settings.getbool("ARCHIVE_ENABLED")):
        return found
    try:
        store = store_from_uri(settings["ARCHIVE_URI"], settings)
    except StoreError:
        return found
    for outlet in sorted(set(outlets)):
        try:
            found[outlet] = Furniture.read_newest(store, outlet, min_share=settings.getfloat("FURNITURE_MIN_SHARE"),
                                                  min_articles=settings.getint("FURNITURE_MIN_ARTICLES")).paragraphs
        except (StoreError, OSError, ValueError) as exc:
            logger.warning("the furniture of %s could not be read: %s", outlet, exc)
    return found


@dataclass
class RecordReader:
    """Items from records, by the rules given; revisits' originals looked up in `payloads`."""

    rules: ExtractionRules
    payloads: Mapping[str, tuple[Path, int]] = field(default_factory=dict)
    """WARC-Record-ID → (file, offset) of response records, for revisits that refer to them."""
    normalize: Normalizer = field(init=False)

    def __post_init__(self) -> None:
        self.normalize = partial(normalize_article, date_formats=self.rules.date_formats)

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
        outlet = self.rules.outlet_of(info)
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
            body = decode_body(body, headers.get_header("Content-Encoding"), self.rules.max_size)
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
        item.body, _ = strip_furniture(item.body, self.rules.furniture.get(outlet.key, frozenset()))
        return item


def item_at(path: Path, offset: int, settings: BaseSettings) -> dict[str, Any] | None:
    """The item of the response record at `offset` of a WARC file of ours, or None when it is no article.

    For pipelines/archive/recovery.py (ARCHIVE_RECOVERY_EXTRACT): a killed crawl's responses whose item was
    never written are extracted again from the WARC.
    """
    rules = ExtractionRules.from_settings(settings)
    with path.open("rb") as handle:
        info = _fields(next(iter(ArchiveIterator(handle))))  # our WARCs begin with their warcinfo
        outlet = rules.outlet_of(info)
        if outlet is not None:
            rules = replace(rules, furniture=read_furniture(settings, [outlet.key]))
        handle.seek(offset)
        iterator = ArchiveIterator(handle)  # its offsets are the file's (it starts from the handle's position)
        record = next(iter(iterator))
        item = RecordReader(rules)._item(record, info, path, iterator)
    return asdict(item) if item is not None else None


@dataclass(frozen=True)
class WarcScan:
    """One WARC file read through before extraction: where its responses are, what its revisits refer to."""

    path: Path
    whole: int
    """Where its last whole gzip member ends (a cut file: short of its size)"""
    size: int
    responses: dict[str, int]
    """WARC-Record-ID → offset of its whole response records"""
    refers_to: frozenset[str]
    """The record ids its revisits refer to (WARC-Refers-To)"""
    outlets: frozenset[str]
    """The outlets its warcinfo records name"""


def scan_warc(path: Path) -> WarcScan:
    """Read a WARC file's record headers (payloads left unread); an unreadable file, or one that is not a WARC,
    scans as what could be read: its extraction says what is wrong with it, in one line."""
    responses: dict[str, int] = {}
    refers_to: set[str] = set()
    outlets: set[str] = set()
    try:
        whole, size = whole_members_end(path)
    except OSError:
        return WarcScan(path, 0, 0, responses, frozenset(), frozenset())
    try:
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                info = _fields(record)  # before the offset: warcio reads a record to its end to give its offset
                if (offset := iterator.get_record_offset()) >= whole:  # one gzip member per record: past it, cut
                    break
                outlets.add(info.get("outlet", ""))
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Record-ID")] = offset
                elif record.rec_type == "revisit":
                    refers_to.add(record.rec_headers.get_header("WARC-Refers-To") or "")
    except (OSError, EOFError, zlib.error, ArchiveLoadFailed, StatusAndHeadersParserException):
        pass  # read as far as it goes
    return WarcScan(path, whole, size, responses, frozenset(refers_to - {""}), frozenset(outlets - {""}))


def response_offsets(scans: Iterable[WarcScan]) -> dict[str, tuple[Path, int]]:
    """Where each response record of the scanned files starts, by WARC-Record-ID (revisits point there)."""
    return {record_id: (scan.path, offset) for scan in scans for record_id, offset in scan.responses.items()}


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
