"""`scrapy extract --outlet NAME [--url URL] FILE.html...`: normalized items as JSON Lines, no network."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from w3lib.encoding import html_to_unicode

from crawler.extractors import EXTRACTORS, extractor_for, get_extractor
from crawler.items import ArticleItem
from crawler.outlets import OutletConfigError, load_outlets
from pipelines.items.normalize import normalize_article


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "--outlet NAME [--url URL] FILE.html..."

    def short_desc(self) -> str:
        return "Extract normalized items from saved pages, as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", required=True, help="outlet key of outlets.toml, or an extractor name")
        parser.add_argument("--url", help="the page's URL (default: its canonical link, else file://)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args:
            raise UsageError("give at least one HTML file")
        try:
            outlets = load_outlets(self.settings.get("OUTLETS_FILE") or None)
        except OutletConfigError as exc:
            raise UsageError(str(exc)) from None
        outlet = outlets.get(opts.outlet)
        if outlet is None and opts.outlet not in EXTRACTORS:
            raise UsageError(f"unknown outlet {opts.outlet!r} (outlets: {', '.join(outlets)}; "
                             f"extractors: {', '.join(EXTRACTORS)})")
        extract = extractor_for(outlet.extractor, outlet.extract) if outlet else get_extractor(opts.outlet)
        formats = self.settings.getlist("NORMALIZE_DATE_FORMATS")
        for name in args:
            path = Path(name)
            try:
                body = path.read_bytes()
            except OSError as exc:
                print(f"error: cannot read {name}: {exc.strerror}", file=sys.stderr)
                self.exitcode = 1
                continue
            _, html = html_to_unicode(None, body)
            url = opts.url or path.resolve().as_uri()
            raw = extract(html, url)
            raw["outlet"] = outlet.key if outlet else opts.outlet
            raw["fetched_url"] = opts.url
            if not raw.get("language") and outlet and outlet.language:
                raw["language"] = outlet.language
            item = ArticleItem.from_dict(normalize_article(raw, formats))
            sys.stdout.write(json.dumps(item.__dict__, ensure_ascii=False) + "\n")
