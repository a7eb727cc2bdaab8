"""Politeness shared by the workers of a shared crawl: a per-host budget in Redis.

Each worker's downloader keeps its own delay and concurrency per host; N workers would press N times as hard.
So with REDIS_URL, every fetch first asks the crawl's budget for its host (one Lua script: the fetches under
way, and the earliest next start): it goes when fewer than CONCURRENT_REQUESTS_PER_DOMAIN (the outlet's
concurrency) are under way across all workers and SHARED_POLITENESS_DELAY (the outlet's download delay) has
passed since the last start; else it waits. Its token is given back with its response or failure (in the worker's
next ask for the host, or within 50 ms); a token lost with its worker expires after DOWNLOAD_TIMEOUT, or at once
when the worker is found dead.

Last of the downloader middlewares (990), just before the download handler: nothing after it holds a request
back, since the add-on (crawler/addons/shared_crawl.py) leaves the worker's own downloader without delay.
"""

from __future__ import annotations

import asyncio
import itertools

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.extensions.shared_crawl import SharedCrawl, shared_crawl

__all__ = ["SharedPolitenessMiddleware"]

_TOKEN = "shared_politeness_token"  # noqa: S105 - the meta key of a budget token, no secret
# How long a fetch waits before it asks again when its host's concurrency is taken.
_FULL_WAIT = 0.05
# How long a done fetch's token may wait for the next ask to go back with it.
_RETURN_WITHIN = 0.05


class SharedPolitenessMiddleware:
    def __init__(self, crawler: Crawler, shared: SharedCrawl, delay: float, concurrency: int,
                 token_ttl: float) -> None:
        self.crawler = crawler
        self.shared = shared
        self.delay_ms = int(delay * 1000)
        self.concurrency = concurrency
        self.token_ttl_ms = int(token_ttl * 1000)
        self._tokens = itertools.count(1)
        # Per host, the tokens of fetches done and not yet given back to Redis.
        self._returned: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        settings = crawler.settings
        shared = shared_crawl(crawler)
        if shared is None:
            raise NotConfigured  # no REDIS_URL: the crawl's own downloader is its politeness, as always
        if not settings.getbool("SHARED_POLITENESS_ENABLED"):
            raise NotConfigured("SHARED_POLITENESS_ENABLED is off")
        return cls(crawler, shared, settings.getfloat("SHARED_POLITENESS_DELAY"),
                   settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getfloat("DOWNLOAD_TIMEOUT") + 10)

    async def process_request(self, request: Request) -> None:
        if self.shared.error is not None or self.shared.refused:
            return
        host = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        active, following = self.shared.keys.politeness(host)
        token = f"{self.shared.worker}:{next(self._tokens)}"
        waited = 0.0
        while True:
            # One round trip of well under a millisecond to a Redis nearby: asked here, as the scheduler asks; the
            # host's tokens given back since the last ask go with it (one round trip a fetch, not two).
            returned = self._returned.pop(active, [])
            wait = self.shared.scripts.polite(keys=[active, following],
                                              args=[self.delay_ms, self.concurrency, token, self.token_ttl_ms,
                                                    *returned])
            if wait == 0:
                break
            pause = _FULL_WAIT if wait < 0 else wait / 1000
            waited += pause
            await asyncio.sleep(pause)
        request.meta[_TOKEN] = (active, token)
        if waited:
            self.crawler.stats.inc_value("shared_politeness/waited_ms", int(waited * 1000))

    def process_response(self, request: Request, response: Response) -> Response:
        self._give_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._give_back(request)

    def _give_back(self, request: Request) -> None:
        """The fetch's token goes back with this worker's next ask for the host, or within _RETURN_WITHIN when no
        fetch asks meanwhile: a token held that long more only lowers the host's concurrency, never raises it."""
        held = request.meta.pop(_TOKEN, None)
        if held is None:
            return
        active, token = held
        pending = self._returned.setdefault(active, [])
        pending.append(token)
        if len(pending) == 1:
            asyncio.get_running_loop().call_later(_RETURN_WITHIN, self._return_now, active)

    def _return_now(self, active: str) -> None:
        tokens = self._returned.pop(active, [])
        if tokens and self.shared.error is None:
            self.shared.client.zrem(active, *tokens)
