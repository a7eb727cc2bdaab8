"""WARC capture at the wire: every response the downloader receives, before anything rewrites it.

The middleware sits at 950, closer to the downloader than HttpCompressionMiddleware (590), which
decompresses bodies and drops Content-Encoding, and than RedirectMiddleware (600) and RetryMiddleware
(550), which swallow 3xx hops and failed attempts: so each hop and each attempt is archived, with its body
still encoded. Headers are turned into a list at this moment, because later middlewares change them in
place. HTTP-cache hits are not new captures and are skipped.

Limits are enforced here, on the wire, rather than by Scrapy's download handler, which cancels a body over
DOWNLOAD_MAXSIZE and so loses it: the capture switches the handler's size checks off for the download
(meta download_maxsize=0), counts the bytes on the `bytes_received` signal, and stops the download with
StopDownload(fail=False) once the body passes DOWNLOAD_MAXSIZE, or once it is still arriving WARC_MAX_FETCH_TIME
after its first byte. The time runs from the first byte, not from the fetch's start: bytes are only seen when
the reactor gets to them, so a reactor busy elsewhere (a 50,000-URL sitemap, a slow page) would otherwise make
a small body that arrived whole look like a drip. Scrapy then hands over what came so far, which is archived
with WARC-Truncated ("length" or "time") and marked in meta `warc_truncated` for the spider. The limits
go back into meta before the response travels on, so HttpCompressionMiddleware still bounds decompressed bodies
by DOWNLOAD_MAXSIZE.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Request, Response

from crawler.handlers.http11 import FETCH_STARTED
from pipelines.archive.extension import ArchiveWriteError
from pipelines.warc.writer import Exchange, WarcWriter

__all__ = ["TRUNCATED", "NotArchived", "WarcCaptureMiddleware", "exchange_of"]

logger = logging.getLogger(__name__)

TRUNCATED = "warc_truncated"
"""Request meta: why the capture cut the body ('length', 'time'); absent for a whole body."""
_LIMITS = "_warc_download_limits"
_RECEIVED = "_warc_bytes_received"
_FIRST_BYTE = "_warc_first_byte_monotonic"
REDACTED_HEADERS = frozenset({b"authorization", b"proxy-authorization"})


class NotArchived(IgnoreRequest):
    """The response could not be written to the WARC (the crawl is stopping): it is not handed on."""


class WarcCaptureMiddleware:
    """Writes a request/response pair per downloaded response; puts the record's reference in meta."""

    def __init__(self, warc: WarcWriter, crawler: Crawler) -> None:
        self.warc = warc
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.warnsize = settings.getint("DOWNLOAD_WARNSIZE")
        self.max_time = settings.getfloat("WARC_MAX_FETCH_TIME")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        warc = crawler.get_extension(WarcWriter)
        if warc is None:
            raise NotConfigured("WARC writing is off (WARC_ENABLED, ARCHIVE_ENABLED)")
        middleware = cls(warc, crawler)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if _LIMITS not in meta:  # a retry or redirect copies the meta, and with it the original limits
            meta[_LIMITS] = (meta.get("download_maxsize", self.maxsize), meta.get("download_warnsize", self.warnsize))
        meta["download_maxsize"] = meta["download_warnsize"] = 0  # the capture enforces them, see above
        meta[_RECEIVED] = 0
        meta.pop(_FIRST_BYTE, None)
        meta.pop(TRUNCATED, None)

    def bytes_received(self, data: bytes, request: Request, spider: Spider | None = None) -> None:
        meta = request.meta
        if _LIMITS not in meta:
            return
        meta[_RECEIVED] = received = meta.get(_RECEIVED, 0) + len(data)
        now = time.monotonic()
        first_byte = meta.setdefault(_FIRST_BYTE, now)
        maxsize = meta[_LIMITS][0]
        if maxsize and received > maxsize:
            meta[TRUNCATED] = "length"
        elif self.max_time and now - first_byte > self.max_time:
            meta[TRUNCATED] = "time"
        else:
            return
        raise StopDownload(fail=False)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        _restore_limits(request)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        _restore_limits(request)
        if "cached" in response.flags:
            return response
        cut_here = request.meta.get(TRUNCATED)  # our own limits (size, time): trying again would cut it again
        exchange = exchange_of(request, response)
        if exchange.truncated:
            request.meta[TRUNCATED] = exchange.truncated
            if self.stats is not None:
                self.stats.inc_value(f"warc/truncated/{exchange.truncated}")
        try:
            ref = await self.warc.write_exchange(exchange)
        except ArchiveWriteError as exc:
            raise NotArchived(f"not archived ({exc}): {request.url}") from None
        request.meta["warc_revisit"] = ref.pop("revisit", None)
        request.meta["warc_record"] = ref
        request.meta["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        if exchange.truncated and not cut_here:
            # The connection broke mid-body (a reset, a body shorter than its Content-Length): the cut body is
            # archived as it came (WARC-Truncated), and the fetch is tried again within RETRY_TIMES, as
            # RetryMiddleware would for a failed download.
            spider = self.crawler.spider  # get_retry_request takes the spider object: nothing of ours is read
            # Given up, the spider says so in its one warning line for the page: no second line at ERROR.
            retry = get_retry_request(request, spider=spider, reason="dataloss",
                                      give_up_log_level=logging.DEBUG) if spider is not None else None
            if retry is not None:
                return retry
        return response


def _restore_limits(request: Request) -> None:
    limits = request.meta.get(_LIMITS)
    if limits is not None:
        request.meta["download_maxsize"], request.meta["download_warnsize"] = limits


def exchange_of(request: Request, response: Response) -> Exchange:
    """The request and response as they went over the wire, as far as Scrapy still knows them."""
    protocol = response.protocol or "HTTP/1.1"
    notes: dict[str, str] = {}
    response_headers: list[tuple[str, str]] = []
    for name, values in response.headers.items():
        for value in values:
            if name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                # Twisted hands over a de-chunked body: a chunked header over it would not replay.
                notes["WARC-Scrapy-Transfer-Decoded"] = value.decode("latin-1")
                continue
            response_headers.append((name.decode("latin-1"), value.decode("latin-1")))
    if (protocol == "HTTP/1.1" and b"Content-Length" not in response.headers
            and response.status not in (204, 304) and response.body):
        # No length and HTTP/1.1: the body came chunked, or until the connection closed.
        notes.setdefault("WARC-Scrapy-Transfer-Decoded", "chunked-or-close-delimited")
    truncated: str | None = request.meta.get(TRUNCATED)
    if truncated is None and ("partial" in response.flags or "dataloss" in response.flags):
        truncated = "length"
    elif truncated is None and "download_stopped" in response.flags:
        truncated = "unspecified"
    elif truncated is None and "maxsize" in response.flags:
        truncated = "length"

    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers: list[tuple[str, str]] = []
    if b"Host" not in request.headers:
        request_headers.append(("Host", parts.netloc))
    for name, values in request.headers.items():
        for value in values:
            shown = b"[redacted]" if name.lower() in REDACTED_HEADERS else value
            request_headers.append((name.decode("latin-1"), shown.decode("latin-1")))

    started = request.meta.get(FETCH_STARTED) or datetime.now(UTC)
    ip = response.ip_address
    return Exchange(
        url=_without_fragment(response.url),
        method=request.method,
        request_target=target,
        request_headers=request_headers,
        request_body=request.body or b"",
        protocol=protocol,
        status=response.status,
        reason=_reason(response.status),
        response_headers=response_headers,
        body=response.body,
        ip_address=str(ipaddress.ip_address(ip)) if ip is not None else None,
        started_at=started,
        truncated=truncated,
        notes=notes,
    )


def _reason(status: int) -> str:
    # Scrapy does not keep the reason phrase the server sent; the standard phrase stands in for it.
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]
