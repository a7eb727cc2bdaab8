"""`scrapy archive-sync [--spool DIR]`: store whatever a spool holds, after an outage of the store.

Files that could not be stored during a crawl wait in the spool at the path of their key; this command
(and the start of the next crawl) stores, verifies and removes them. Files a killed crawl left open are
finished first (pipelines/archive/recovery.py): whole records and items kept, the cut one dropped. A tqdm progress
bar shows on a terminal, plain log lines otherwise. The exit code is 0 when the spool is empty at the end, 1 when files
stay in it, 2 when the store cannot be written at all.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from pipelines.archive.extension import recovery_extractor
from pipelines.archive.recovery import recover_spool
from pipelines.storage import default_spool_dir, store_from_uri
from pipelines.storage.base import StoreError
from pipelines.storage.spool import Publisher, spooled_files

__all__ = ["Command", "sync_spool"]

logger = logging.getLogger(__name__)


@contextmanager
def _bar(total: int, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(), tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                       desc="archive-sync", file=sys.stderr) as bar:
        yield bar


def sync_spool(publisher: Publisher, files: list[tuple[Path, str]], *, progress: bool,
               workers: int = 1) -> list[tuple[Path, str]]:
    """Store every (path, key) through the publisher (store, verify, delete); return those that stay."""
    sizes = {path: path.stat().st_size for path, _ in files if path.exists()}
    total = sum(sizes.values())
    left: list[tuple[Path, str]] = []
    done = 0
    with _bar(total, progress) as bar, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(publisher.publish_now, path, key): (path, key) for path, key in files
                   if path in sizes}
        for future in as_completed(futures):
            path, key = futures[future]
            done += 1
            try:
                result = future.result()
            except (OSError, StoreError) as exc:
                logger.error("kept in the spool: %s (%s)", path, exc)  # noqa: TRY400
                left.append((path, key))
                continue
            if not result.stored:
                left.append((path, key))
            if bar is not None:
                bar.update(sizes[path])
            elif result.stored:
                logger.info("stored %s (%d of %d, %.1f MB)", key, done, len(futures), result.size / 1e6)
    return sorted(left)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--spool DIR]"

    def short_desc(self) -> str:
        return "Store the files a spool holds (after the store was unreachable during a crawl)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--spool", metavar="DIR",
                            help="the spool folder (default: ARCHIVE_SPOOL_DIR, or the crawl's default)")
        parser.add_argument("--no-progress", action="store_true", help="log lines even on a terminal")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        settings = self.settings
        configure_logging(settings)
        uri = settings["ARCHIVE_URI"]
        try:
            store = store_from_uri(uri, settings)
            spool_dir = Path(opts.spool).resolve() if opts.spool else default_spool_dir(settings, store)
            if not spool_dir.is_dir() or not any(p.is_file() for p in spool_dir.rglob("*")):
                logger.info("the spool %s is empty: nothing to store", spool_dir)
                return
            # The store first: finding a killed crawl's missing items needs its stored batches.
            store.check_writable()
            # The files of killed crawls, finished first, and their missing items (pipelines/archive/recovery.py).
            recover_spool(spool_dir, store=store, extract=recovery_extractor(settings))
            files = spooled_files(spool_dir)
            if not files:
                logger.info("the spool %s is empty: nothing to store", spool_dir)
                return
        except StoreError as exc:
            logger.error("%s", exc)  # noqa: TRY400
            self.exitcode = 2
            return
        logger.info("storing %d file(s) from %s into %s", len(files), spool_dir, store.uri)
        publisher = Publisher(
            store, spool_dir,
            workers=1,
            retries=settings.getint("ARCHIVE_UPLOAD_RETRIES"),
            backoff=settings.getfloat("ARCHIVE_UPLOAD_BACKOFF"),
        )
        try:
            progress = sys.stderr.isatty() and not opts.no_progress
            left = sync_spool(publisher, files, progress=progress,
                              workers=settings.getint("ARCHIVE_UPLOAD_WORKERS"))
        finally:
            publisher.close()
        stored = len(files) - len(left)
        if left:
            logger.error("%d of %d file(s) stay in %s: run archive-sync again once %s is reachable",
                         len(left), len(files), spool_dir, store.uri)
            self.exitcode = 1
        else:
            logger.info("stored %d file(s); the spool is empty", stored)
