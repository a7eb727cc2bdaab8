"""Run (p): the peer a user would pick instead of this project, on the same pages.

Scrapy 2.11 with scrapy-webarchive 0.5.3 (its WaczExporter extension writes every response and request to a
WARC and packs a WACZ when the spider closes, SW_EXPORT_URI) and trafilatura.extract(with_metadata=True) on
each article page, items to JSON Lines through FEEDS. It runs in its own venv, `.venv-peer` (`make peer-env`:
scrapy-webarchive needs Scrapy < 2.12, which needs w3lib < 2.2 and Twisted < 24.10 to run today).

Discovery is bench.plain_spider's, shared with (a) and (f). Scrapy 2.11 calls start_requests(), not start().
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import trafilatura
from scrapy.http import Request, Response

from bench.plain_spider import Discovery

__all__ = ["PEER_SETTINGS", "PeerSpider"]

# What `scrapy startproject` writes into a 2.11 project's settings.py, and the two plugins' own settings; the
# export URI and FEEDS are set per run by bench.run (they name the run's folder).
PEER_SETTINGS: dict[str, Any] = {
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "FEED_EXPORT_ENCODING": "utf-8",
    "EXTENSIONS": {"scrapy_webarchive.extensions.WaczExporter": 543},
}


class PeerSpider(Discovery):
    name = "peer"

    def start_requests(self) -> Iterator[Request]:
        yield from self.first_requests()

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        found = trafilatura.extract(response.text, url=response.url, with_metadata=True, output_format="json")
        if found is not None:
            yield {"url": response.url, **json.loads(found)}
