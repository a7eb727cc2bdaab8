"""Redirects the crawl must not follow end the fetch with one clear reason.

Scrapy's RedirectMiddleware hands back a 3xx to a non-HTTP scheme (``file:``, ``data:``) as a plain
response, which HttpErrorMiddleware then drops as "HTTP 302", and a redirect off the outlet's domains is
dropped silently by the offsite filter when it is scheduled. This middleware sits between the WARC capture
(950: the 3xx is archived first) and RedirectMiddleware (600) and turns both into an IgnoreRequest whose
message names the target, so the spider's errback writes one line that says what happened.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.crawl import host_in
from crawler.extensions.crawl import crawl_identity

__all__ = ["RedirectGuardMiddleware", "RedirectRefused"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class RedirectRefused(IgnoreRequest):
    """A redirect that is not followed; the message names its target and why."""


class RedirectGuardMiddleware:
    def __init__(self, crawler: Crawler, allowed_domains: tuple[str, ...]) -> None:
        self.crawler = crawler
        self.allowed_domains = allowed_domains

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler, crawl_identity(crawler).allowed_domains)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in _REDIRECTS or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get(b"Location")
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        scheme = urlsplit(target).scheme.lower()
        stats = self.crawler.stats
        if scheme not in ("http", "https"):
            stats.inc_value(f"redirects/refused/scheme_{scheme or 'none'}")
            raise RedirectRefused(f"redirect to a {scheme}: URL not followed: {_short(target)}")
        if self.allowed_domains and not host_in(urlsplit(target).hostname, self.allowed_domains):
            stats.inc_value("redirects/refused/offsite")
            raise RedirectRefused(f"redirect offsite (not one of the outlet's domains) not followed: "
                                  f"{_short(target)}")
        return response


def _short(url: str, limit: int = 200) -> str:
    # A data: URL can be megabytes long; the log needs its start only.
    return url if len(url) <= limit else url[:limit] + "…"
