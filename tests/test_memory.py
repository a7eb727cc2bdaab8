"""The C heap's free memory handed back while a crawl runs (crawler/extensions/memory.py)."""

from __future__ import annotations

import ctypes

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet import task

from crawler.extensions.memory import MallocTrim, glibc_malloc_trim, resident_kb

BLOCK = 64 * 1024  # under glibc's mmap threshold (128 KiB): from the heap, as a crawl's page-sized buffers are
BLOCKS = 512  # 32 MiB, every other one freed: 16 MiB free between blocks still in use, which malloc keeps


def _crawler(**settings: object) -> MallocTrim:
    crawler = get_crawler(settings_dict={"MEMORY_TRIM_INTERVAL": 5.0, **settings})
    return MallocTrim.from_crawler(crawler)


def test_switched_off_by_an_interval_of_zero() -> None:
    with pytest.raises(NotConfigured, match="MEMORY_TRIM_INTERVAL"):
        _crawler(MEMORY_TRIM_INTERVAL=0)


def test_the_free_memory_malloc_holds_goes_back_to_the_system() -> None:
    assert glibc_malloc_trim() is not None, "this test runs where the crawls run: on glibc"
    ext = _crawler()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(BLOCK) for _ in range(BLOCKS)]
    try:
        for block in blocks:
            ctypes.memset(block, 1, BLOCK)  # touched: resident
        for block in blocks[::2]:  # holes between blocks in use: free, but not at the top of the heap
            libc.free(block)
        held = resident_kb()
        ext.trim()
        released = held - resident_kb()
        stats = ext.stats
        assert stats.get_value("memory/trims") == 1
        assert released >= 12 * 1024, released  # most of the 16 MiB freed: whole pages of every hole
        assert stats.get_value("memory/trim_released_kb") >= 12 * 1024
        assert 0 <= stats.get_value("memory/trim_cpu_seconds") < 1
    finally:
        for block in blocks[1::2]:
            libc.free(block)


def test_it_trims_every_interval_from_the_spiders_opening_to_its_close() -> None:
    ext = _crawler(MEMORY_TRIM_INTERVAL=2.5)
    clock = task.Clock()
    ext.loop.clock = clock  # the crawl's LoopingCall, on a clock the test turns
    ext.spider_opened()
    assert ext.stats.get_value("memory/trims") is None  # not at the start: nothing was freed yet
    clock.advance(2.5)
    clock.advance(2.5)
    clock.advance(1.0)
    assert ext.stats.get_value("memory/trims") == 2
    ext.spider_closed()
    clock.advance(10.0)
    assert ext.stats.get_value("memory/trims") == 2
    assert not ext.loop.running
