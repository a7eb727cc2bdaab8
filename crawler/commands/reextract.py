"""`scrapy reextract WARC...`: run today's extractors over archived responses, print items as JSON Lines.

Each item's `warc` points at the record read (a revisit record's payload is taken from the record it
refers to, when that record is among the files given). No network. A file that is not a WARC, or a WARC cut
short, is one error line and exit status 1; the items of what is whole in a cut WARC are still printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm
from warcio.exceptions import ArchiveLoadFailed

from crawler.outlets import outlets_for_command
from crawler.reextraction import RecordReader, response_offsets
from pipelines.archive.recovery import whole_members_end

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--outlet NAME] FILE.warc.gz..."

    def short_desc(self) -> str:
        return "Extract items again from archived WARC response records, as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="outlet key (default: the outlet named in each file's warcinfo)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args:
            raise UsageError("give at least one WARC file")
        outlets = outlets_for_command(self.settings)
        if opts.outlet and opts.outlet not in outlets:
            raise UsageError(f"unknown outlet {opts.outlet!r} (outlets: {', '.join(outlets)})")
        files = [Path(a) for a in args]
        reader = RecordReader.from_settings(self.settings, outlets, opts.outlet)
        reader.payloads = response_offsets(files)
        written = 0
        bar = tqdm(files, unit="file", disable=not sys.stderr.isatty(), file=sys.stderr)
        for path in bar:
            bar.set_description(path.name)
            count = 0
            try:
                whole, size = whole_members_end(path)
                for item in reader.items_of(path, end=whole):
                    sys.stdout.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
                    count += 1
            except OSError as exc:
                logger.error("cannot read %s: %s", path, exc.strerror or exc)  # noqa: TRY400 - one clear line
                self.exitcode = 1
                continue
            except ArchiveLoadFailed:
                logger.error("not a WARC file: %s", path)  # noqa: TRY400
                self.exitcode = 1
                continue
            written += count
            if whole < size:
                logger.error("%s is cut short: whole up to byte %d of %d; %d item(s) kept from what is whole",
                             path, whole, size, count)
                self.exitcode = 1
            elif not sys.stderr.isatty():
                logger.info("%s: %d items", path, count)
        logger.info("reextract: %d items from %d file(s)", written, len(files))
