"""Scrapy's HttpCompressionMiddleware, its gzip bodies decompressed by zlib-ng in one call.

Scrapy's `gunzip` reads a body through gzip.GzipFile in 64 KiB chunks, each crc32'd in a call of its own: ~210 µs
for bench's 80 KB pages (19 KB gzip), where zlib-ng inflates the whole member, its CRC and length checked, in
~85 µs (bench/floor_levers.py, "response gunzip"). Everything else is Scrapy's: deflate, br and zstd, the
DOWNLOAD_MAXSIZE and DOWNLOAD_WARNSIZE bounds, the stats, the response's new class.

Written by hand, over `_decode` (a private method of Scrapy's, checked by tests/test_compression_middleware.py):
only a well-formed body of one gzip member within the size bound takes the one call; any other (several members,
trailing bytes, a bad CRC, a cut body, a bomb over DOWNLOAD_MAXSIZE) is decoded again by Scrapy's own `gunzip`, so
that what it gives back, raises and logs stays Scrapy's to the byte.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.utils.gz import gunzip as scrapy_gunzip
from zlib_ng import zlib_ng

__all__ = ["CompressionMiddleware", "gunzip"]

_GZIP_MEMBER = 16 + 15
"""zlib's wbits for one gzip member (header and trailer checked) with the largest window."""


def gunzip(data: bytes, *, max_size: int = 0) -> bytes:
    """scrapy.utils.gz.gunzip's result, in one call of zlib-ng when `data` is one whole gzip member."""
    inflater = zlib_ng.decompressobj(_GZIP_MEMBER)
    try:
        # One byte over the bound tells a body over it; none over it is allocated.
        body: bytes = inflater.decompress(data, max_size + 1 if max_size else 0)
    except zlib_ng.error:  # type: ignore[misc]  # (zlib_ng's stubs do not say it is an exception class)
        return scrapy_gunzip(data, max_size=max_size)
    if not inflater.eof or inflater.unused_data or (max_size and len(body) > max_size):
        return scrapy_gunzip(data, max_size=max_size)
    return body


class CompressionMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware (at its place, 590), gzip decoded by `gunzip` above."""

    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        if encoding in {b"gzip", b"x-gzip"}:
            return gunzip(body, max_size=max_size)
        decoded: bytes = HttpCompressionMiddleware._decode(body, encoding, max_size)
        return decoded
