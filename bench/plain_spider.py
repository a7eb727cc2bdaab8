"""Run (a): plain Scrapy. Follows the replica's feed, sitemaps and listing pages to every article, as our
spider does, and parses nothing: article responses are dropped as they arrive.

Its settings are Scrapy's defaults plus only what every run shares (PLAIN_SETTINGS, and the concurrency,
delay and robots settings bench.run passes to all runs alike).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

__all__ = ["PLAIN_SETTINGS", "PlainSpider"]

PLAIN_SETTINGS: dict[str, Any] = {
    "TELNETCONSOLE_ENABLED": False,  # off in the project too
    "LOG_LEVEL": "INFO",
}


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, *args: Any, base_url: str = "", max_listing_pages: str | int = 5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.max_listing_pages = int(max_listing_pages)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.base_url}/feed", callback=self.parse_feed)
        yield scrapy.Request(f"{self.base_url}/sitemap.xml", callback=self.parse_sitemap)
        yield scrapy.Request(f"{self.base_url}/latest-news-and-top-stories/", callback=self.parse_listing,
                             cb_kwargs={"page": 1})

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        for link in response.xpath("//item/link/text()").getall():
            yield scrapy.Request(link.strip(), callback=self.drop)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = Sitemap(response.body)
        follow = self.parse_sitemap if sitemap.type == "sitemapindex" else self.drop
        for entry in sitemap:
            yield scrapy.Request(entry["loc"], callback=follow)

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        for href in response.css("div.article a::attr(href)").getall():
            yield response.follow(href, callback=self.drop)
        if page < self.max_listing_pages:
            yield scrapy.Request(f"{self.base_url}/latest-news-and-top-stories/page/{page + 1}/",
                                 callback=self.parse_listing, cb_kwargs={"page": page + 1})

    def drop(self, response: Response) -> None:
        return None
