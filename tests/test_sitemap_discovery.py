"""Sitemap discovery: read in a worker thread (a 50,000-URL sitemap must not stall the reactor), only article
URLs become requests, and a broken sitemap costs one warning and nothing else."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import logging
import threading
from datetime import date
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import XmlResponse

from crawler.spiderloader import OutletSpiderLoader
from crawler.spiders.outlet_spider import SITEMAP_BATCH, OutletSpider
from crawler.spiders.sitemaps import SitemapReader
from tests.crawl_runner import project_crawler

BASE = "http://127.0.0.1:8081"


@pytest.fixture
def spider() -> OutletSpider:
    crawler = project_crawler(ARCHIVE_ENABLED=False)
    cls = OutletSpiderLoader(crawler.settings).load("globalresearch")
    crawler = project_crawler(cls, ARCHIVE_ENABLED=False, DOWNLOAD_MAXSIZE=2**20)
    crawler.stats.open_spider()
    instance: OutletSpider = cls.from_crawler(crawler, base_url=BASE)
    instance._identity = instance.requested_identity  # no CrawlExtension without a running crawl
    return instance


def sitemap(url: str, body: bytes) -> XmlResponse:
    return XmlResponse(url, body=body, request=Request(url))


def collect(spider: OutletSpider, response: XmlResponse) -> list[Request]:
    async def run() -> list[Request]:
        return [request async for request in spider.parse_sitemap(response)]
    return asyncio.run(run())


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.globalresearch.ca/one-article/5600001</loc><lastmod>2026-11-20T10:00:00+00:00</lastmod></url>
<url><loc>https://www.globalresearch.ca/theme/media-disinformation</loc></url>
<url><loc>/two-article/5600002</loc><lastmod>not a date</lastmod></url>
<url><loc>  </loc></url>
<url><loc>https://elsewhere.example/three/5600003</loc></url>
</urlset>"""


def test_only_article_urls_are_requested_and_the_parse_runs_off_the_reactor_thread(
        spider: OutletSpider, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    read = SitemapReader.read

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return read(*args)

    monkeypatch.setattr(SitemapReader, "read", spy)
    requests = collect(spider, sitemap(f"{BASE}/sitemap-1.xml", URLSET))
    assert [r.url for r in requests] == [f"{BASE}/one-article/5600001", f"{BASE}/two-article/5600002"]
    assert all(r.callback == spider.parse_article for r in requests)
    assert threads and threads[0] is not threading.main_thread()
    assert spider.crawler.stats.get_value("discovery/sitemap_entries") == 4  # the empty <loc> is not an entry


def test_since_uses_lastmod_and_keeps_undated_entries(spider: OutletSpider) -> None:
    spider._identity = dataclasses.replace(spider.identity, since=date(2026, 11, 21))
    requests = collect(spider, sitemap(f"{BASE}/sitemap-1.xml", URLSET))
    # The dated entry is older than `since`; the undated one ("not a date") may be new, so it is fetched.
    assert [r.url for r in requests] == [f"{BASE}/two-article/5600002"]


def test_an_index_yields_its_sitemaps_gzipped_or_not(spider: OutletSpider) -> None:
    index = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://www.globalresearch.ca/sitemap-1.xml</loc></sitemap>"
             b"<sitemap><loc>/sitemap-2.xml.gz</loc></sitemap></sitemapindex>")
    requests = collect(spider, sitemap(f"{BASE}/sitemap.xml.gz", gzip.compress(index)))
    assert [r.url for r in requests] == [f"{BASE}/sitemap-1.xml", f"{BASE}/sitemap-2.xml.gz"]
    assert all(r.callback == spider.parse_sitemap and r.meta["archive_kind"] == "sitemap" for r in requests)


@pytest.mark.parametrize(("body", "message"), [
    (b"\x1f\x8b\x08\x00broken", "sitemap is not valid gzip"),
    (b"\x1f\x8b" + b"\x00" * 30, "sitemap is not valid gzip"),
    (gzip.compress(b"<urlset>" + b" " * (2 * 2**20)), "sitemap is too large once decompressed"),
    (b"<html><body>an error page served as 200", "not a sitemap"),
    (b"\x00\x01 garbage", "sitemap cannot be parsed"),
])
def test_a_broken_sitemap_is_one_warning(spider: OutletSpider, caplog: pytest.LogCaptureFixture,
                                         body: bytes, message: str) -> None:
    with caplog.at_level(logging.WARNING):
        assert collect(spider, sitemap(f"{BASE}/sitemap-9.xml", body)) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"{message}: {BASE}/sitemap-9.xml")
    assert spider.crawler.stats.get_value("discovery/bad_sitemap") == 1


def big_sitemap(count: int) -> bytes:
    rows = b"".join(b"<url><loc>https://www.globalresearch.ca/article-%d/%d</loc><lastmod>2026-11-%02dT10:00:00+00:00"
                    b"</lastmod></url>\n<url><loc>https://www.globalresearch.ca/theme/t-%d</loc></url>\n"
                    % (i, 5_600_000 + i, 1 + i % 28, i) for i in range(count))
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + rows + b"</urlset>\n")


def scrapy_sitemap_urls(body: bytes) -> list[str]:
    """What the spider requested when it read a sitemap whole with Scrapy's Sitemap (before batches)."""
    from scrapy.utils.sitemap import Sitemap
    return [entry["loc"].replace("https://www.globalresearch.ca", BASE) for entry in Sitemap(body)
            if "/theme/" not in entry["loc"]]


def test_a_large_gzipped_sitemap_is_read_a_batch_at_a_time(spider: OutletSpider,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests are made as entries are read: the first before the sitemap is gunzipped and parsed whole (read
    whole, a 50,000-URL sitemap held 10 MB of URLs at once, times the sitemaps fetched together), the same
    requests in the end as Scrapy's Sitemap read whole."""
    body = big_sitemap(5000)
    readers: list[SitemapReader] = []
    threads: set[threading.Thread] = set()
    read = SitemapReader.read

    def spy(self: SitemapReader, count: int) -> Any:
        readers.append(self)
        threads.add(threading.current_thread())
        return read(self, count)

    monkeypatch.setattr(SitemapReader, "read", spy)
    response = sitemap(f"{BASE}/sitemap-1.xml.gz", gzip.compress(body))

    async def run() -> tuple[Request, int, int, list[Request]]:
        requests = spider.parse_sitemap(response)
        first = await anext(requests)
        entries_then = spider.crawler.stats.get_value("discovery/sitemap_entries")
        xml_then = readers[0].xml_read
        return first, entries_then, xml_then, [r async for r in requests]

    first, entries_then, xml_then, rest = asyncio.run(run())
    assert first.url == f"{BASE}/article-0/5600000"
    # One batch of SITEMAP_BATCH article URLs (and the theme pages between them) read, not the 10,000 entries.
    assert entries_then == 2 * SITEMAP_BATCH - 1
    assert xml_then < len(body) // 4
    assert [r.url for r in [first, *rest]] == scrapy_sitemap_urls(body)
    assert spider.crawler.stats.get_value("discovery/sitemap_entries") == 10_000
    assert len({id(r) for r in readers}) == 1 and len(readers) == 5000 // SITEMAP_BATCH + 1
    # Every batch in one thread, not the reactor's: lxml's parser is not to be used from another thread.
    assert len(threads) == 1 and threading.main_thread() not in threads


def test_sitemaps_fetched_together_are_read_one_after_the_other(spider: OutletSpider,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Sitemaps that arrive together (13 at once in bench's crawl of 20,000 articles) are read one whole before the
    next is opened: one parser alive at a time, not one per sitemap until each one's last batch (memory)."""
    order: list[str] = []
    read = SitemapReader.read

    def spy(self: SitemapReader, count: int) -> Any:
        order.append(self.url)
        return read(self, count)

    monkeypatch.setattr(SitemapReader, "read", spy)
    bodies = {f"{BASE}/sitemap-{k}.xml": big_sitemap(1000).replace(b"article-", b"a%d-" % k) for k in (1, 2, 3)}

    async def run() -> list[list[Request]]:
        async def consume(url: str, body: bytes) -> list[Request]:
            return [request async for request in spider.parse_sitemap(sitemap(url, body))]
        return list(await asyncio.gather(*(consume(url, body) for url, body in bodies.items())))

    results = asyncio.run(run())
    assert [len(requests) for requests in results] == [1000, 1000, 1000]
    batches = 1000 // SITEMAP_BATCH + 1
    assert order == [url for url in bodies for _ in range(batches)]  # not in turns


def test_a_gzipped_sitemap_cut_short_gives_the_entries_before_the_cut(spider: OutletSpider,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """As Scrapy's gunzip reads it (whole, before batches): what decompresses is read, without a warning."""
    packed = gzip.compress(big_sitemap(1000))
    cut = packed[: len(packed) // 2]
    from scrapy.utils.gz import gunzip
    expected = scrapy_sitemap_urls(gunzip(cut))
    with caplog.at_level(logging.WARNING):
        requests = collect(spider, sitemap(f"{BASE}/sitemap-1.xml.gz", cut))
    assert 100 < len(requests) < 1000
    assert [r.url for r in requests] == expected
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_sitemap_too_large_once_decompressed_keeps_what_came_before_the_limit(
        spider: OutletSpider, caplog: pytest.LogCaptureFixture) -> None:
    body = big_sitemap(2000) + b"<!--" + b" " * (2 * 2**20) + b"-->"  # past DOWNLOAD_MAXSIZE (1 MB here)
    with caplog.at_level(logging.WARNING):
        requests = collect(spider, sitemap(f"{BASE}/sitemap-1.xml.gz", gzip.compress(body)))
    assert [r.url for r in requests] == scrapy_sitemap_urls(big_sitemap(2000))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"sitemap is too large once decompressed: {BASE}/")
    assert spider.crawler.stats.get_value("discovery/bad_sitemap") == 1


def test_the_scheduled_articles_are_kept_in_a_scratch_file_removed_at_close(spider: OutletSpider) -> None:
    # memory flat: each scheduled article's path is a SHA-1 in SQLite (crawler/utils/seen.py), not a str in a set
    urls = [f"{BASE}/a-story-number-{n}/{5000000 + n}" for n in range(50)]
    assert all(spider.article_request(url) is not None for url in urls)
    assert spider.article_request(urls[7] + "/") is None  # the same path, scheduled once
    scheduled = spider.articles_scheduled
    assert len(scheduled) == 50 and scheduled.folder.is_dir()
    spider.closed("finished")
    assert not scheduled.folder.exists()
