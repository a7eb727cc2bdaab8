"""`scrapy extract --outlet NAME [--url URL] [--explain] FILE.html...`: normalized items as JSON Lines, no network.

With --explain, each field is printed on a line of its own with the evidence it came from instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.extractors.decode import decode_html
from crawler.extractors.explain import explain_lines
from crawler.extractors.page import PageNotParsable, normalized_item, page_source
from crawler.outlets import outlets_for_command
from pipelines.items.normalize import normalize_article


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "--outlet NAME [--url URL] [--explain] FILE.html..."

    def short_desc(self) -> str:
        return "Extract normalized items from saved pages, as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", required=True, help="outlet key of outlets.toml, or an extractor name")
        parser.add_argument("--url", help="the page's URL (default: its canonical link, else file://)")
        parser.add_argument("--explain", action="store_true",
                            help="print each field with the evidence it came from, instead of JSON")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args:
            raise UsageError("give at least one HTML file")
        outlets = outlets_for_command(self.settings)
        try:
            source = page_source(opts.outlet, outlets)
        except LookupError as exc:
            raise UsageError(str(exc)) from None
        normalize = partial(normalize_article, date_formats=self.settings.getlist("NORMALIZE_DATE_FORMATS"))
        for name in args:
            path = Path(name)
            try:
                body = path.read_bytes()
            except OSError as exc:
                print(f"error: cannot read {name}: {exc.strerror}", file=sys.stderr)
                self.exitcode = 1
                continue
            problem = _not_a_page(body)
            if problem:
                print(f"error: {name} is not an HTML page ({problem})", file=sys.stderr)
                self.exitcode = 1
                continue
            encoding, html = decode_html(body)
            url = opts.url or path.resolve().as_uri()
            evidence: dict[str, str] | None = {} if opts.explain else None
            try:
                item = normalized_item(source, html, url, normalize, evidence=evidence, fetched_url=opts.url)
            except PageNotParsable as exc:
                print(f"error: {name} is not an HTML page ({exc})", file=sys.stderr)
                self.exitcode = 1
                continue
            if evidence is None:
                sys.stdout.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
                continue
            lines = [f"== {name} ({item.extractor}, read as {encoding})", *explain_lines(asdict(item), evidence)]
            sys.stdout.write("\n".join(lines) + "\n\n")


def _not_a_page(body: bytes) -> str:
    """Why these bytes are no page to extract from ("" when they may be one): an all-null item helps nobody."""
    if not body.strip():
        return "empty"
    head = body[:4096]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # binary, unless UTF-16 with its BOM
        return "binary data"
    if b"<" not in head:
        return "no markup"
    return ""
