"""`scrapy crawl`, whose exit status tells a scheduler what happened to the archive.

0: the crawl ran, every page was fetched whole (or answered: a 404 is the server's answer) and every file is
   stored.
1: Scrapy's own failures.
2: nothing was fetched: bad input (an unknown outlet, a bad argument, a bad ARCHIVE_URI), an archive that
   refused to be written, or another crawl of the outlet holding its lease.
3: the crawl ran but files wait in the spool (the store was unreachable): `scrapy archive-sync` stores them.
4: the archive could not be written (a full disk, an I/O error): the crawl stopped; what was written waits
   in the spool for `scrapy archive-sync` once there is room.
5: the crawl ran and stored everything, but pages failed: fetches that got no answer or a 5xx after their
   retries, or bodies cut short (the report line and the manifest's errors name them).
6: the crawl ran and stored everything, but fields the outlet's items used to have dropped (a redesign of its
   site: byline 95% → 0%; pipelines/archive/drift.py): the error line and the manifest's "drift" name them.
When several apply, the first of 1, 2, 4, 3, 6, 5 wins. The archive's own state first: nothing fetched (2), a
crawl cut short by a full disk (4), files not yet stored (3) each need someone before the next crawl can be
whole. Then 6 before 5: failed pages are fetched again by the next crawl by themselves (only answered pages
count as archived), and a site's redeploy, the very day its fields drop, is a likely day for failed pages;
a dropped field stays dropped in every crawl until its extractor is fixed, so 5 must not hide it.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from pipelines.archive.manifest import failed_fetches
from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError

__all__ = ["EXIT_FAILED_PAGES", "EXIT_FIELDS_DROPPED", "EXIT_REFUSED", "EXIT_SPOOLED", "EXIT_WRITE_FAILED",
           "Command"]

logger = logging.getLogger(__name__)

EXIT_REFUSED = 2
EXIT_SPOOLED = 3
EXIT_WRITE_FAILED = 4
EXIT_FAILED_PAGES = 5
EXIT_FIELDS_DROPPED = 6
_PRECEDENCE = (1, EXIT_REFUSED, EXIT_WRITE_FAILED, EXIT_SPOOLED, EXIT_FIELDS_DROPPED, EXIT_FAILED_PAGES)
_REFUSALS = ("archive_unwritable", "outlet_leased")


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self._crawlers: list[Crawler] = []
        try:
            self._check(args, opts)
        except UsageError as exc:
            # One line, no traceback and no usage text: what is wrong, and the exit status says nothing ran.
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = EXIT_REFUSED
            return
        super().run(args, opts)
        for crawler in self._crawlers:
            self.exitcode = _winning_exit_code(self.exitcode, _exit_code(crawler))

    def _check(self, args: list[str], opts: argparse.Namespace) -> None:
        """Bad input found before anything starts: Scrapy would raise it from inside the crawl, as tracebacks."""
        if len(args) != 1:
            return  # Scrapy's own usage errors
        assert self.crawler_process is not None
        assert self.settings is not None
        loader = self.crawler_process.spider_loader
        if args[0] not in loader.list():
            raise UsageError(f"unknown outlet {args[0]!r} (outlets: {', '.join(sorted(loader.list()))})")
        try:
            loader.load(args[0])(**opts.spargs)  # the spider's own parsing of its arguments, nothing else
        except (ValueError, TypeError) as exc:
            raise UsageError(str(exc)) from None
        if self.settings.getbool("ARCHIVE_ENABLED"):
            try:
                store_from_uri(self.settings["ARCHIVE_URI"], self.settings)
            except StoreError as exc:
                raise UsageError(str(exc)) from None

    def _create_crawler(self, spname: str | type[Spider]) -> Crawler:
        crawler = super()._create_crawler(spname)
        self._crawlers.append(crawler)
        return crawler


def _winning_exit_code(*codes: int) -> int:
    """The code that wins when several apply (the module's docstring says why in this order); 0 when none."""
    found = [code for code in codes if code]
    return min(found, key=lambda code: _PRECEDENCE.index(code) if code in _PRECEDENCE else -1, default=0)


def _exit_code(crawler: Crawler) -> int:
    stats = crawler.stats
    if stats is None:
        return 0
    values = stats.get_stats()
    if values.get("finish_reason") in _REFUSALS:
        return EXIT_REFUSED
    if any(key.startswith("archive/write_failed/") for key in values):
        return EXIT_WRITE_FAILED
    if values.get("archive/files_spooled"):
        return EXIT_SPOOLED
    if values.get("drift/fields_dropped"):
        return EXIT_FIELDS_DROPPED
    if failed_fetches(values):
        return EXIT_FAILED_PAGES
    return 0
