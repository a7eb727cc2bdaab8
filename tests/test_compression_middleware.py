"""The crawl's HttpCompressionMiddleware (crawler/middlewares/compression.py): gzip inflated in one call, with
every outcome Scrapy's own, and the middleware in Scrapy's place in the project's settings."""

from __future__ import annotations

import gzip
import struct
import zlib

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.gz import gunzip as scrapy_gunzip

from crawler.middlewares import compression
from crawler.middlewares.compression import CompressionMiddleware, gunzip
from crawler.utils.content_encoding import DecompressionMaxSizeExceeded
from tests.crawl_runner import project_crawler

PAGE = b"<html><head><title>t</title></head><body>" + b"<p>a paragraph of the article</p>" * 3000 + b"</body></html>"
MEMBER = gzip.compress(PAGE, mtime=0)


def _with_flags(body: bytes) -> bytes:
    """The member with a file name, a comment and a header CRC (FNAME, FCOMMENT, FHCRC)."""
    header = b"\x1f\x8b\x08" + bytes([0x02 | 0x08 | 0x10]) + b"\0\0\0\0\0\xff" + b"page.html\0" + b"a comment\0"
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    return header + body[10:]


BODIES = {
    "one member": MEMBER,
    "empty member": gzip.compress(b"", mtime=0),
    "header flags": _with_flags(MEMBER),
    "two members": MEMBER + gzip.compress(b"<p>more</p>", mtime=0),
    "trailing zeros": MEMBER + b"\0" * 16,
    "trailing garbage": MEMBER + b"garbage",
    "cut short": MEMBER[: len(MEMBER) // 2],
    "bad CRC": MEMBER[:-8] + bytes(4) + MEMBER[-4:],
    "bad length": MEMBER[:-4] + bytes(4),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_gunzip_gives_what_scrapy_gives(name: str) -> None:
    body = BODIES[name]
    try:
        expected: bytes | type[Exception] = scrapy_gunzip(body, max_size=len(PAGE) * 2)
    except Exception as exc:  # a body with nothing to give: Scrapy's error, raised by ours too
        with pytest.raises(type(exc)):
            gunzip(body, max_size=len(PAGE) * 2)
        return
    assert gunzip(body, max_size=len(PAGE) * 2) == expected


@pytest.mark.parametrize("max_size", [len(PAGE), len(PAGE) - 1, 1000, 0])
def test_the_size_bound_is_scrapys(max_size: int) -> None:
    """At the bound the page is given whole; over it, Scrapy's error with Scrapy's count of bytes so far."""
    if not max_size or max_size >= len(PAGE):
        assert gunzip(MEMBER, max_size=max_size) == scrapy_gunzip(MEMBER, max_size=max_size) == PAGE
        return
    with pytest.raises(DecompressionMaxSizeExceeded) as scrapys:
        scrapy_gunzip(MEMBER, max_size=max_size)
    with pytest.raises(DecompressionMaxSizeExceeded) as ours:
        gunzip(MEMBER, max_size=max_size)
    assert ours.value.decompressed_size == scrapys.value.decompressed_size


def _responses(middleware: HttpCompressionMiddleware, encoding: bytes, body: bytes) -> Response:
    request = Request("http://127.0.0.1/article")
    response = Response(request.url, body=body, request=request,
                        headers={"Content-Encoding": encoding, "Content-Type": "text/html; charset=utf-8"})
    return middleware.process_response(request, response)


@pytest.mark.parametrize(("encoding", "body"), [(b"gzip", MEMBER), (b"x-gzip", MEMBER),
                                                (b"deflate", zlib.compress(PAGE))])
def test_the_middleware_replaces_scrapys_with_the_same_responses(encoding: bytes, body: bytes) -> None:
    crawler = project_crawler()
    crawler._apply_settings()
    names = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert names["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] is None
    assert names["crawler.middlewares.compression.CompressionMiddleware"] == 590
    assert callable(getattr(HttpCompressionMiddleware, "_decode", None))  # the private method it overrides
    ours = _responses(CompressionMiddleware.from_crawler(crawler), encoding, body)
    scrapys = _responses(HttpCompressionMiddleware.from_crawler(project_crawler()), encoding, body)
    assert type(ours) is type(scrapys) is HtmlResponse
    assert ours.body == scrapys.body == PAGE
    assert dict(ours.headers) == dict(scrapys.headers)
    assert b"Content-Encoding" not in ours.headers
    assert crawler.stats.get_value("httpcompression/response_bytes") == len(PAGE)


def test_one_whole_member_is_inflated_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrapy's reader is left for the bodies that need it: the page's one member never reaches it."""
    handed: list[bytes] = []

    def scrapys(data: bytes, *, max_size: int = 0) -> bytes:
        handed.append(data)
        return scrapy_gunzip(data, max_size=max_size)

    monkeypatch.setattr(compression, "scrapy_gunzip", scrapys)
    assert gunzip(MEMBER, max_size=len(PAGE)) == PAGE
    assert handed == []
    assert gunzip(BODIES["two members"]) == PAGE + b"<p>more</p>"
    assert handed == [BODIES["two members"]]
