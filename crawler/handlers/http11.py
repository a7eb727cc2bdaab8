"""Scrapy's HTTP/1.1 download handler, noting when each fetch really began (WARC-Date)."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

__all__ = ["FETCH_STARTED", "TimedHTTP11DownloadHandler"]

FETCH_STARTED = "fetch_started_at"
"""Request meta: when the fetch began, after the politeness delay."""


class TimedHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, noting when the fetch really began (after the politeness delay).

    WARC-Date is the time the fetch began; no signal marks that moment, as request_reached_downloader
    fires before the download slot's delay.
    """

    async def download_request(self, request: Request) -> Response:
        request.meta[FETCH_STARTED] = datetime.now(UTC)
        return await super().download_request(request)
