"""WARC capture at the wire: every response the downloader receives, before anything rewrites it.

The middleware sits at 950, closer to the downloader than HttpCompressionMiddleware (590), which
decompresses bodies and drops Content-Encoding, and than RedirectMiddleware (600) and RetryMiddleware
(550), which swallow 3xx hops and failed attempts: so each hop and each attempt is archived, with its body
still encoded. Headers are turned into a list at this moment, because later middlewares change them in
place. HTTP-cache hits are not new captures and are skipped.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from pipelines.warc_writer import Exchange, WarcFiles

__all__ = ["TimedHTTP11DownloadHandler", "WarcCaptureMiddleware"]

logger = logging.getLogger(__name__)

FETCH_STARTED = "fetch_started_at"
REDACTED_HEADERS = frozenset({b"authorization", b"proxy-authorization"})


class TimedHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, noting when the fetch really began (after the politeness delay).

    WARC-Date is the time the fetch began; no signal marks that moment, as request_reached_downloader
    fires before the download slot's delay.
    """

    async def download_request(self, request: Request) -> Response:
        request.meta[FETCH_STARTED] = datetime.now(UTC)
        return await super().download_request(request)


class WarcCaptureMiddleware:
    """Writes a request/response pair per downloaded response; puts the record's reference in meta."""

    def __init__(self, warc: WarcFiles) -> None:
        self.warc = warc

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        warc = WarcFiles.of(crawler)
        if warc is None:
            raise NotConfigured("the archive is off (ARCHIVE_ENABLED)")
        return cls(warc)

    async def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response
        ref = await self.warc.write_exchange(exchange_of(request, response))
        request.meta["warc_record"] = ref
        request.meta["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        return response


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
    truncated = None
    if "partial" in response.flags or "dataloss" in response.flags:
        truncated = "length"
    elif "download_stopped" in response.flags:
        truncated = "unspecified"
    elif "maxsize" in response.flags:
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
