"""Article pages read off the reactor thread, on every core: a process pool that parses each page once and
returns its item and its requisites (crawler.extractors.page.read_page).

A process pool, not threads: lxml's tree walks and the extractors' Python hold the GIL, so threads would take
turns on one core. The reactor thread keeps what only it can do (the fetch, the WARC and item hand-offs); a page
crosses to a worker as its text (one pickle of ~80 KB) and comes back as an item and a list of URLs.

Results are handed back in the order the pages were handed in, whichever worker finishes first: the items of a
crawl come out in the order of their responses (and of their WARC records), as when the spider read them
itself. A worker that dies (killed, or a page that crashes the parser) breaks the pool: it is started again and
each page it held is read once more; a page that breaks a second pool is archived but not extracted, in one log
line, and `scrapy reextract` can read it later.

EXTRACT_PROCESSES = 0 reads pages in the crawl's own process, as before; unset, one worker per usable core when
there are two or more.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Unpack

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import is_asyncio_available

from crawler.extractors.page import Fetch, PageNotParsable, PageRead, PageSource, read_page

__all__ = ["PageReaders", "usable_cores"]

logger = logging.getLogger(__name__)


def usable_cores() -> int:
    """Cores this process may run on (taskset and cgroup affinity count, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PageReaders:
    """The crawl's page readers; the spider finds them with `crawler.get_extension(PageReaders)`."""

    def __init__(self, crawler: Crawler, processes: int | None = None) -> None:
        self.crawler = crawler
        wanted = crawler.settings.get("EXTRACT_PROCESSES") if processes is None else processes
        cores = usable_cores()
        self.processes = int(wanted) if wanted not in (None, "") else (cores if cores >= 2 else 0)
        if self.processes < 0:
            raise ValueError(f"EXTRACT_PROCESSES must be 0 or more, got {wanted!r}")
        self._pool: ProcessPoolExecutor | None = None
        self._last: asyncio.Future[None] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageReaders:
        return cls(crawler)

    async def read(self, source: PageSource, html: str, outlet_url: str, *, requisites_of: str | None = None,
                   **fetch: Unpack[Fetch]) -> PageRead:
        """read_page's result for this page, in a worker when there are any; raises PageNotParsable as it does."""
        if self.processes and not is_asyncio_available():
            logger.warning("EXTRACT_PROCESSES needs the asyncio reactor: pages are read in the crawl's process")
            self.processes = 0
        if not self.processes:
            return read_page(source, html, outlet_url, requisites_of=requisites_of, **fetch)
        previous = self._last
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last = mine
        try:
            try:
                return await self._in_worker(source, html, outlet_url, requisites_of, fetch)
            finally:
                if previous is not None:
                    await previous  # hand results back in the order the pages came in
        finally:
            mine.set_result(None)

    async def _in_worker(self, source: PageSource, html: str, outlet_url: str, requisites_of: str | None,
                         fetch: Fetch) -> PageRead:
        for attempt in (1, 2):
            pool = self._started()
            try:
                return await asyncio.wrap_future(
                    # read_page itself: a worker imports crawler.extractors.page, never Scrapy.
                    pool.submit(read_page, source, html, outlet_url, requisites_of=requisites_of, **fetch))
            except BrokenProcessPool:
                if pool is self._pool:  # the first page to see it starts the next pool
                    logger.warning("a page reader process died; starting them again")
                    self.crawler.stats.inc_value("pages/reader_restarts")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                if attempt == 2:
                    raise PageNotParsable("its reader process died twice (a page that crashes the parser?)") \
                        from None
        raise AssertionError("unreachable")

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers forked from a clean process that imported the extractors once, never from the
            # crawl's process with its reactor, threads and open files.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.extractors.page"])
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
            logger.info("reading article pages in %d processes", self.processes)
        return self._pool

    def spider_closed(self, spider: Spider) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

