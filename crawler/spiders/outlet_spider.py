"""The spider every outlet shares: it discovers article URLs and hands each article page to the extractor.

No outlet has a Python class of its own: crawler.spiderloader makes one subclass per entry of
outlets.toml, named after its key, carrying the Outlet in `outlet`. The spider parses its arguments into the
crawl's identity (crawler/crawl.py), which CrawlExtension settles and every component reads from there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import traceback
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.crawl import CrawlIdentity, new_crawl_id, origin_of
from crawler.extensions.crawl import crawl_identity
from crawler.extensions.page_readers import PageReaders
from crawler.extractors.page import PageNotParsable
from crawler.items import ArticleItem
from crawler.middlewares.redirect_guard import RedirectRefused
from crawler.middlewares.warc_capture import NotArchived
from crawler.outlets import Outlet
from crawler.spiders.requisites import RequisiteScheduler
from crawler.spiders.sitemaps import SitemapError, SitemapReader, loose_date
from crawler.utils.seen import SeenDigests, crawl_seen
from pipelines.archive.earlier import EarlierCrawls
from pipelines.archive.extension import ArchiveExtension

__all__ = ["OutletSpider"]

logger = logging.getLogger(__name__)

# Sitemap entries read per turn of the sitemap thread: their requests are made before the next are read.
SITEMAP_BATCH = 200

_HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class OutletSpider(scrapy.Spider):
    """Discovery through feeds, sitemaps and listing pages; one item per article page."""

    outlet: ClassVar[Outlet]

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        urls: str | None = None,
        since: str | None = None,
        max_articles: str | int | None = None,
        max_listing_pages: str | int | None = None,
        crawl_id: str | None = None,
        refresh_days: str | int | None = None,
        _job: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        outlet = self.outlet
        fetch_origin = origin_of(base_url, "base_url") if base_url else outlet.origin
        # What the arguments ask for; CrawlExtension settles it (a JOBDIR resume renames the crawl).
        self.requested_identity = CrawlIdentity(
            outlet=self.name, outlet_origin=outlet.origin, domains=outlet.domains,
            # scrapyd passes its job id as _job: the crawl is then named after the job.
            crawl_id=crawl_id or _job or new_crawl_id(), fetch_origin=fetch_origin, scrapyd_job=_job,
            since=_parse_since(since) if since else None,
        )
        self.allowed_domains = list(self.requested_identity.allowed_domains)  # read by Scrapy's OffsiteMiddleware
        self.article_urls = [u.strip() for u in (urls or "").split(",") if u.strip()]
        for url in self.article_urls:
            origin_of(url, "urls")  # an http(s) URL each, or one clear error
        self.max_articles = _positive_int(max_articles, "max_articles")
        self.max_listing_pages = _positive_int(max_listing_pages, "max_listing_pages") \
            or outlet.start.listing_max_pages
        # Incremental: articles an earlier crawl archived are skipped, unless older than refresh_days.
        self.refresh_days = _positive_int(refresh_days, "refresh_days", minimum=0)
        self.earlier: EarlierCrawls | None = None
        self.requisites: RequisiteScheduler
        self.page_readers: PageReaders
        self._identity: CrawlIdentity | None = None
        self._articles_scheduled: SeenDigests | None = None  # (articles_scheduled)
        self._limit_logged = False
        # One thread reads every sitemap, one batch at a time (lxml's parser stays in the thread that made it).
        self._sitemap_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitemap-reader")
        self._sitemap_turn = asyncio.Lock()  # one sitemap read at a time (parse_sitemap)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OutletSpider:
        kwargs.setdefault("crawl_id", crawler.settings.get("CRAWL_ID") or None)
        spider: OutletSpider = super().from_crawler(crawler, *args, **kwargs)
        ua = cls.outlet.politeness.user_agent
        if ua:
            spider.user_agent = ua  # type: ignore[attr-defined]  # read by UserAgentMiddleware
        return spider

    @property
    def articles_scheduled(self) -> SeenDigests:
        """Each scheduled article's path as its SHA-1, in a scratch file under SCHEDULER_SPILL_DIR: the set grows
        with the crawl, the process's memory does not (made at the first article, removed when the spider closes)."""
        if self._articles_scheduled is None:
            self._articles_scheduled = crawl_seen(self.settings)
        return self._articles_scheduled

    @property
    def identity(self) -> CrawlIdentity:
        """The crawl's settled identity (CrawlExtension's)."""
        if self._identity is None:
            self._identity = crawl_identity(self.crawler)
        return self._identity

    def is_article_url(self, url: str) -> bool:
        return self.identity.on_outlet(url) and self.outlet.is_article_path(urlsplit(url).path)

    # Discovery.

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.requisites = RequisiteScheduler(self.identity, self.outlet.asset_hosts, self.settings,
                                             self.crawler.stats)
        # Disabled in EXTENSIONS, the readers still read: in this process, as EXTRACT_PROCESSES = 0 does.
        self.page_readers = self.crawler.get_extension(PageReaders) or PageReaders(self.crawler, processes=0)
        if self.article_urls:
            for url in self.article_urls:
                request = self.article_request(url, forced=True)
                if request is not None:
                    yield request
            return
        self.earlier = await asyncio.to_thread(self._earlier_crawls)
        start = self.outlet.start
        for path in start.feeds:
            yield self._request(path, "feed", self.parse_feed)
        for path in start.sitemaps:
            yield self._request(path, "sitemap", self.parse_sitemap)
        for path in start.listings:
            yield self._request(path, "listing", self.parse_listing, page=1)

    def _earlier_crawls(self) -> EarlierCrawls:
        """What earlier crawls archived (the archive's one read of their indexes); nothing when the archive is
        off or its indexes cannot be read, so that every article is fetched."""
        archive = self.crawler.get_extension(ArchiveExtension)
        if archive is None:
            return EarlierCrawls()
        try:
            earlier = archive.earlier_crawls()
        except Exception as exc:
            logger.warning("earlier crawls' indexes could not be read: every article is fetched (%s)", exc)
            return EarlierCrawls()
        return earlier.logged(self.name)

    def _request(self, path_or_url: str, kind: str, callback: Any, **meta: Any) -> scrapy.Request:
        url = self.identity.to_fetch_url(urljoin(self.outlet.origin + "/", path_or_url))
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              meta={"archive_kind": kind, **meta}, dont_filter=True)

    def article_request(self, url: str, published: date | None = None, *,
                        forced: bool = False) -> scrapy.Request | None:
        """A request for an article URL found anywhere, or None when it is not to be fetched."""
        fetch_url = self.identity.to_fetch_url(url)
        if not forced and not self.is_article_url(fetch_url):
            return None
        scheduled = self.articles_scheduled
        key = hashlib.sha1(urlsplit(fetch_url).path.rstrip("/").encode("utf-8"), usedforsecurity=False).digest()
        if key in scheduled:
            return None
        stats = self.crawler.stats
        since = self.identity.since
        if since and published and published < since:
            stats.inc_value("discovery/skipped_before_since")
            return None
        if self.max_articles and len(scheduled) >= self.max_articles:
            if not self._limit_logged:
                logger.info("max_articles=%d reached: no more articles are scheduled", self.max_articles)
                self._limit_logged = True
            stats.inc_value("discovery/skipped_max_articles")
            return None
        if not forced and self.earlier is not None and self.earlier.archived_since(
                fetch_url, self._refresh_cutoff()):
            stats.inc_value("discovery/skipped_archived")
            return None
        scheduled.add(key)
        stats.inc_value("discovery/articles_scheduled")
        return scrapy.Request(fetch_url, callback=self.parse_article, errback=self.on_error,
                              meta={"archive_kind": "article", "forced": forced})

    def _refresh_cutoff(self) -> datetime | None:
        if self.refresh_days is None:
            return None
        return datetime.now(UTC) - timedelta(days=self.refresh_days)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if self._archived_only(response, "feed"):
            return
        if not isinstance(response, TextResponse):
            self._not_parsable(response, "feed")
            return
        selector = scrapy.Selector(text=response.text, type="xml")
        selector.remove_namespaces()
        found = 0
        for entry in selector.xpath("//item | //entry"):
            link = entry.xpath("link/text()").get() or entry.xpath("link/@href").get() \
                or entry.xpath("guid/text()").get()
            when = entry.xpath("pubDate/text() | published/text() | updated/text() | date/text()").get()
            if not link:
                continue
            found += 1
            request = self.article_request(urljoin(response.url, link.strip()), _feed_date(when))
            if request is not None:
                yield request
        self.crawler.stats.inc_value("discovery/feed_entries", found)

    async def parse_sitemap(self, response: Response) -> AsyncIterator[scrapy.Request]:
        if self._archived_only(response, "sitemap"):
            return
        # A sitemap holds up to 50,000 URLs: parsing and filtering them is seconds of CPU, which on the reactor's
        # thread would stall every download in flight. The sitemap thread reads them, SITEMAP_BATCH at a time:
        # their requests are made and handed over before more are read (crawler/spiders/sitemaps.py). One sitemap
        # is read at a time, whole: read in turns, the 13 sitemaps bench's 20,000-article crawl fetched together
        # each kept a parser alive to its end, 10,700 requests were queued within 1,000 responses and RSS rose
        # 8-10 MB at once; one at a time, no such step in 5 runs (`python -m bench.memtrace --n 20000 --runs c`).
        async with self._sitemap_turn:
            async for request in self._sitemap_requests(response):
                yield request

    async def _sitemap_requests(self, response: Response) -> AsyncIterator[scrapy.Request]:
        reader = SitemapReader(response.body, response.url, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"),
                               is_article_path=self.outlet.is_article_path)
        loop = asyncio.get_running_loop()
        stats = self.crawler.stats
        while True:
            try:
                batch = await loop.run_in_executor(self._sitemap_thread, reader.read, SITEMAP_BATCH)
            except SitemapError as exc:
                logger.warning("%s: %s (%s)", exc.error, response.url, exc.detail)
                stats.inc_value("discovery/bad_sitemap")
                return
            stats.inc_value("discovery/sitemap_entries", batch.entries)
            for url, lastmod in batch.urls:
                if reader.index:
                    yield scrapy.Request(self.identity.to_fetch_url(url), callback=self.parse_sitemap,
                                         errback=self.on_error, meta={"archive_kind": "sitemap"})
                else:
                    request = self.article_request(url, lastmod)
                    if request is not None:
                        yield request
            if batch.done:
                return

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if self._archived_only(response, "listing"):
            return
        if not isinstance(response, TextResponse):
            self._not_parsable(response, "listing")
            return
        found = 0
        for href in response.css("a::attr(href)").getall():
            request = self.article_request(urljoin(response.url, href.strip()))
            if request is not None:
                found += 1
                yield request
        page = int(response.meta.get("page", 1))
        pagination = self.outlet.start.listing_pagination
        if pagination and page < self.max_listing_pages and (found or self.articles_scheduled):
            yield self._request(pagination.format(n=page + 1), "listing", self.parse_listing, page=page + 1)

    # Articles.

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem | scrapy.Request]:
        if self._archived_only(response, "article"):
            return
        if response.meta.get("redirect_urls") and not response.meta.get("forced") and self.earlier is not None \
                and self.earlier.archived_since(response.url, self._refresh_cutoff()):
            # Found under an old URL that redirects to one an earlier crawl archived: the hop is archived now,
            # the article was then (with its item). Skipped only after the fetch, as the redirect is not known
            # before it.
            self.crawler.stats.inc_value("discovery/skipped_archived")
            return
        content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if not isinstance(response, TextResponse) or (content_type and content_type not in _HTML_TYPES):
            self._not_parsable(response, "article")
            return
        try:
            # One parse for the item and the requisites, in a reader process when there are any.
            read = await self.page_readers.read(
                self.outlet, response.text, self.identity.to_outlet_url(response.url),
                requisites_of=response.url if self.requisites.enabled else None,
                fetched_url=response.url,
                fetched_at=response.meta.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds"),
                crawl_id=self.identity.crawl_id,
                warc=response.meta.get("warc_record"),
                warc_revisit=response.meta.get("warc_revisit"),
            )
        except PageNotParsable as exc:
            logger.warning("article archived but not extracted: %s (%s)", response.url, exc)
            self.crawler.stats.inc_value("pages/not_parsable/article")
            return
        yield read.item
        for request in self.requisites.of_page(read.requisites, response.url, self.parse_requisite,
                                               self.on_requisite_error):
            yield request

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """A stylesheet, script, image or font of an article page: archived (the capture did it), never an item."""
        # Returned, not yielded from: Scrapy reads a generator callback's source (inspect.getsource, ast.parse) for
        # a `return` with a value on every response whose callback is a new bound method (~0.1 ms a requisite, its
        # cache being keyed by the method object); of_stylesheet is itself a generator, as lazy as before.
        return self.requisites.of_stylesheet(response, self.parse_requisite, self.on_requisite_error)

    def on_requisite_error(self, failure: Failure) -> None:
        # A spider method, not the scheduler's: requests keep to the spider's methods so JOBDIR can store them.
        self.requisites.failed(failure)

    def _archived_only(self, response: Response, kind: str) -> bool:
        """True, with one log line, for a body cut short (see crawler.middlewares.warc_capture) or empty."""
        truncated = response.meta.get("warc_truncated")
        if truncated:
            why = {"length": "cut at DOWNLOAD_MAXSIZE or shorter than its Content-Length",
                   "time": "still arriving after WARC_MAX_FETCH_TIME"}.get(truncated, truncated)
            logger.warning("%s truncated (%s), archived but not extracted: %s (%d bytes)", kind, why, response.url,
                           len(response.body))
            self.crawler.stats.inc_value(f"pages/truncated/{kind}")
            return True
        if not response.body and response.status == 200:
            logger.warning("%s has an empty body, archived but not extracted: %s", kind, response.url)
            self.crawler.stats.inc_value(f"pages/empty/{kind}")
            return True
        return False

    def _not_parsable(self, response: Response, kind: str) -> None:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or "no Content-Type"
        logger.warning("not an HTML/XML %s, archived but not extracted: %s (%s)", kind, response.url, content_type)
        self.crawler.stats.inc_value(f"pages/not_parsable/{kind}")

    def closed(self, reason: str) -> None:
        self._sitemap_thread.shutdown(wait=False)  # the thread ends after the batch it may be reading
        if self._articles_scheduled is not None:
            self._articles_scheduled.close()
        if hasattr(self, "requisites"):  # (made by start())
            self.requisites.seen.close()

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind = failure.type.__name__ if failure.type is not None else "Error"
        reason = failure.getErrorMessage() or "no message"
        if isinstance(failure.value, HttpError):
            status = failure.value.response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
        elif isinstance(failure.value, RedirectRefused):
            kind = "redirect_refused"
        elif isinstance(failure.value, NotArchived):
            # The archive has logged why once (a full disk); the crawl is stopping: one count per page.
            self.crawler.stats.inc_value("pages/failed/not_archived")
            return
        elif isinstance(failure.value, IgnoreRequest) and "during decompression" in reason:
            # HttpCompressionMiddleware has logged it, with the URL and the sizes: once is enough.
            self.crawler.stats.inc_value("pages/failed/decompressed_too_large")
            # Its cause's traceback holds the frame with the DOWNLOAD_MAXSIZE bytes decompressed so far, in
            # a reference cycle only the garbage collector would break: free them now.
            cause = failure.value.__cause__
            if cause is not None and cause.__traceback__ is not None:
                traceback.clear_frames(cause.__traceback__)
            return
        logger.warning("fetch failed: %s (%s: %s)", url, kind, reason)
        self.crawler.stats.inc_value(f"pages/failed/{kind}")


def _parse_since(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"since: expected a day as YYYY-MM-DD, got {value!r}") from None


def _positive_int(value: str | int | None, arg: str, minimum: int = 1) -> int | None:
    kind = "a positive whole number" if minimum == 1 else f"a whole number of {minimum} or more"
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{arg}: expected {kind}, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{arg}: expected {kind}, got {value!r}")
    return number


def _feed_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError, IndexError):
        return loose_date(text)
