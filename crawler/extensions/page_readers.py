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

EXTRACT_PROCESSES = 0 reads pages in the crawl's own process, N in N workers. Unset, the pages decide: the first
20 are read in the crawl's process and timed, and when reading one costs more than EXTRACT_PROCESSES_AUTO_MS
(and there are two usable cores or more), one worker per usable core reads the rest. Measured (bench/RESULTS.md,
notes of issue 15): a page crossing to a worker costs the crawl's process ~0.5 ms (pickles, pipes, the pool's
threads) and the workers' start ~1.5 s of CPU, so the Global Research extractor (~2 ms a page) is cheaper read
in place (8.5 against 10.2 CPU ms a page, and no faster with workers), while the generic extractor (~20 ms a page:
RT, Sputnik, Consortium News) is what the workers are for.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Unpack

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import is_asyncio_available

from crawler.extractors.page import Fetch, PageNotParsable, PageRead, PageSource, read_page

__all__ = ["PageReaders", "usable_cores"]

logger = logging.getLogger(__name__)

# Pages read in the crawl's process, and timed, before EXTRACT_PROCESSES unset decides.
_AUTO_SAMPLE = 20


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
        # Unset: decided by the pages themselves (below), with one reader per usable core if it pays.
        self.auto = wanted in (None, "") and cores >= 2
        if wanted in (None, "") and cores < 2:
            logger.info("one usable core: article pages are read in the crawl's process")
        self.processes = 0 if wanted in (None, "") else int(wanted)
        if self.processes < 0:
            raise ValueError(f"EXTRACT_PROCESSES must be 0 or more, got {wanted!r}")
        self._cores = cores
        self._auto_ms = crawler.settings.getfloat("EXTRACT_PROCESSES_AUTO_MS")
        self._timed: list[float] = []
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
            self.processes, self.auto = 0, False
        if not self.processes:
            started = time.thread_time()
            read = read_page(source, html, outlet_url, requisites_of=requisites_of, **fetch)
            if self.auto:
                self._timed.append(time.thread_time() - started)
                if len(self._timed) >= _AUTO_SAMPLE:
                    self._decide()
            return read
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

    def _decide(self) -> None:
        """Auto: the first pages were read here, timed (this thread's CPU); readers are started when a page costs
        more than EXTRACT_PROCESSES_AUTO_MS, else pages go on being read here."""
        self.auto = False
        each = statistics.median(self._timed) * 1000
        if is_asyncio_available() and each > self._auto_ms:
            self.processes = self._cores
            logger.info("article pages take %.1f ms each to read: reading them in %d processes from now on", each,
                        self._cores)
        else:
            logger.info("article pages take %.1f ms each to read: read in the crawl's process (readers pay from "
                        "%.0f ms, EXTRACT_PROCESSES_AUTO_MS)", each, self._auto_ms)

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

