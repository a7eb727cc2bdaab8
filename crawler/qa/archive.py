"""What `scrapy qa` checks, read from the archive: a crawl's article pages and the WARCs that replay them.

The crawl is its manifest (`crawls/{outlet}/{crawl_id}.json`). Its article pages are its items, read from the
item batches the manifest lists, or, for a crawl written without batches, from the metadata records of its
WARCs; each page is replayed at the time of this crawl's record of it (`warc_revisit` for an unchanged page,
else `warc`; the crawl's index, `indexes/{outlet}/{crawl_id}.cdxj`, maps record ids to dates). A revisit record
replays from the earlier capture of its payload: the earlier crawl's WARC holding it comes along.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.items import ITEM_URI_PREFIX
from crawler.qa.browser import Page
from pipelines.archive.cdxj import CdxjEntry, read_cdxj, read_indexes
from pipelines.archive.manifest import manifest_key
from pipelines.storage.base import Store

__all__ = ["CrawlNotFoundError", "CrawlToCheck", "load_crawl", "timestamp14"]

logger = logging.getLogger(__name__)


class CrawlNotFoundError(LookupError):
    """No manifest for this outlet and crawl id in the archive."""


@dataclass
class CrawlToCheck:
    outlet: str
    crawl_id: str
    manifest: dict[str, Any]
    pages: list[Page] = field(default_factory=list)
    warcs: list[Path] = field(default_factory=list)
    """Local copies of the crawl's WARCs, then of the earlier WARCs its revisit records need."""
    earlier_warcs: int = 0


def timestamp14(date: str) -> str:
    """pywb's 14-digit timestamp of an ISO 8601 date: 2026-11-30T16:00:11.5Z → 20261130160011."""
    return "".join(ch for ch in date if ch.isdigit())[:14]


def load_crawl(store: Store, outlet: str, crawl_id: str, workdir: Path) -> CrawlToCheck:
    """The crawl's pages, and its WARCs downloaded under workdir (a folder store's files are used in place)."""
    key = manifest_key(outlet, crawl_id)
    if store.head(key) is None:
        raise CrawlNotFoundError(f"no crawl {crawl_id!r} of outlet {outlet!r} in {store.uri} (no {key})")
    manifest = json.loads(store.read(key))
    crawl = CrawlToCheck(outlet=outlet, crawl_id=crawl_id, manifest=manifest)
    files = [f["key"] for f in manifest.get("files", []) if isinstance(f, dict) and f.get("key")]
    missing = [k for k in files if k.startswith(("warc/", "items/")) and store.head(k) is None]
    for k in missing:
        logger.warning("listed in the manifest but not in %s: %s", store.uri, k)
    index_key = f"indexes/{outlet}/{crawl_id}.cdxj"
    entries = list(read_cdxj(store.read(index_key))) if store.head(index_key) is not None else []
    dates = {e.record_id: e.warc_date for e in entries if e.record_id}
    for k in files:
        if k.startswith("warc/") and k not in missing:
            logger.info("fetching %s", k)
            crawl.warcs.append(store.download(k, workdir / "warc" / Path(k).name))
    batches = [store.download(k, workdir / "items" / Path(k).name) for k in files
               if k.startswith("items/") and k not in missing]
    items = list(_batch_items(batches)) if batches else list(_metadata_items(crawl.warcs, dates))
    crawl.pages = _pages(items, dates)
    earlier = _earlier_warc_keys(store, outlet, crawl_id, entries)
    for k in earlier:
        logger.info("fetching %s (earlier captures that revisit records of this crawl replay)", k)
        crawl.warcs.append(store.download(k, workdir / "warc" / Path(k).name))
    crawl.earlier_warcs = len(earlier)
    return crawl


def _batch_items(batches: list[Path]) -> Iterator[dict[str, Any]]:
    for path in batches:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def _metadata_items(warcs: list[Path], dates: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Items kept in the WARCs' metadata records; `dates` learns the date of every response record too."""
    for path in warcs:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                headers = record.rec_headers
                if record.rec_type in ("response", "revisit"):
                    dates.setdefault(headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Date"))
                elif (record.rec_type == "metadata"
                      and (headers.get_header("WARC-Target-URI") or "").startswith(ITEM_URI_PREFIX)):
                    try:
                        yield json.loads(record.content_stream().read())
                    except ValueError:
                        logger.warning("an item metadata record of %s is not JSON", path.name)


def _pages(items: Iterable[dict[str, Any]], dates: dict[str, str]) -> list[Page]:
    pages: dict[tuple[str, str], Page] = {}
    for item in items:
        url = item.get("fetched_url") or item.get("url")
        if not url:
            continue
        # This crawl's record of the page: its revisit record when the page was unchanged (then `warc` names
        # the earlier capture holding the body), else its response record.
        record = (item.get("warc_revisit") or item.get("warc") or {}).get("record_id", "")
        date = dates.get(record) or item.get("fetched_at") or ""
        stamp = timestamp14(date)
        if len(stamp) < 8:
            logger.warning("no capture time for %s: left out", url)
            continue
        pages.setdefault((url, stamp), Page(url=url, timestamp=stamp, title=item.get("title") or ""))
    return list(pages.values())


def _earlier_warc_keys(store: Store, outlet: str, crawl_id: str, entries: list[CdxjEntry]) -> list[str]:
    """Keys of the earlier WARCs holding the first capture of each payload this crawl archived as a revisit."""
    # A revisit of a payload this crawl captured itself replays from this crawl's own WARCs.
    wanted = ({e.digest for e in entries if e.record_type == "revisit"}
              - {e.digest for e in entries if e.record_type == "response"})
    if not wanted:
        return []
    own = f"indexes/{outlet}/{crawl_id}.cdxj"
    names: set[str] = set()
    for key, found in read_indexes(store, f"indexes/{outlet}/"):
        if key == own:
            continue
        for entry in found:
            if entry.record_type == "response" and entry.digest in wanted and not entry.truncated:
                names.add(entry.filename)
                wanted.discard(entry.digest)  # the first capture is the one revisits name
        if not wanted:
            break
    if wanted:
        logger.warning("%d revisited payload(s) have no earlier capture in %s: their pages will not replay",
                       len(wanted), store.uri)
    if not names:
        return []
    return sorted(k for k in store.keys(f"warc/{outlet}/") if Path(k).name in names)
