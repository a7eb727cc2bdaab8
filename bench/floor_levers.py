"""What each lever of issue 15 costs a page, in this tree and in another, in paired rounds: the crawl's per-page work
taken apart and timed in one process, where a whole crawl's CPU (bench/floor_ab.py) moves by 10-20% from round to
round on a shared machine and cannot tell a 1% change.

    python -m bench.floor_levers --base /tmp/floor15-base [--rounds 5] [--pages 200]

Each round runs this script with `--measure TREE` once for each tree (alternating which goes first), importing that
tree's code (its folder first on sys.path; the base tree needs no copy of this script); the child times each part of
a page's work over `--pages` generated replica pages (CPU time, µs a page) and prints them as JSON. Printed: every
round's pair, then the medians and the difference per part. The parts are the crawl's own calls: the parse
(text.parse_html), the Global Research extractor on the parsed page, the body's paragraphs (text.paragraphs),
NormalizePipeline.process_item, FurniturePipeline's work (normalized_paragraphs, Furniture.add_paragraphs,
strip_furniture), the scheduler's disk queue (the dqclass SpillingScheduler uses: push and pop of a page's request),
the CDXJ index line, the item's batch line (its JSON), Scrapy's handling of a callback's output at CONCURRENT_ITEMS
(scrapy.utils.asyncio._parallel_asyncio, as Scraper calls it), the page's gzip body through the tree's compression
middleware (whichever DOWNLOADER_MIDDLEWARES puts in HttpCompressionMiddleware's place), the item's WARC metadata
record (WarcWriter._write_metadata: JSON, gzip member, write), the batch line's gzip (BatchStream.write: its sync
flush too) and the page's exchange (WarcWriter._write_exchange: response and request records, index line).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent


def _timed(work: Callable[[], Any], pages: int, repeat: int = 3) -> float:
    """CPU µs a page: the best of `repeat` passes over the pages (the least disturbed by the machine's others)."""
    work()
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best / pages * 1e6


def measure(pages: int) -> dict[str, float]:
    import scrapy
    from itemadapter import ItemAdapter
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.utils.asyncio import _parallel_asyncio
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    import crawler.extractors.text as text
    from bench.replica import GZIP_LEVEL as REPLICA_GZIP_LEVEL
    from bench.replica import article_meta, render_article
    from crawler.extractors.globalresearch import extract
    from crawler.extractors.page import read_page
    from crawler.outlets import load_outlets
    from crawler.schedulers.spilling import SpillingScheduler
    from pipelines.archive.cdxj import CdxjEntry, cdxj_line
    from pipelines.archive.furniture import Furniture, normalized_paragraphs, strip_furniture
    from pipelines.items.item_writer import BatchStream
    from pipelines.items.normalize import NormalizePipeline
    from pipelines.warc.records import LeveledWARCWriter
    from pipelines.warc.writer import Exchange, WarcWriter
    from tests.crawl_runner import project_crawler

    html = [(article_meta(i).url, render_article(i, pages)) for i in range(pages)]
    roots = [text.parse_html(page) for _, page in html]
    bodies = [root.xpath('//div[@itemprop="articleBody"]')[0] for root in roots]
    outlet = load_outlets()["globalresearch"]
    ref = {"filename": "c-00000.warc.gz", "offset": 1, "length": 2, "record_id": "<urn:uuid:1>",
           "payload_digest": "sha1:X"}
    items = [read_page(outlet, page, url, fetched_url=url, fetched_at="2026-11-30T22:00:00+00:00", crawl_id="c",
                       warc=ref).item for url, page in html]
    settings = project_crawler().settings
    normalize = NormalizePipeline.from_crawler(project_crawler())
    fresh = [deepcopy(items) for _ in range(4)]

    def normalize_all() -> None:
        for item in fresh.pop() if fresh else deepcopy(items):
            normalize.process_item(item)

    furniture_bodies = [item.body for item in items]

    def furniture_all() -> None:
        state = Furniture(min_share=0.3, min_articles=5)
        for body in furniture_bodies:
            paragraphs = normalized_paragraphs(body)
            state.add_paragraphs(paragraphs)
            strip_furniture(body, frozenset(), paragraphs)

    spidercls = load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings).load("globalresearch")
    scratch = tempfile.mkdtemp(prefix="floor-levers-")
    crawler = project_crawler(spidercls, SCHEDULER_SPILL_DIR=scratch)
    spider = spidercls.from_crawler(crawler)
    spider._identity = spider.requested_identity  # as CrawlExtension settles it
    crawler.spider = spider
    dqclass = SpillingScheduler.from_crawler(crawler).dqclass
    requests = [scrapy.Request(url, callback=spider.parse_article, errback=spider.on_error,
                               meta={"archive_kind": "article", "forced": False}) for url, _ in html]
    queue = dqclass.from_crawler(crawler, str(Path(scratch) / "q"))

    def queue_all() -> None:
        for request in requests:
            queue.push(request)
        while queue.pop() is not None:
            pass

    entries = [CdxjEntry(url=url.replace("https://www.globalresearch.ca", "http://127.0.0.1:8800"),
                         warc_date="2026-11-30T22:00:00.123456Z", status=200, mime="text/html", digest="sha1:AB",
                         length=20000, offset=n * 20000, filename="c-00000.warc.gz", record_id=f"<urn:uuid:{n}>")
               for n, (url, _) in enumerate(html)]
    concurrent_items = settings.getint("CONCURRENT_ITEMS")
    datas = [dict(ItemAdapter(item)) for item in items]
    try:
        from pipelines.items.item_writer import item_line
    except ImportError:  # a tree from before item_line: its JSON encoder, as its process_item called it
        from pipelines.items.item_writer import _LINE_JSON  # type: ignore[attr-defined]

        def item_line(data: dict[str, Any]) -> bytes:
            return bytes(_LINE_JSON.encode(data).encode("utf-8") + b"\n")

    gzipped = [gzip.compress(page.encode("utf-8"), REPLICA_GZIP_LEVEL) for _, page in html]
    mw_crawler = project_crawler()
    mw_crawler._apply_settings()
    # The tree's own compression middleware: Scrapy's, or whatever the tree's settings put in its place.
    compression = next(cls.from_crawler(mw_crawler) for name in build_component_list(
        mw_crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")) if issubclass(cls := load_object(name),
                                                                               HttpCompressionMiddleware))

    def gunzip_all() -> None:
        for (url, _), body in zip(html, gzipped, strict=True):
            request = scrapy.Request(url)
            response = scrapy.http.Response(url, body=body, request=request, headers={
                "Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"})
            compression.process_response(request, response)

    warc = WarcWriter(project_crawler(), 1 << 40, settings.getint("WARC_GZIP_LEVEL"))
    warc._file = Path(scratch, "metadata.warc.gz").open("wb")  # noqa: SIM115 - closed at the end, below
    warc._writer = LeveledWARCWriter(warc._file, gzip=True, warc_version="1.1", level=warc.gzip_level)
    item_datas = [dict(ItemAdapter(item)) for item in items]

    def metadata_all() -> None:
        for data in item_datas:
            warc._write_metadata(data["url"], "<urn:uuid:1>", data)

    # A page's exchange as the capture hands it to the writer: its gzip body, the replica's headers.
    exchanges = [Exchange(
        url=url, method="GET", request_target=urlsplit(url).path, request_headers=[
            ("Host", urlsplit(url).netloc), ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en"), ("User-Agent", settings["USER_AGENT"]), ("Accept-Encoding", "gzip, deflate")],
        request_body=b"", protocol="HTTP/1.1", status=200, reason="OK", response_headers=[
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(body))), ("Date", "Mon, 30 Nov 2026 22:00:00 GMT")],
        body=body, ip_address="127.0.0.1", started_at=datetime(2026, 11, 30, 22, tzinfo=UTC))
        for (url, _), body in zip(html, gzipped, strict=True)]
    warc._loaded = True  # no earlier crawls to look up
    warc._path = Path(scratch, "exchange.warc.gz")
    warc._index_lines = Path(scratch, "index.cdxj").open("w", encoding="utf-8")  # noqa: SIM115 - closed below
    exchange_rounds = iter(range(1 << 30))

    def exchanges_all() -> None:
        # Each pass its own bodies (a digest seen before would make a revisit, not a response record).
        salt = f"<!-- {next(exchange_rounds)} -->".encode()
        for exchange in exchanges:
            warc._write_exchange(replace(exchange, body=exchange.body + salt))

    batch = BatchStream(Path(scratch, "batch.jsonl.gz"), settings.getint("ITEMS_GZIP_LEVEL"))
    lines = [item_line(data) for data in item_datas]

    def batch_all() -> None:
        for line in lines:
            batch.write(line)

    async def one_item() -> Any:
        yield items[0]

    async def nothing(item: Any) -> None:
        return None

    async def outputs() -> None:
        for _ in range(pages):
            await _parallel_asyncio(one_item(), concurrent_items, nothing)

    loop = asyncio.new_event_loop()
    try:
        out = {
            "parse_html": _timed(lambda: [text.parse_html(page) for _, page in html], pages),
            "globalresearch.extract": _timed(lambda: [extract(root, url) for (url, _), root in zip(html, roots,
                                                                                               strict=True)], pages),
            "text.paragraphs (within the extractor)": _timed(lambda: [list(text.paragraphs(b)) for b in bodies], pages),
            "NormalizePipeline": _timed(normalize_all, pages),
            "FurniturePipeline's work": _timed(furniture_all, pages),
            "disk queue push+pop": _timed(queue_all, pages),
            "cdxj_line": _timed(lambda: [cdxj_line(entry) for entry in entries], pages),
            "item batch line (ItemWriterPipeline's JSON)": _timed(lambda: [item_line(data) for data in datas], pages),
            "a callback's output (at CONCURRENT_ITEMS)": _timed(lambda: loop.run_until_complete(outputs()), pages),
            "response gunzip (the compression middleware)": _timed(gunzip_all, pages),
            "WARC metadata record (JSON, member, write)": _timed(metadata_all, pages),
            "batch line's gzip (write + sync flush)": _timed(batch_all, pages),
            "WARC exchange (response + request records, index line)": _timed(exchanges_all, pages),
        }
    finally:
        loop.close()
        warc._file.close()
        warc._index_lines.close()
        batch.close()
        queue.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="the tree without the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--measure", type=Path, help="(the child) time that tree's parts, print JSON")
    opts = parser.parse_args(argv)
    if opts.measure:
        sys.path[:] = [str(opts.measure), *(p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent)]
        print(json.dumps(measure(opts.pages)))
        return 0
    if opts.base is None:
        parser.error("--base is needed")
    trees = {"base": opts.base.resolve(), "new": REPO_ROOT}
    rounds: list[dict[str, dict[str, float]]] = []
    for round_no in range(opts.rounds):
        got: dict[str, dict[str, float]] = {}
        for which in (("base", "new") if round_no % 2 == 0 else ("new", "base")):
            command = [sys.executable, __file__, "--measure", str(trees[which]), "--pages", str(opts.pages)]
            done = subprocess.run(command, cwd=trees[which], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{which}: {done.stderr[-2000:]}")
            got[which] = json.loads(done.stdout.strip().splitlines()[-1])
        rounds.append(got)
        print(f"round {round_no}: " + "; ".join(f"{part} {got['base'][part]:.1f} -> {got['new'][part]:.1f}"
                                               for part in got["new"] if part in got["base"]), flush=True)
    print(f"\nmedians of {opts.rounds} rounds, CPU µs a page ({opts.pages} generated replica pages):")
    total_base = total_new = 0.0
    for part in rounds[0]["new"]:
        if part not in rounds[0]["base"]:
            continue
        base = statistics.median(r["base"][part] for r in rounds)
        new = statistics.median(r["new"][part] for r in rounds)
        if "(within" not in part:
            total_base, total_new = total_base + base, total_new + new
        print(f"  {part:45s} {base:8.1f} -> {new:8.1f}  ({new - base:+.1f})")
    base_only = [p for p in rounds[0]["base"] if p not in rounds[0]["new"]]
    if base_only:
        print("  (named differently in the base tree: " + ", ".join(base_only) + ")")
    print(f"  {'all of the above (once)':45s} {total_base:8.1f} -> {total_new:8.1f}  ({total_new - total_base:+.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
