"""Article pages read in worker processes (crawler/extensions/page_readers.py): the same items as in the crawl's
own process, in the order of their responses, and nothing lost when a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from crawler.extensions import page_readers
from crawler.extensions.page_readers import PageReaders
from crawler.extractors.page import read_page
from crawler.outlets import load_outlets
from tests.crawl_runner import Crawl, project_crawler, run_crawl

FIXTURES = Path(__file__).parent / "fixtures" / "globalresearch"
VARYING = ("crawl_id", "fetched_at", "warc", "warc_revisit")


def _comparable(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["url"]: {k: v for k, v in item.items() if k not in VARYING} for item in items}


def _in_response_order(items: list[dict[str, Any]]) -> bool:
    """Items follow the WARC records of their pages: offsets grow within each WARC file."""
    pointers = [(item["warc"]["filename"], item["warc"]["offset"]) for item in items]
    return pointers == sorted(pointers)


def test_a_crawl_read_in_worker_processes_gives_the_items_of_one_read_in_process(
        replica_url: str, replica_crawl: Crawl, tmp_path: Path) -> None:
    pooled = run_crawl(tmp_path / "pooled", base_url=replica_url, settings={"EXTRACT_PROCESSES": "2"})
    in_process = run_crawl(tmp_path / "in-process", base_url=replica_url, settings={"EXTRACT_PROCESSES": "0"})
    assert pooled.returncode == 0 and in_process.returncode == 0, pooled.log + in_process.log
    assert "reading article pages in 2 processes" in pooled.log
    assert "reading article pages in" not in in_process.log
    assert _comparable(pooled.items()) == _comparable(in_process.items())
    assert len(pooled.items()) == len(replica_crawl.items()) > 5
    for crawl in (pooled, in_process):
        assert _in_response_order(crawl.items())


def _pages() -> list[tuple[str, str]]:
    pages = [(f"https://www.globalresearch.ca/{p.stem}/{5600000 + i}", p.read_text(encoding="utf-8", errors="replace"))
             for i, p in enumerate(sorted(FIXTURES.glob("*.html")))]
    # A long page first: its worker finishes after the short ones handed in after it.
    long_url, long_page = pages[0]
    return [(long_url, long_page.replace("</body>", "<p>more</p>" * 20000 + "</body>")), *pages] * 3


async def _read_all(readers: PageReaders, pages: list[tuple[str, str]], kill_a_worker: bool) -> list[str]:
    outlet = load_outlets()["globalresearch"]
    returned: list[str] = []

    async def one(url: str, page: str) -> None:
        read = await readers.read(outlet, page, url, requisites_of=url)
        returned.append(read.item.url or "")

    tasks = [asyncio.ensure_future(one(url, page)) for url, page in pages]
    if kill_a_worker:
        await asyncio.sleep(0.5)  # the pool is up and busy
        pool = readers._pool
        assert pool is not None
        os.kill(next(iter(pool._processes)), signal.SIGKILL)
    await asyncio.gather(*tasks)
    return returned


def test_results_come_back_in_the_order_pages_went_in_and_a_killed_worker_loses_none() -> None:
    pages = _pages()
    crawler = project_crawler(EXTRACT_PROCESSES=2)
    readers = PageReaders(crawler)
    try:
        returned = asyncio.run(_read_all(readers, pages, kill_a_worker=True))
    finally:
        readers.spider_closed(None)  # type: ignore[arg-type]
    outlet = load_outlets()["globalresearch"]
    assert returned == [read_page(outlet, page, url).item.url for url, page in pages]
    assert crawler.stats is not None and crawler.stats.get_value("pages/reader_restarts") == 1


def _read_pages(readers: PageReaders, pages: list[tuple[str, str]]) -> list[str]:
    outlet = load_outlets()["globalresearch"]

    async def main() -> list[str]:
        reads = [asyncio.ensure_future(readers.read(outlet, page, url)) for url, page in pages]
        return [(await read).item.url or "" for read in reads]

    try:
        return asyncio.run(main())
    finally:
        readers.spider_closed(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("auto_ms", "workers"), [(1000.0, 0), (0.0, 2)])
def test_unset_the_first_pages_decide_where_the_rest_are_read(monkeypatch: pytest.MonkeyPatch, auto_ms: float,
                                                              workers: int) -> None:
    monkeypatch.setattr(page_readers, "usable_cores", lambda: 2)
    readers = PageReaders(project_crawler(EXTRACT_PROCESSES_AUTO_MS=auto_ms))
    assert readers.auto and readers.processes == 0
    pages = _pages()[1:] * 3  # 24 pages: 20 read here and timed, then the decision
    started: list[bool] = []
    real = readers._started
    monkeypatch.setattr(readers, "_started", lambda: started.append(True) or real())
    urls = _read_pages(readers, pages)
    outlet = load_outlets()["globalresearch"]
    assert urls == [read_page(outlet, page, url).item.url for url, page in pages]
    assert not readers.auto and readers.processes == workers
    assert bool(started) == bool(workers)  # the pool started only when reading a page cost more than auto_ms
