"""Bodies as archived (still gzip, deflate, br or zstd) decoded for reading, within a size limit.

warcio's content_stream() decodes without a limit (a bomb in a WARC would fill memory) and fails on some
brotli builds; Scrapy's own bounded decoders, the ones its HttpCompressionMiddleware uses in the crawl,
do both right. They are private to Scrapy, so they are imported here only.
"""

from __future__ import annotations

from collections.abc import Callable

from scrapy.utils._compression import _DecompressionMaxSizeExceeded, _inflate, _unbrotli, _unzstd
from scrapy.utils.gz import gunzip

__all__ = ["BodyDecodingError", "DecompressionMaxSizeExceeded", "decode_body"]

# Re-exported: the one name the rest of the project (and its tests) may use for Scrapy's private error.
DecompressionMaxSizeExceeded = _DecompressionMaxSizeExceeded

_DECODERS: dict[str, Callable[..., bytes]] = {
    "gzip": gunzip, "x-gzip": gunzip, "deflate": _inflate, "br": _unbrotli, "zstd": _unzstd,
}


class BodyDecodingError(ValueError):
    """The body cannot be decoded: unknown or broken encoding, or larger than the limit once decoded."""


def decode_body(body: bytes, content_encoding: str | None, max_size: int) -> bytes:
    """Undo each Content-Encoding in reverse order of application; identity is left alone."""
    encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    for encoding in reversed(encodings):
        if encoding == "identity":
            continue
        decoder = _DECODERS.get(encoding)
        if decoder is None:
            raise BodyDecodingError(f"unknown Content-Encoding {encoding!r}")
        try:
            body = decoder(body, max_size=max_size)
        except _DecompressionMaxSizeExceeded:
            raise BodyDecodingError(f"larger than {max_size} bytes once decoded ({encoding})") from None
        except Exception as exc:  # each codec raises its own kinds (OSError, zlib.error, brotli.error, ...)
            raise BodyDecodingError(f"broken {encoding} body: {exc}") from None
    return body
