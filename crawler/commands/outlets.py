"""`scrapy outlets`: the outlets of outlets.toml with their start points and schedules."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from crawler.outlets import outlets_for_command


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # the outlets file alone: no spider loader to stop first on a broken one
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "List the outlets with their start points and schedules"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        for outlet in outlets_for_command(self.settings).values():
            start = outlet.start
            lines: list[tuple[str, str]] = [
                ("name", outlet.name), ("origin", outlet.origin), ("extractor", outlet.extractor),
                ("schedule", outlet.schedule or "-"),
                ("feeds", ", ".join(start.feeds) or "-"), ("sitemaps", ", ".join(start.sitemaps) or "-"),
                ("listings", ", ".join(start.listings) or "-"),
                ("pagination", f"{start.listing_pagination or '-'} (up to {start.listing_max_pages} pages)"),
                ("politeness", f"delay {outlet.politeness.download_delay}s, "
                               f"concurrency {outlet.politeness.concurrency}"),
            ]
            print(outlet.key)
            for label, value in lines:
                print(f"  {label:<11} {value}")
