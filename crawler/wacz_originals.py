"""The records a crawl's revisits refer to, copied into one more WARC of its WACZ, so the package replays alone.

A revisit record holds no payload: a player finds the payload in the record it refers to (WARC-Refers-To, or
WARC-Refers-To-Target-URI and -Date), which an earlier crawl wrote into an earlier WARC. A WACZ of the later
crawl alone would answer those URLs with an error (pywb: 503 "Original for revisit record could not be
loaded"). The earlier crawls' CDXJ indexes (indexes/{outlet}/) give each original's file and offset; its
whole gzip member is copied byte for byte (digests and all) into `originals-<crawl>.warc.gz`, after a
warcinfo record saying why the file is there.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from crawler.items import ITEM_URI_PREFIX
from pipelines.archive.cdxj import CdxjEntry, read_indexes
from pipelines.storage.base import Store

logger = logging.getLogger(__name__)

__all__ = [
    "CrawlRecords", "Originals", "Revisit", "copy_originals", "fetch_record", "originals_name", "originals_warcinfo",
    "read_records", "revisit_of",
]


@dataclass(frozen=True)
class Revisit:
    record_id: str
    url: str
    date: str
    refers_to: str
    target_uri: str
    target_date: str


@dataclass
class Originals:
    """What copy_originals wrote: the records copied, from which files, which it could not find."""

    path: Path | None = None
    records: int = 0
    sources: list[str] = field(default_factory=list)
    missing: list[Revisit] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Record id of a copied original → the item an earlier crawl made of it (only those asked for)."""


def originals_name(crawl_id: str) -> str:
    return f"originals-{crawl_id}.warc.gz"


@dataclass
class CrawlRecords:
    """What a package's pages and originals need from its WARCs, read in one pass."""

    dates: dict[str, str] = field(default_factory=dict)
    """Record id → WARC-Date of every response and revisit."""
    held: set[str] = field(default_factory=set)
    """Record ids of every record of the files."""
    revisits: list[Revisit] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def revisits_without_items(self) -> set[str]:
        """The records referred to by revisits that no item of these files came from."""
        with_items = {fetch_record(item) for item in self.items}
        return {r.refers_to for r in self.revisits if r.record_id not in with_items and r.refers_to}


def fetch_record(item: dict[str, Any]) -> str:
    """The record of the fetch an item came from: its revisit record for an unchanged page fetched again (the
    item's `warc` then names the earlier capture holding the body), else its response record."""
    return str((item.get("warc_revisit") or item.get("warc") or {}).get("record_id") or "")


def read_records(warcs: list[Path]) -> CrawlRecords:
    found = CrawlRecords()
    for path in warcs:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                headers = record.rec_headers
                record_id = headers.get_header("WARC-Record-ID") or ""
                if record_id:
                    found.held.add(record_id)
                if record.rec_type in ("response", "revisit"):
                    found.dates[record_id] = headers.get_header("WARC-Date")
                if record.rec_type == "revisit":
                    found.revisits.append(revisit_of(headers))
                elif record.rec_type == "metadata" and (
                        (headers.get_header("WARC-Target-URI") or "").startswith(ITEM_URI_PREFIX)
                        or headers.get_header("Content-Type") == "application/json"):
                    with contextlib.suppress(ValueError):
                        item = json.loads(record.content_stream().read())
                        if isinstance(item, dict):
                            found.items.append(item)
    return found


def originals_warcinfo(settings: BaseSettings, outlet: str, crawl_id: str, tool: str) -> dict[str, str]:
    """The warcinfo of an originals WARC: what it is and why its records are there."""
    return {
        "software": f"{settings.get('PROJECT_NAME')}/{settings.get('PROJECT_VERSION')} ({tool})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": crawl_id,
        "outlet": outlet,
        "description": "The records this crawl's revisit records refer to, written by earlier crawls and "
                       "copied here byte for byte (each its whole gzip member, from the files named in "
                       "copied-from), so that this crawl replays without those files.",
    }


def copy_originals(store: Store, outlet: str, revisits: Iterable[Revisit], *, held: Collection[str], dest: Path,
                   warcinfo: dict[str, str], items_for: Collection[str] = ()) -> Originals:
    """Write to `dest` the original of every revisit whose original is not among `held` (record ids).

    An original that is itself a revisit brings its own original along. `items_for`: record ids of originals
    whose items (from the metadata records beside them) the caller wants, e.g. for its pages list. No file is
    written when no original is needed (or none is found): `path` stays None.
    """
    wanted = [r for r in revisits if r.refers_to not in held]
    done = Originals()
    if not wanted:
        return done
    entries = _index_entries(store, outlet)
    keys = _warc_keys(store, outlet)
    copied: set[str] = set(held)
    members = dest.with_name(dest.name + ".members")
    with members.open("w+b") as out:
        while wanted:
            by_file: dict[str, list[tuple[CdxjEntry, Revisit]]] = defaultdict(list)
            for revisit in wanted:
                entry = entries.get(revisit.refers_to) or entries.get((revisit.target_uri, revisit.target_date))
                if entry is None or entry.filename not in keys:
                    done.missing.append(revisit)
                elif entry.record_id not in copied:
                    copied.add(entry.record_id)
                    by_file[entry.filename].append((entry, revisit))
            wanted = []
            for filename, found in sorted(by_file.items()):
                wanted += _copy_from(store, keys[filename], found, out=out, tmp=dest.parent, done=done,
                                     items_for=items_for)
                if filename not in done.sources:
                    done.sources.append(filename)
        if done.records:
            # The warcinfo record first, naming the files the records come from: known once they are copied.
            out.seek(0)
            with dest.open("wb") as final:
                writer = WARCWriter(final, gzip=True, warc_version="1.1")
                info = {**warcinfo, "records": str(done.records), "copied-from": " ".join(done.sources)}
                writer.write_record(writer.create_warcinfo_record(dest.name, info))
                shutil.copyfileobj(out, final)
            done.path = dest
    members.unlink()
    if done.missing:
        logger.warning("%d revisit(s) of %s whose original is in no index or WARC of the archive will not replay: %s",
                       len(done.missing), outlet, ", ".join(sorted({r.url for r in done.missing})[:5]))
    return done


def _index_entries(store: Store, outlet: str) -> dict[Any, CdxjEntry]:
    """Every capture of the outlet's indexes, by record id and by (URL, WARC-Date)."""
    found: dict[Any, CdxjEntry] = {}
    for _, entries in read_indexes(store, f"indexes/{outlet}/"):
        for entry in entries:
            if entry.record_id and not entry.truncated:
                found.setdefault(entry.record_id, entry)
                found.setdefault((entry.url, entry.warc_date), entry)
    return found


def _warc_keys(store: Store, outlet: str) -> dict[str, str]:
    """File name → key of every WARC of the outlet (indexes name files, not keys)."""
    return {key.rsplit("/", 1)[-1]: key for key in store.keys(f"warc/{outlet}/") if key.endswith(".warc.gz")}


def _copy_from(store: Store, key: str, entries: list[tuple[CdxjEntry, Revisit]], *, out: Any, tmp: Path,
               done: Originals, items_for: Collection[str]) -> list[Revisit]:
    """Append the gzip members of these records of one WARC to `out`; the revisits among them, to resolve next."""
    local = store.download(key, tmp / "earlier" / key.rsplit("/", 1)[-1])
    chained: list[Revisit] = []
    try:
        with local.open("rb") as handle:
            for entry, revisit in sorted(entries, key=lambda pair: pair[0].offset):
                member, record = _member_at(handle, entry.offset)
                if record is None or record.get_header("WARC-Record-ID") != entry.record_id \
                        or not member.startswith(b"\x1f\x8b"):
                    logger.warning("%s at %d: not a gzip member holding %s, as its index says", key, entry.offset,
                                   entry.record_id)
                    done.missing.append(revisit)
                    continue
                out.write(member)
                done.records += 1
                if record.get_header("WARC-Type") == "revisit":
                    chained.append(revisit_of(record))
            wants = {e.record_id for e, _ in entries}.intersection(items_for)
            if wants:
                handle.seek(0)
                done.items.update(_items_of(handle, wants))
    finally:
        if local == tmp / "earlier" / key.rsplit("/", 1)[-1]:  # a copy of ours, not the store's own file
            local.unlink(missing_ok=True)
    return chained


def _member_at(handle: Any, offset: int) -> tuple[bytes, Any]:
    """The whole gzip member at `offset`, as stored, and its record's WARC headers (None: no record there)."""
    handle.seek(offset)
    iterator = ArchiveIterator(handle)
    try:
        record = next(iterator)
        iterator.read_to_end(record)
    except (ArchiveLoadFailed, StopIteration, EOFError, ValueError, zlib.error):
        return b"", None
    length = iterator.get_record_length()
    handle.seek(offset)
    return handle.read(length), record.rec_headers


def revisit_of(headers: Any) -> Revisit:
    """A revisit record's references, from its WARC headers."""
    return Revisit(record_id=headers.get_header("WARC-Record-ID") or "",
                   url=headers.get_header("WARC-Target-URI") or "", date=headers.get_header("WARC-Date") or "",
                   refers_to=headers.get_header("WARC-Refers-To") or "",
                   target_uri=headers.get_header("WARC-Refers-To-Target-URI") or "",
                   target_date=headers.get_header("WARC-Refers-To-Date") or "")


def _items_of(handle: Any, record_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The items held by a WARC's metadata records, for the records they came from."""
    found: dict[str, dict[str, Any]] = {}
    for record in ArchiveIterator(handle):
        if record.rec_type == "metadata" and \
                (record.rec_headers.get_header("WARC-Target-URI") or "").startswith(ITEM_URI_PREFIX):
            with contextlib.suppress(ValueError):
                item = json.loads(record.content_stream().read())
                ref = (item.get("warc") or {}).get("record_id") if isinstance(item, dict) else None
                if ref in record_ids:
                    found[ref] = item
    return found
