"""`scrapy wacz`: package a crawl as WACZ 1.1 for ReplayWeb.page, with the articles as its pages.

    scrapy wacz --outlet globalresearch --crawl CRAWL_ID -o crawl.wacz   (WARCs found by the crawl's manifest)
    scrapy wacz -o crawl.wacz FILE.warc.gz...                             (any WARCs of ours)

py-wacz (webrecorder's own packager) indexes the WARCs and writes the zip, streaming the WARCs into it.
A crawl's package stands alone: the records its revisits refer to, written by earlier crawls, are copied
into one more WARC of the package (crawler/wacz_originals.py). The pages list, always present, comes from
the metadata records that hold our items: each article with its title and the time of its capture (an
article fetched again as a revisit without an item of its own: with the title an earlier crawl gave it), so
ReplayWeb.page opens on the articles rather than on feeds and sitemaps. datapackage.json gets a title and a
description: outlet, crawl, dates, counts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm

from crawler.outlets import OutletConfigError, load_outlets
from crawler.wacz_originals import (
    CrawlRecords,
    Originals,
    copy_originals,
    fetch_record,
    originals_name,
    originals_warcinfo,
    read_records,
)
from pipelines.archive.manifest import manifest_key
from pipelines.storage import store_from_uri
from pipelines.storage.base import Store, StoreError

logger = logging.getLogger(__name__)

PAGES = "pages/pages.jsonl"

Contents = tuple[list[Path], list[dict[str, str]], str, str]
"""What a package holds: its WARC files, its pages, its title and description."""


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "(--outlet NAME --crawl CRAWL_ID | FILE.warc.gz...) -o OUTPUT.wacz"

    def short_desc(self) -> str:
        return "Package a crawl's WARCs as WACZ for ReplayWeb.page"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="outlet key, with --crawl: read the crawl from ARCHIVE_URI")
        parser.add_argument("--crawl", help="crawl id, as in crawls/{outlet}/{crawl_id}.json")
        parser.add_argument("-o", "--output", required=True, help="the .wacz file to write")
        parser.add_argument("--title", help="title of the collection (default: outlet and crawl)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if bool(opts.crawl) == bool(args) or bool(opts.crawl) != bool(opts.outlet):
            raise UsageError("give either --outlet and --crawl, or WARC files")
        with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
            try:
                self.exitcode = self._package(args, opts, Path(tmp))
            except StoreError as exc:
                logger.error("%s", exc)  # noqa: TRY400 - the message says it all
                self.exitcode = 1
        if self.exitcode == 0:
            logger.info("wrote %s", opts.output)

    def _package(self, args: list[str], opts: argparse.Namespace, tmp: Path) -> int:
        found = self._from_crawl(opts, tmp) if opts.crawl else self._from_files([Path(a) for a in args], opts)
        if found is None:
            return 1
        warcs, pages, title, desc = found
        write_pages(pages, tmp / "pages.jsonl", title)
        logger.info("packaging %d WARC file(s) with %d article page(s) into %s", len(warcs), len(pages), opts.output)
        return package(warcs, tmp / "pages.jsonl", Path(opts.output), title=title, desc=desc)

    def _from_files(self, warcs: list[Path], opts: argparse.Namespace) -> Contents:
        missing = [w for w in warcs if not w.is_file()]
        if missing:
            raise UsageError(f"not a file: {missing[0]}")
        records = read_records(warcs)
        unresolved = [r for r in records.revisits if r.refers_to not in records.held]
        if unresolved:
            logger.warning("%d revisit(s) refer to records not among these files and will not replay; "
                           "--outlet and --crawl bring their originals from the archive", len(unresolved))
        pages = crawl_pages(records)
        title = opts.title or warcs[0].name + (f" and {len(warcs) - 1} more WARC file(s)" if len(warcs) > 1 else "")
        desc = (f"{len(warcs)} WARC file(s): {len(records.dates)} captures, {len(records.revisits)} of them "
                f"revisits; {len(pages)} article page(s).")
        return warcs, pages, title, desc

    def _from_crawl(self, opts: argparse.Namespace, tmp: Path) -> Contents | None:
        """The crawl's WARCs, and one more with the originals of its revisits that earlier crawls wrote."""
        assert self.settings is not None
        store = store_from_uri(self.settings.get("ARCHIVE_URI") or "archive", self.settings)
        key = manifest_key(opts.outlet, opts.crawl)
        if store.head(key) is None:
            logger.error("no crawl %s of %s in %s: its manifest %s is not there (a crawl not finished has none yet)",
                         opts.crawl, opts.outlet, store.uri, key)
            return None
        manifest = json.loads(store.read(key))
        warcs = self._crawl_warcs(store, manifest, tmp)
        records = read_records(warcs)
        originals = copy_originals(
            store, opts.outlet, records.revisits, held=records.held, dest=tmp / originals_name(opts.crawl),
            warcinfo=originals_warcinfo(self.settings, opts.outlet, opts.crawl, "scrapy wacz"),
            items_for=records.revisits_without_items())
        if originals.path is not None:
            logger.info("%d original record(s) of revisits copied from %d earlier WARC file(s) into %s",
                        originals.records, len(originals.sources), originals.path.name)
            warcs.append(originals.path)
        pages = crawl_pages(records, originals.items)
        name = self._outlet_name(opts.outlet)
        title = opts.title or f"{name}: crawl {opts.crawl}"
        return warcs, pages, title, describe(name, manifest, len(pages), originals)

    def _crawl_warcs(self, store: Store, manifest: dict[str, Any], tmp: Path) -> list[Path]:
        keys = [f["key"] for f in manifest["files"] if f["key"].startswith("warc/")]
        bar = tqdm(keys, unit="file", desc="fetching WARCs", disable=not sys.stderr.isatty(), file=sys.stderr)
        return [store.download(key, tmp / "warc" / Path(key).name) for key in bar]

    def _outlet_name(self, outlet: str) -> str:
        assert self.settings is not None
        try:
            known = load_outlets(self.settings.get("OUTLETS_FILE") or None)
        except OutletConfigError:
            return outlet
        return known[outlet].name if outlet in known else outlet


def crawl_pages(records: CrawlRecords, earlier_items: dict[str, dict[str, Any]] | None = None) -> list[dict[str, str]]:
    """The articles of these WARCs: from their items; then the revisits of articles an earlier crawl made an
    item of (`earlier_items`, by the record the revisit refers to) that have no item of their own."""
    pages: dict[str, dict[str, str]] = {}
    for item in records.items:
        record_id = fetch_record(item)
        date = records.dates.get(record_id)
        if item.get("fetched_url") and date:
            pages.setdefault(record_id, _page(item["fetched_url"], date, item.get("title"), record_id))
    for revisit in records.revisits:
        earlier = (earlier_items or {}).get(revisit.refers_to)
        if earlier is not None and revisit.record_id not in pages:
            pages[revisit.record_id] = _page(revisit.url, revisit.date, earlier.get("title"), revisit.record_id)
    return sorted(pages.values(), key=lambda p: (p["ts"], p["url"]))


def _page(url: str, date: str, title: str | None, record_id: str) -> dict[str, str]:
    return {"id": record_id.removeprefix("<urn:uuid:").removesuffix(">"), "url": url, "ts": date,
            "title": title or url}


def describe(name: str, manifest: dict[str, Any], pages: int, originals: Originals) -> str:
    """datapackage.json's description: the outlet, the crawl, its dates and counts, what the package adds."""
    counts = manifest.get("counts") or {}
    text = (f"{name} ({manifest.get('outlet')}), crawl {manifest.get('crawl_id')} from {manifest.get('started_at')} "
            f"to {manifest.get('finished_at')} ({manifest.get('status', 'unknown')}): {counts.get('pages', '?')} "
            f"responses archived, {counts.get('articles', '?')} articles, {counts.get('revisits', '?')} revisits; "
            f"{pages} article page(s) listed.")
    if originals.path is not None:
        text += (f" {originals.records} record(s) that the revisits refer to are copied from "
                 f"{len(originals.sources)} earlier WARC file(s) into archive/{originals.path.name}.")
    if originals.missing:
        text += f" {len(originals.missing)} revisit(s) whose original was not found will not replay."
    return text


def write_pages(pages: list[dict[str, str]], dest: Path, title: str) -> int:
    with dest.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
        for page in pages:
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
    return len(pages)


def package(warcs: list[Path], pages: Path, output: Path, *, title: str, desc: str) -> int:
    """py-wacz's `create`, with our pages copied as they are (a header alone included), a title and a
    description; its chatter goes to the log, not to stdout."""
    from wacz.main import main as wacz_main

    output.parent.mkdir(parents=True, exist_ok=True)
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        code = wacz_main(["create", "-o", str(output), "--pages", str(pages), "--copy-pages", "--title", title,
                          "--desc", desc, *map(str, warcs)])
    for line in chatter.getvalue().splitlines():
        if line.strip():
            logger.info("wacz: %s", line.strip())
    if not code:
        with zipfile.ZipFile(output) as wacz:
            if PAGES not in wacz.namelist():
                logger.error("py-wacz left %s out of %s", PAGES, output)
                return 1
    return int(code or 0)
