"""`scrapy verify [--outlet NAME] [--crawl ID]`: read the archive back and check every file of every crawl.

The checks live in pipelines/archive/verify/. One line per fault on stdout, then a summary line; a tqdm bar
over bytes on a terminal, plain log lines otherwise. Exit status 0 when no fault, 1 when faults, 2 for bad
usage (an unknown outlet or crawl, a store that cannot be used).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.outlets import outlets_for_command
from pipelines.storage import store_from_uri, uri_scheme
from pipelines.storage.base import Store, StoreError

if TYPE_CHECKING:
    from pipelines.archive.verify import CrawlFiles, Fault

logger = logging.getLogger(__name__)


class _LogProgress:
    """Plain log lines, one per file checked (for logs and pipes, where a bar would be noise)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def expect(self, size: int) -> None:
        self.total += size

    def advance(self, size: int) -> None:
        self.done += size

    def checked(self, key: str) -> None:
        share = f", {self.done / self.total:.0%} of the WARC bytes" if self.total else ""
        logger.info("checked %s%s", key, share)

    def report(self, fault: Fault) -> None:
        _print(str(fault))


class _BarProgress:
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def expect(self, size: int) -> None:
        self.bar.total += size
        self.bar.refresh()

    def advance(self, size: int) -> None:
        self.bar.update(size)

    def checked(self, key: str) -> None:
        pass

    def report(self, fault: Fault) -> None:
        self.bar.write(str(fault), file=sys.stdout)  # above the bar, which is drawn again below it


@contextmanager
def _progress(total: int, on_terminal: bool) -> Iterator[_BarProgress | _LogProgress]:
    if not on_terminal:
        yield _LogProgress(total)
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(), tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                       desc="verify", file=sys.stderr) as bar:
        yield _BarProgress(bar)


def _usage(message: str) -> UsageError:
    # One line and exit status 2: Scrapy would print a UsageError's message under the whole usage block.
    sys.stderr.write(f"error: {message}\n")
    return UsageError(print_help=False)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # no spider runs: the spider loader need not start
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--outlet NAME] [--crawl CRAWL_ID]"

    def short_desc(self) -> str:
        return "Check the archive: WARC members and digests, item and index pointers, manifests"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="only this outlet's crawls (default: every outlet in the archive)")
        parser.add_argument("--crawl", metavar="CRAWL_ID", help="only this crawl")
        parser.add_argument("--no-progress", action="store_true", help="log lines even on a terminal")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise _usage(f"unexpected argument {args[0]!r}")
        configure_logging(self.settings)
        # Imported here: Scrapy imports every command to list them, and a host that lacks FastWARC (a scrapyd
        # node installed from an older requirements file) must still run crawls.
        from pipelines.archive.verify import survey

        try:
            store = store_from_uri(self.settings["ARCHIVE_URI"], self.settings)
            _check_reachable(store)
            crawls, strays = survey(store, opts.outlet)
        except StoreError as exc:
            raise _usage(str(exc)) from None
        if opts.outlet and opts.outlet not in crawls and opts.outlet not in outlets_for_command(self.settings):
            raise _usage(f"unknown outlet {opts.outlet!r}: not in the outlets file, nor in {store.uri}")
        selected = [files for outlet in sorted(crawls) for crawl_id, files in sorted(crawls[outlet].items())
                    if opts.crawl in (None, crawl_id)]
        if opts.crawl and not selected:
            raise _usage(f"no crawl {opts.crawl!r} in {store.uri}" + (f" for {opts.outlet}" if opts.outlet else ""))
        self.exitcode = _verify(store, selected, [] if opts.crawl else strays,
                                on_terminal=sys.stderr.isatty() and not opts.no_progress)


def _check_reachable(store: Store) -> None:
    """A folder archive that does not exist is a mistyped ARCHIVE_URI, not an empty archive."""
    if uri_scheme(store.uri) in ("", "file"):
        root = Path(unquote(urlsplit(store.uri).path))
        if not root.is_dir():
            raise StoreError(f"ARCHIVE_URI: no archive folder at {root}")


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()  # each fault as found, when piped too


def _verify(store: Store, crawls: list[CrawlFiles], strays: list[str], *, on_terminal: bool) -> int:
    from pipelines.archive.verify import Verifier

    logger.info("verifying %d crawl(s) in %s", len(crawls), store.uri)
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
        verifier = Verifier(store, Path(tmp), lambda fault: _print(str(fault)))
        total = verifier.expected_bytes(crawls)
        with _progress(total, on_terminal) as progress:
            verifier.progress, verifier.report = progress, progress.report
            for key in strays:
                verifier.fault(key, "not a file of any crawl (unexpected name)")
            for crawl in crawls:
                verifier.verify(crawl)
    _print(verifier.counts.summary())
    return 1 if verifier.counts.faults else 0
