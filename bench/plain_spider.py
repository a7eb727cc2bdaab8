"""Runs (a) and (f): plain Scrapy. Follows the replica's feed, sitemaps and listing pages to every article, as
our spider does; (a) parses nothing (article responses are dropped as they arrive); (f), the parse floor
(`-a parse=lxml`), parses each article page once with lxml and keeps nothing: the least any extraction must do.

`Discovery` is the part every bench spider shares, the peer's too (bench/peer_spider.py, on Scrapy 2.11): the
same first requests, the same discovery callbacks, each article handed to `parse_article`.

Their settings are Scrapy's defaults plus only what every run shares (PLAIN_SETTINGS, and the concurrency,
delay and robots settings bench.run passes to all runs alike).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import lxml.html
import scrapy
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

__all__ = ["PLAIN_SETTINGS", "Discovery", "PlainSpider"]

PLAIN_SETTINGS: dict[str, Any] = {
    "TELNETCONSOLE_ENABLED": False,  # off in the project too
    "LOG_LEVEL": "INFO",
}


class Discovery(scrapy.Spider):
    """Feed, sitemaps and listing pages to every article; subclasses say what an article costs."""

    def __init__(self, *args: Any, base_url: str = "", max_listing_pages: str | int = 5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.max_listing_pages = int(max_listing_pages)

    def first_requests(self) -> list[scrapy.Request]:
        return [
            scrapy.Request(f"{self.base_url}/feed", callback=self.parse_feed),
            scrapy.Request(f"{self.base_url}/sitemap.xml", callback=self.parse_sitemap),
            scrapy.Request(f"{self.base_url}/latest-news-and-top-stories/", callback=self.parse_listing,
                           cb_kwargs={"page": 1}),
        ]

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        for link in response.xpath("//item/link/text()").getall():
            yield scrapy.Request(link.strip(), callback=self.parse_article)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = Sitemap(response.body)
        follow = self.parse_sitemap if sitemap.type == "sitemapindex" else self.parse_article
        for entry in sitemap:
            yield scrapy.Request(entry["loc"], callback=follow)

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        for href in response.css("div.article a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        if page < self.max_listing_pages:
            yield scrapy.Request(f"{self.base_url}/latest-news-and-top-stories/page/{page + 1}/",
                                 callback=self.parse_listing, cb_kwargs={"page": page + 1})

    def parse_article(self, response: Response) -> Any:
        raise NotImplementedError


class PlainSpider(Discovery):
    """(a): parses nothing; (f) with `parse="lxml"`: one lxml parse of each article page."""

    name = "plain"

    def __init__(self, *args: Any, parse: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parse not in ("", "lxml"):
            raise ValueError(f"parse: expected 'lxml' or nothing, got {parse!r}")
        self.parse_lxml = parse == "lxml"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.first_requests():
            yield request

    def parse_article(self, response: Response) -> None:
        if self.parse_lxml:
            lxml.html.document_fromstring(response.text)
