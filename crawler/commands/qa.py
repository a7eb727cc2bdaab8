"""`scrapy qa --outlet NAME --crawl CRAWL_ID -o REPORT.html`: a crawl's articles replayed as an archivist sees them.

The crawl's WARCs (from ARCHIVE_URI, with the earlier ones its revisit records need) go into a temporary pywb
collection served on 127.0.0.1 (QA_PYWB_BIN); every article page of the crawl is opened at its replay address
in headless chromium (QA_BROWSER, driven by Playwright: crawler/qa/browser.py), and one self-contained HTML
report is written: a summary, then per page its thumbnail, status, requests, failed requests (the outlet's
hosts first) and a style fact. `--screenshots DIR` keeps the full-size screenshots too.

A tqdm bar over pages on a terminal, log lines otherwise. Exit status 0 when every page replayed with no
failed request to the outlet's hosts, 1 otherwise, 2 for bad usage (an unknown crawl, no pywb, no browser, a
store that cannot be used).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.outlets import outlets_for_command
from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError

if TYPE_CHECKING:
    from crawler.qa.browser import Page, PageResult
    from crawler.qa.pywb import Pywb
    from crawler.qa.report import OutletHosts

logger = logging.getLogger(__name__)


def _usage(message: str) -> UsageError:
    # One line and exit status 2: Scrapy would print a UsageError's message under the whole usage block.
    sys.stderr.write(f"error: {message}\n")
    return UsageError(print_help=False)


@contextmanager
def _progress(total: int, on_terminal: bool, hosts: OutletHosts) -> Iterator[Callable[[int, PageResult], None]]:
    from crawler.qa.report import outlet_failures

    def line(index: int, result: PageResult) -> str:
        state = "replayed" if result.replayed else f"NOT replayed ({result.error or result.status})"
        return (f"{index}/{total} {state} in {result.seconds:.1f} s: {result.page.url}; "
                f"{len(result.page_requests)} requests, {len(result.failures)} failed "
                f"({len(outlet_failures(result, hosts))} to the outlet's hosts)")

    if not on_terminal:
        yield lambda index, result: logger.info("%s", line(index, result))
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(), tqdm(total=total, unit="page", desc="qa", file=sys.stderr) as bar:
        def advance(index: int, result: PageResult) -> None:
            if not result.replayed or outlet_failures(result, hosts):
                bar.write(line(index, result), file=sys.stderr)
            bar.update(1)
        yield advance


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # no spider runs: the spider loader need not start
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "--outlet NAME --crawl CRAWL_ID -o REPORT.html [--screenshots DIR]"

    def short_desc(self) -> str:
        return "Replay a crawl's articles through pywb in headless chromium; write an HTML report"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="the outlet's key, as in outlets.toml")
        parser.add_argument("--crawl", metavar="CRAWL_ID", help="the crawl, as in crawls/{outlet}/{crawl_id}.json")
        parser.add_argument("-o", "--output", metavar="REPORT.html", help="the report to write")
        parser.add_argument("--screenshots", metavar="DIR", help="keep the full-size screenshots (PNG) in DIR")
        parser.add_argument("--no-progress", action="store_true", help="log lines even on a terminal")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        settings = self.settings
        if args:
            raise _usage(f"unexpected argument {args[0]!r}")
        if not (opts.outlet and opts.crawl and opts.output):
            raise _usage("give --outlet NAME --crawl CRAWL_ID -o REPORT.html")
        configure_logging(settings)
        # Imported here: Scrapy imports every command to list them, and a scrapyd node need not have Playwright.
        from crawler.qa.archive import CrawlNotFoundError, load_crawl
        from crawler.qa.browser import BrowserError, browser_executable
        from crawler.qa.pywb import Pywb, PywbError, pywb_tools
        from crawler.qa.report import OutletHosts, render_report, summarize

        outlets = outlets_for_command(settings)
        try:
            tools = pywb_tools(settings.get("QA_PYWB_BIN") or "")
            executable = browser_executable(settings.get("QA_BROWSER"))
            store = store_from_uri(settings["ARCHIVE_URI"], settings)
        except (PywbError, BrowserError, StoreError) as exc:
            raise _usage(str(exc)) from None
        output = Path(opts.output)
        screenshots = Path(opts.screenshots) if opts.screenshots else None
        with tempfile.TemporaryDirectory(prefix="qa-") as tmp:
            try:
                crawl = load_crawl(store, opts.outlet, opts.crawl, Path(tmp), self.settings)
            except (CrawlNotFoundError, StoreError) as exc:
                raise _usage(str(exc)) from None
            outlet = outlets.get(opts.outlet)
            hosts = OutletHosts.of(outlet.domains if outlet else (), [page.url for page in crawl.pages])
            logger.info("replaying %d article page(s) of %s crawl %s from %d WARC file(s) (%d earlier)",
                        len(crawl.pages), opts.outlet, opts.crawl, len(crawl.warcs), crawl.earlier_warcs)
            try:
                results, version = self._replay(
                    crawl.pages, Pywb(Path(tmp) / "pywb", crawl.warcs, tools=tools), executable=executable,
                    screenshots=screenshots, hosts=hosts, on_terminal=sys.stderr.isatty() and not opts.no_progress)
            except (PywbError, BrowserError) as exc:
                raise _usage(str(exc)) from None
        details = [f"{len(crawl.warcs)} WARC file(s) from {store.uri}", f"chromium {version}"]
        report = render_report(results, hosts, title=f"Replay check: {opts.outlet} crawl {opts.crawl}",
                               details=details)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
        summary = summarize(results, hosts)
        sys.stdout.write(summary.line() + "\n")
        logger.info("wrote %s", output)
        self.exitcode = 0 if summary.passed else 1

    def _replay(self, pages: list[Page], pywb: Pywb, *, executable: str, screenshots: Path | None,
                hosts: OutletHosts, on_terminal: bool) -> tuple[list[PageResult], str]:
        assert self.settings is not None
        from crawler.qa.browser import ReplayBrowser, screenshot_name

        results = []
        with (pywb,
              ReplayBrowser(pywb.base_url, pywb.collection, executable=executable,
                            timeout=self.settings.getfloat("QA_PAGE_TIMEOUT")) as browser,
              _progress(len(pages), on_terminal, hosts) as advance):
            for index, page in enumerate(pages, 1):
                shot = screenshots / screenshot_name(index, page) if screenshots is not None else None
                result = browser.check(page, shot)
                results.append(result)
                advance(index, result)
            return results, browser.version
