"""`scrapy wacz`: package a crawl as WACZ 1.1 for ReplayWeb.page, with the articles as its pages.

    scrapy wacz --outlet globalresearch --crawl CRAWL_ID -o crawl.wacz   (WARCs found by the crawl's manifest)
    scrapy wacz -o crawl.wacz FILE.warc.gz...                             (any WARCs of ours)

py-wacz (webrecorder's own packager) indexes the WARCs and writes the zip, streaming the WARCs into it.
The pages list comes from the metadata records that hold our items: each article with its title and the
time of its capture, so ReplayWeb.page opens on the articles rather than on feeds and sitemaps.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm
from warcio.archiveiterator import ArchiveIterator

from crawler.items import ITEM_URI_PREFIX
from pipelines.archive.manifest import manifest_key
from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError

logger = logging.getLogger(__name__)


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
                warcs = self._crawl_warcs(opts.outlet, opts.crawl, Path(tmp)) if opts.crawl \
                    else [Path(a) for a in args]
            except StoreError as exc:
                logger.error("%s", exc)  # noqa: TRY400 - the message says it all
                self.exitcode = 1
                return
            missing = [w for w in warcs if not w.is_file()]
            if missing:
                raise UsageError(f"not a file: {missing[0]}")
            pages = Path(tmp) / "pages.jsonl"
            count = write_pages(warcs, pages, opts.title or f"{opts.outlet or 'archive'} {opts.crawl or ''}".strip())
            logger.info("packaging %d WARC file(s) with %d article page(s) into %s", len(warcs), count, opts.output)
            self.exitcode = package(warcs, pages, Path(opts.output))
        if self.exitcode == 0:
            logger.info("wrote %s", opts.output)

    def _crawl_warcs(self, outlet: str, crawl_id: str, tmp: Path) -> list[Path]:
        assert self.settings is not None
        store = store_from_uri(self.settings.get("ARCHIVE_URI") or "archive", self.settings)
        manifest = json.loads(store.read(manifest_key(outlet, crawl_id)))
        keys = [f["key"] for f in manifest["files"] if f["key"].startswith("warc/")]
        bar = tqdm(keys, unit="file", desc="fetching WARCs", disable=not sys.stderr.isatty(), file=sys.stderr)
        return [store.download(key, tmp / "warc" / Path(key).name) for key in bar]


def article_pages(warcs: list[Path]) -> Iterator[dict[str, str]]:
    """The articles of these WARCs, from the metadata records holding their items."""
    dates: dict[str, str] = {}
    items: list[dict[str, Any]] = []
    for path in warcs:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                headers = record.rec_headers
                if record.rec_type in ("response", "revisit"):
                    dates[headers.get_header("WARC-Record-ID")] = headers.get_header("WARC-Date")
                elif record.rec_type == "metadata" and (
                        (headers.get_header("WARC-Target-URI") or "").startswith(ITEM_URI_PREFIX)
                        or headers.get_header("Content-Type") == "application/json"):
                    with contextlib.suppress(ValueError):
                        items.append(json.loads(record.content_stream().read()))
    for item in items:
        ref = item.get("warc") or {}
        date = dates.get(ref.get("record_id", ""))
        if item.get("fetched_url") and date:
            yield {"url": item["fetched_url"], "ts": date, "title": item.get("title") or item["fetched_url"]}


def write_pages(warcs: list[Path], dest: Path, title: str) -> int:
    count = 0
    with dest.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
        for page in article_pages(warcs):
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
            count += 1
    return count


def package(warcs: list[Path], pages: Path, output: Path) -> int:
    """py-wacz's `create`, with our pages; its chatter goes to the log, not to stdout."""
    from wacz.main import main as wacz_main

    output.parent.mkdir(parents=True, exist_ok=True)
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):
        code = wacz_main(["create", "-o", str(output), "--pages", str(pages), *map(str, warcs)])
    for line in chatter.getvalue().splitlines():
        if line.strip():
            logger.info("wacz: %s", line.strip())
    return int(code or 0)
