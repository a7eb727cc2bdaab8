"""The spider's side of page requisites: which of a page's requisites to fetch, within which budgets.

For each article page, its requisites (crawler/requisites.py) on the outlet's own hosts and its
`asset_hosts` are requested once per crawl (by URL); across crawls an unchanged requisite costs a revisit
record (the WARC writer knows every payload digest archived before). Budgets bound what one page and one
crawl may add (REQUISITES_PER_PAGE, REQUISITES_MAX_COUNT, REQUISITES_MAX_BYTES), with stats for what they
held back. robots.txt: a requisite of a page robots.txt permitted is fetched as its prerequisite, as
Heritrix and Browsertrix do (a replay without its stylesheet is not the page the reader saw); politeness
stays: requisites share the outlet's download slots, delay and concurrency. Requisites never become items.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.crawl import CrawlIdentity, host_in
from crawler.requisites import css_requisites
from crawler.utils.seen import crawl_seen

__all__ = ["RequisiteScheduler"]

logger = logging.getLogger(__name__)

KIND = "requisite"
_CSS = (b"text/css",)


class RequisiteScheduler:
    def __init__(self, identity: CrawlIdentity, asset_hosts: tuple[str, ...], settings: BaseSettings,
                 stats: StatsCollector) -> None:
        self.identity = identity
        self.asset_hosts = asset_hosts
        self.enabled = settings.getbool("REQUISITES_ENABLED")
        self.per_page = settings.getint("REQUISITES_PER_PAGE")
        self.max_count = settings.getint("REQUISITES_MAX_COUNT")
        self.max_bytes = settings.getint("REQUISITES_MAX_BYTES")
        self.css_depth = settings.getint("REQUISITES_CSS_DEPTH")
        self.stats = stats
        # each URL's SHA-1 (20 bytes, not the URL's ~100; a collision is never met), in a scratch file under
        # SCHEDULER_SPILL_DIR: the set grows with the crawl, the process's memory does not (closed by the spider)
        self.seen = crawl_seen(settings)
        self.bytes = 0

    def of_page(self, urls: list[str], page_url: str, callback: Callable[[Response], Iterator[scrapy.Request]],
                errback: Callable[[Failure], None]) -> Iterator[scrapy.Request]:
        """Requests for the requisites of an article page (`urls`, found with the page's item by
        crawler.extractors.page.read_page) not yet fetched in this crawl."""
        if not self.enabled:
            return
        yield from self._requests(urls, page_url, 1, callback, errback)

    def of_stylesheet(self, response: Response, callback: Callable[[Response], Iterator[scrapy.Request]],
                      errback: Callable[[Failure], None]) -> Iterator[scrapy.Request]:
        """Counts a fetched requisite; for a stylesheet, requests what it imports and references."""
        self.stats.inc_value("requisites/fetched")
        self.bytes += len(response.body)
        self.stats.inc_value("requisites/bytes", len(response.body))
        depth = int(response.meta.get("requisite_depth", 1))
        content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        is_css = content_type in _CSS or urlsplit(response.url).path.endswith(".css")
        if not is_css or depth >= self.css_depth or not isinstance(response, TextResponse) \
                or response.meta.get("warc_truncated"):
            return
        page = response.meta.get("requisite_of", response.url)
        yield from self._requests(css_requisites(response.text, response.url), page, depth + 1, callback, errback)

    def failed(self, failure: Failure) -> None:
        """A requisite that could not be fetched: counted apart from pages (a page's loss is its article)."""
        request = getattr(failure, "request", None)
        kind = failure.type.__name__ if failure.type is not None else "Error"
        if isinstance(failure.value, HttpError):
            kind = f"http_{failure.value.response.status}"
        self.stats.inc_value(f"requisites/failed/{kind}")
        logger.debug("requisite not fetched: %s (%s)", request.url if request is not None else "?", kind)

    def _requests(self, urls: list[str], page: str, depth: int,
                  callback: Callable[[Response], Iterator[scrapy.Request]],
                  errback: Callable[[Failure], None]) -> Iterator[scrapy.Request]:
        added = 0
        for url in urls:
            fetch_url = self.identity.to_fetch_url(url)
            on_outlet = self.identity.on_outlet(fetch_url)
            if not (on_outlet or host_in(urlsplit(fetch_url).hostname, self.asset_hosts)):
                self.stats.inc_value("requisites/skipped/other_host")
                continue
            if self.identity.mirror and not on_outlet:
                # A crawl of a mirror (-a base_url) archives what the mirror serves: its asset hosts are not it.
                self.stats.inc_value("requisites/skipped/not_mirrored")
                continue
            digest = hashlib.sha1(fetch_url.encode("utf-8"), usedforsecurity=False).digest()
            if digest in self.seen:
                continue
            if added >= self.per_page:
                self.stats.inc_value("requisites/skipped/page_budget")
                continue
            if len(self.seen) >= self.max_count or self.bytes >= self.max_bytes:
                self.stats.inc_value("requisites/skipped/crawl_budget")
                continue
            self.seen.add(digest)
            added += 1
            self.stats.inc_value("requisites/scheduled")
            yield scrapy.Request(
                fetch_url, callback=callback, errback=errback, dont_filter=True, priority=1,
                meta={"archive_kind": KIND, "requisite_of": page, "requisite_depth": depth,
                      # Fetched as prerequisites of a page robots.txt permitted (see above).
                      "dont_obey_robotstxt": True, "allow_offsite": True},
            )
