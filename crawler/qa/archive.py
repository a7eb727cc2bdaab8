"""What `scrapy qa` checks, read from the archive: a crawl's article pages and the WARCs that replay them.

The crawl is its manifest (`crawls/{outlet}/{crawl_id}.json`). Its article pages are its items, read from the
item batches the manifest lists, or, for a crawl written without batches, from the metadata records of its
WARCs; each page is replayed at the time of this crawl's record of it (`warc_revisit` for an unchanged page,
else `warc`). A revisit record replays from the earlier capture it refers to: those records are copied into
one more WARC, as `scrapy wacz` does, so the check replays what a package of the crawl would hold.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from crawler.qa.browser import Page
from crawler.wacz_originals import copy_originals, fetch_record, originals_name, originals_warcinfo, read_records
from pipelines.archive.cdxj import timestamp14
from pipelines.archive.manifest import manifest_key
from pipelines.storage.base import Store

__all__ = ["CrawlNotFoundError", "CrawlToCheck", "load_crawl"]

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
    """Local copies of the crawl's WARCs, then the originals its revisit records need (one WARC)."""
    earlier_warcs: int = 0
    """How many earlier WARCs those originals were copied from."""


def load_crawl(store: Store, outlet: str, crawl_id: str, workdir: Path, settings: BaseSettings) -> CrawlToCheck:
    """The crawl's pages, and its WARCs downloaded under workdir (a folder store's files are used in place), with
    the originals of its revisits packed in one more WARC, as `scrapy wacz` packs them (crawler/wacz_originals.py)."""
    key = manifest_key(outlet, crawl_id)
    if store.head(key) is None:
        raise CrawlNotFoundError(f"no crawl {crawl_id!r} of outlet {outlet!r} in {store.uri} (no {key})")
    manifest = json.loads(store.read(key))
    crawl = CrawlToCheck(outlet=outlet, crawl_id=crawl_id, manifest=manifest)
    files = [f["key"] for f in manifest.get("files", []) if isinstance(f, dict) and f.get("key")]
    missing = [k for k in files if k.startswith(("warc/", "items/")) and store.head(k) is None]
    for k in missing:
        logger.warning("listed in the manifest but not in %s: %s", store.uri, k)
    for k in files:
        if k.startswith("warc/") and k not in missing:
            logger.info("fetching %s", k)
            crawl.warcs.append(store.download(k, workdir / "warc" / Path(k).name))
    records = read_records(crawl.warcs)
    batches = [store.download(k, workdir / "items" / Path(k).name) for k in files
               if k.startswith("items/") and k not in missing]
    items = list(_batch_items(batches)) if batches else records.items
    crawl.pages = _pages(items, records.dates)
    originals = copy_originals(store, outlet, records.revisits, held=records.held,
                               dest=workdir / originals_name(crawl_id),
                               warcinfo=originals_warcinfo(settings, outlet, crawl_id, "scrapy qa"))
    if originals.path is not None:
        crawl.warcs.append(originals.path)
        crawl.earlier_warcs = len(originals.sources)
    return crawl


def _batch_items(batches: list[Path]) -> Iterator[dict[str, Any]]:
    for path in batches:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def _pages(items: Iterable[dict[str, Any]], dates: dict[str, str]) -> list[Page]:
    pages: dict[tuple[str, str], Page] = {}
    for item in items:
        url = item.get("fetched_url") or item.get("url")
        if not url:
            continue
        # Replayed at this crawl's record of the page (its revisit record when the page was unchanged).
        stamp = timestamp14(dates.get(fetch_record(item)) or item.get("fetched_at") or "")
        if len(stamp) < 8:
            logger.warning("no capture time for %s: left out", url)
            continue
        pages.setdefault((url, stamp), Page(url=url, timestamp=stamp, title=item.get("title") or ""))
    return list(pages.values())
