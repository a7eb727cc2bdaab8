"""`scrapy crawl`, whose exit status tells a scheduler what happened to the archive.

0: the crawl ran and every file is stored. 2: the archive could not be written, nothing was fetched.
3: the crawl ran but files wait in the spool (run `scrapy archive-sync`). 1: Scrapy's own failures.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

EXIT_UNWRITABLE = 2
EXIT_SPOOLED = 3


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        self._crawlers: list[Any] = []
        super().run(args, opts)
        for crawler in self._crawlers:
            stats = crawler.stats
            if stats.get_value("finish_reason") == "archive_unwritable":
                self.exitcode = EXIT_UNWRITABLE
            elif stats.get_value("archive/files_spooled") and not self.exitcode:
                self.exitcode = EXIT_SPOOLED

    def _create_crawler(self, spname: Any) -> Any:
        crawler = super()._create_crawler(spname)
        self._crawlers.append(crawler)
        return crawler
