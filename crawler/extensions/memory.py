"""The C heap's free memory handed back to the system while a crawl runs: glibc's malloc_trim, at a low rate.

glibc's malloc keeps what a process frees for its next allocations. A crawl frees everything a page cost it (bodies,
trees, records) and keeps a little of each page (its seen sets, the scheduler's bookkeeping): the free memory
between what it keeps is only partly reused, and malloc gives back only what is free at the top of its heaps. In a
crawl of 20,000 articles (40,028 pages) that free but held memory grew from 6 to 19 MB (`python -m bench.memtrace
--n 20000 --runs c`). malloc_trim(0) hands every whole free page of every arena back: called every 5 seconds
(MEMORY_TRIM_INTERVAL) in that crawl, it took 10 MB off the RSS when the spider closed and 7 MB off the high-water
mark, for 0.85 ms a call (52 calls, 0.02% of the crawl's CPU). Every second (the default since), the same crawl's
high-water mark fell again, 145.8-148.1 MB in three runs to 143.7-143.9 in two, the close's own peak (index sort,
manifest) no longer above the crawl's, for ~200 calls and 0.08% of its CPU. The `memory/trim_*` stats say what each
crawl spent and got back.

Called by hand through ctypes: neither the standard library nor a kept package binds malloc_trim (psutil and
tracemalloc read memory, they do not return it). Where the C library is not glibc (musl, macOS) there is none to
call and the extension is not configured. mallopt's fixed thresholds were weighed and not used: a fixed
M_MMAP_THRESHOLD of 128 KiB took 9 MB off the same crawl's high-water mark but tripled its system CPU (every body
mapped and unmapped: +20 s over 4 minutes).
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
from collections.abc import Callable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

__all__ = ["MallocTrim", "glibc_malloc_trim", "resident_kb"]

logger = logging.getLogger(__name__)

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def glibc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's `int malloc_trim(size_t pad)`, or None where the process's C library is not glibc."""
    try:
        libc = ctypes.CDLL(None)  # the C library this process already runs on
        libc.gnu_get_libc_version  # noqa: B018 - glibc's own symbol: this C library is glibc
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def resident_kb() -> int:
    """This process's resident memory now (KB), from /proc/self/statm."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE_KB


class MallocTrim:
    """Every `interval` seconds, the C heap's free pages go back to the system (glibc's malloc_trim(0))."""

    def __init__(self, stats: StatsCollector, interval: float, trim: Callable[[int], int]) -> None:
        self.stats = stats
        self.interval = interval
        self._trim = trim
        self.cpu_seconds = 0.0
        self.loop = task.LoopingCall(self.trim)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MallocTrim:
        interval = crawler.settings.getfloat("MEMORY_TRIM_INTERVAL")
        if interval <= 0:
            raise NotConfigured("MEMORY_TRIM_INTERVAL is 0")
        trim = glibc_malloc_trim()
        if trim is None:
            raise NotConfigured("the C library is not glibc: no malloc_trim")
        assert crawler.stats is not None
        ext = cls(crawler.stats, interval, trim)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.loop.start(self.interval, now=False)

    def trim(self) -> None:
        before = resident_kb()
        began = time.thread_time()
        self._trim(0)
        spent = time.thread_time() - began
        released = max(0, before - resident_kb())
        self.stats.inc_value("memory/trims")
        self.cpu_seconds += spent
        self.stats.set_value("memory/trim_cpu_seconds", round(self.cpu_seconds, 6))
        self.stats.inc_value("memory/trim_released_kb", released)
        logger.debug("malloc_trim: %d KB handed back in %.1f ms", released, spent * 1000)

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()
