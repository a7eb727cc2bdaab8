"""`scrapy reextract WARC...`: run today's extractors over archived responses, items as JSON Lines.

Without -o, the items go to stdout, one file after another in the order given, from this one process. With
`-o DIR`, each WARC gets its own `DIR/<name>.jsonl` (`<crawl_id>-00003.warc.gz` → `<crawl_id>-00003.jsonl`),
written by a pool of `--workers` processes (default: the cores this process may use) or by the workers of a
Dask cluster (`--dask tcp://host:8786`), one task per file (crawler/reextraction_tasks.py); the items of every
file are those the serial run gives, in the same order. Each item's `warc` points at the record read (a revisit
record's payload is taken from the record it refers to, when that record is among the files given). No
network, bar the Dask scheduler's. A file that is not a WARC, or a WARC cut short, is one error line and exit
status 1, and the other files are extracted all the same; the items of what is whole in a cut WARC are kept.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.outlets import outlets_for_command
from crawler.reextraction import ExtractionRules, WarcScan, read_furniture, response_offsets, scan_warc
from crawler.reextraction_tasks import (
    DaskRunner,
    FileOutcome,
    InProcessRunner,
    PoolRunner,
    Runner,
    WarcTask,
    extract_to,
    extract_to_folder,
    output_name,
    usable_cores,
)

logger = logging.getLogger(__name__)

Tick = Callable[[Path], None]


def _usage(message: str) -> UsageError:
    # One line and exit status 2: Scrapy would print a UsageError's message under the whole usage block.
    sys.stderr.write(f"error: {message}\n")
    return UsageError(print_help=False)


@contextmanager
def _progress(total: int, what: str, on_terminal: bool) -> Iterator[Tick]:
    """A tqdm bar over files on a terminal; elsewhere nothing here (the caller logs a line per file)."""
    if not on_terminal:
        yield lambda path: None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(), tqdm(total=total, unit="file", desc=what, file=sys.stderr) as bar:
        def tick(path: Path) -> None:
            bar.set_postfix_str(path.name, refresh=False)
            bar.update(1)
        yield tick


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False  # no spider runs: the spider loader need not start
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--outlet NAME] [-o DIR [--workers N | --dask tcp://HOST:8786]] FILE.warc.gz..."

    def short_desc(self) -> str:
        return "Extract items again from archived WARC response records, as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="outlet key (default: the outlet named in each file's warcinfo)")
        parser.add_argument("-o", "--output", metavar="DIR", type=Path,
                            help="one DIR/<name>.jsonl per WARC (default: every item on stdout, one process)")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--workers", type=int, metavar="N",
                           help="with -o: processes on this machine (default: its usable cores)")
        where.add_argument("--dask", metavar="ADDRESS",
                           help="with -o: run the tasks on the Dask cluster of this scheduler (tcp://host:8786); "
                                "files and DIR at the same paths on every worker")
        parser.add_argument("--no-progress", action="store_true", help="log lines even on a terminal")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)
        if not args:
            raise UsageError("give at least one WARC file")
        outlets = outlets_for_command(self.settings)
        if opts.outlet and opts.outlet not in outlets:
            raise UsageError(f"unknown outlet {opts.outlet!r} (outlets: {', '.join(outlets)})")
        if opts.workers is not None and opts.workers < 1:
            raise _usage(f"--workers: expected a whole number of at least 1, got {opts.workers}")
        if opts.output is None and (opts.dask or (opts.workers or 1) > 1):
            raise _usage("--workers and --dask write one file per WARC: give -o DIR")
        self.on_terminal = sys.stderr.isatty() and not opts.no_progress
        rules = ExtractionRules.from_settings(self.settings, outlets, opts.outlet)
        files = [Path(a) for a in args]
        if opts.output is None:
            self._to_stdout(files, rules)
            return
        names: dict[str, Path] = {}
        for path in files:
            if (other := names.setdefault(output_name(path), path)) != path:
                raise _usage(f"{other} and {path} would both be written to {output_name(path)}: give one of them")
        if opts.dask:
            try:
                runner: Runner = DaskRunner.connect(opts.dask)
            except (OSError, ValueError) as exc:
                logger.error("cannot reach the Dask scheduler at %s: %s", opts.dask, exc)  # noqa: TRY400
                self.exitcode = 2
                return
            files = [path.absolute() for path in files]  # as the workers will see them, on a shared file system
            folder = opts.output.absolute()
        else:
            workers = min(opts.workers or usable_cores(), len(files))
            runner = PoolRunner(workers) if workers > 1 else InProcessRunner()
            folder = opts.output
        with runner:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _usage(f"cannot write to {folder}: {exc.strerror or exc}") from None
            self._to_folder(files, rules, folder, runner)

    def _scan(self, files: list[Path], runner: Runner) -> list[WarcScan]:
        """Every file's scan, in the order given (a file whose scan failed is named and left out)."""
        scans: dict[int, WarcScan] = {}
        with _progress(len(files), "scanning", self.on_terminal) as tick:
            for index, scan in runner.each(scan_warc, [(path,) for path in files]):
                tick(files[index])
                if isinstance(scan, BaseException):
                    self._failed(files[index], scan)
                else:
                    scans[index] = scan
        return [scans[index] for index in sorted(scans)]

    def _with_furniture(self, rules: ExtractionRules, scans: list[WarcScan]) -> ExtractionRules:
        assert self.settings is not None
        met = {rules.forced_outlet} if rules.forced_outlet else {o for scan in scans for o in scan.outlets}
        return replace(rules, furniture=read_furniture(self.settings, met & set(rules.outlets)))

    def _to_stdout(self, files: list[Path], rules: ExtractionRules) -> None:
        scans = self._scan(files, InProcessRunner())
        rules = self._with_furniture(rules, scans)
        responses = response_offsets(scans)
        written = 0
        with _progress(len(scans), "reextract", self.on_terminal) as tick:
            for number, scan in enumerate(scans, 1):
                outcome = extract_to(rules, WarcTask.of(scan, responses), sys.stdout)
                tick(scan.path)
                written += self._report(outcome, number, len(scans))
        logger.info("reextract: %d items from %d file(s)", written, len(files))

    def _to_folder(self, files: list[Path], rules: ExtractionRules, folder: Path, runner: Runner) -> None:
        scans = self._scan(files, runner)
        rules = runner.share(self._with_furniture(rules, scans))
        responses = response_offsets(scans)
        calls = [(rules, WarcTask.of(scan, responses), folder, runner.remote) for scan in scans]
        written = done = 0
        with _progress(len(calls), "reextract", self.on_terminal) as tick:
            for index, outcome in runner.each(extract_to_folder, calls):
                path = scans[index].path
                tick(path)
                done += 1
                if isinstance(outcome, BaseException):
                    self._failed(path, outcome)
                    continue
                for level, name, message in outcome.logs:  # a worker's warnings, logged where the user looks
                    logging.getLogger(name).log(level, "%s", message)
                written += self._report(outcome, done, len(calls))
        logger.info("reextract: %d items from %d file(s) into %s", written, len(files), folder)

    def _report(self, outcome: FileOutcome, number: int, total: int) -> int:
        """One line for a file done: its problem as an error, else its count (when no bar shows it)."""
        if outcome.problem is not None:
            logger.error("%s", outcome.problem)
            self.exitcode = 1
            return outcome.items if outcome.readable else 0
        if not self.on_terminal:
            logger.info("%s: %d items (%d/%d files)", outcome.path, outcome.items, number, total)
        return outcome.items

    def _failed(self, path: Path, exc: BaseException) -> None:
        """A task that raised (a bug, a worker killed): one line naming the file; the other files go on."""
        logger.error("%s was not re-extracted: %s: %s", path, type(exc).__name__, exc)
        self.exitcode = 1
