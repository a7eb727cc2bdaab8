"""The one owner of the crawl's identity: settled when the crawl is built, read by every other component.

The spider parses its arguments into the identity it asks for; this extension, the first one built,
settles it: a crawl resumed from JOBDIR under an id an earlier run already used (scrapyd: the same job id)
gets an id of its own (`<id>-r1`, `-r2`, ...), so its files never collide with those the stopped run stored.
The ids a JOBDIR has run under are kept in `<JOBDIR>/crawl_ids.json`, written at once (a killed run
counts too). Components ask `crawler.get_extension(CrawlExtension).identity`; none reads the spider.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.crawl import CrawlIdentity

__all__ = ["CrawlExtension", "crawl_identity"]

logger = logging.getLogger(__name__)

JOBDIR_IDS = "crawl_ids.json"


class CrawlExtension:
    def __init__(self, identity: CrawlIdentity) -> None:
        self.identity = identity

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlExtension:
        # The handover: the spider is built before any extension, with the identity its arguments ask for.
        requested: CrawlIdentity | None = getattr(crawler.spider, "requested_identity", None)
        if requested is None:  # a Crawler built without a crawl (scrapy.utils.test.get_crawler), or another spider
            raise NotConfigured("the spider names no crawl identity")
        jobdir = crawler.settings.get("JOBDIR")
        identity = _resumed(requested, Path(jobdir)) if jobdir else requested
        return cls(identity)


def crawl_identity(crawler: Crawler) -> CrawlIdentity:
    """The settled identity of a running crawl (for components built after the extensions)."""
    extension = crawler.get_extension(CrawlExtension)
    if extension is None:
        raise RuntimeError("CrawlExtension is not enabled: it must stay in EXTENSIONS")
    return extension.identity


def _resumed(requested: CrawlIdentity, jobdir: Path) -> CrawlIdentity:
    path = jobdir / JOBDIR_IDS
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = []
    if not isinstance(earlier, list):
        earlier = []
    base, crawl_id, n = requested.crawl_id, requested.crawl_id, 0
    while crawl_id in earlier:
        n += 1
        crawl_id = f"{base}-r{n}"
    if n:
        logger.info("resuming crawl %s from JOBDIR as crawl %s", base, crawl_id)
    jobdir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps([*earlier, crawl_id]), encoding="utf-8")
    os.replace(partial, path)
    return requested.renamed(crawl_id)
