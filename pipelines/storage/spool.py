"""The local spool and its way to the store: write and close locally, store and verify, then delete.

Writers put their files under `spool_dir` at the path of their key; `publish` hands a closed file to a
thread pool, so that hashing and uploading never block the reactor. A file whose upload keeps failing
stays in the spool, where `scrapy archive-sync` (and the next crawl) will find it by its path.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipelines.storage.base import Store, StoreError, check_key, file_sha256

__all__ = ["PublishedFile", "Publisher", "SpoolLock", "active_crawls", "make_folder", "open_new", "spooled_files"]

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
# Lock files of the crawls using a spool: several scrapyd jobs may share one.
ACTIVE_DIR = ".active"
# Tries at making a spool file's folder and opening the file while another process (archive-sync) prunes empty
# folders; within a process, _FOLDERS keeps the two apart.
_FOLDER_TRIES = 5
_FOLDERS = threading.Lock()


def make_folder(path: Path) -> None:
    """The folder of a spool file made, even while a publisher (a thread of this crawl, or archive-sync in
    another process) prunes the spool's empty folders: mkdir(exist_ok) finds the folder there, the pruner removes
    it, and mkdir's check then fails with 'File exists'. Tried again; a path that is a file stays an error."""
    for attempt in range(_FOLDER_TRIES):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return
        except (FileExistsError, FileNotFoundError):
            if attempt == _FOLDER_TRIES - 1:
                raise


def open_new(path: Path, mode: str, **kwargs: Any) -> IO[Any]:
    """A new file opened in the spool, its folder made again if the publisher pruned it between the folder's
    making and the open (a WARC file rolled while the last one of the same day's folder was being published). Once
    the file is there its folder is not empty, and pruning leaves it."""
    for attempt in range(_FOLDER_TRIES):
        try:
            with _FOLDERS:  # (this process's upload threads prune under the same lock)
                make_folder(path)
                return path.open(mode, **kwargs)
        except FileNotFoundError:
            if attempt == _FOLDER_TRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PublishedFile:
    key: str
    size: int
    sha256: str
    stored: bool
    """False when the file is still in the spool (the store could not be reached)."""


def spooled_files(spool_dir: Path) -> list[tuple[Path, str]]:
    """Closed files waiting in a spool, with their keys; `.open` files are still being written.

    Files of a crawl that is still running (another job sharing the spool) are its own to store: left out.
    """
    if not spool_dir.is_dir():
        return []
    running = active_crawls(spool_dir)
    found = []
    for path in sorted(spool_dir.rglob("*")):
        if not path.is_file() or path.name.endswith((OPEN_SUFFIX, ".part")):
            continue
        key = path.relative_to(spool_dir).as_posix()
        if key.startswith(ACTIVE_DIR + "/") or any(crawl_id in path.name for crawl_id in running):
            continue
        found.append((path, key))
    return found


class SpoolLock:
    """Marks a crawl as running in a spool (an flock, so a killed crawl's mark dies with its process).

    The lock file goes when its crawl releases it, and a killed crawl's file is removed by the next look at
    the spool (`active_crawls`): so the file may vanish between our open and our flock, and we check that the
    file we locked is still the one under its name.
    """

    def __init__(self, spool_dir: Path, crawl_id: str) -> None:
        folder = spool_dir / ACTIVE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{crawl_id}.lock"
        while True:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise
            if _same_file(fd, self.path):
                self._fd = fd
                return
            os.close(fd)  # removed as stale between our open and our lock: take the new one

    def release(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = -1


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def active_crawls(spool_dir: Path) -> set[str]:
    """Crawl ids whose lock in the spool is held by a live process; a killed crawl's lock file is removed."""
    found = set()
    for path in (spool_dir / ACTIVE_DIR).glob("*.lock"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found.add(path.name.removesuffix(".lock"))
        else:
            # Nobody holds it: its crawl was killed. Removed while we hold it, and only if it is still the file
            # we opened (a crawl starting now checks that its locked file is the one under the name).
            if _same_file(fd, path):
                with contextlib.suppress(OSError):
                    path.unlink()
        finally:
            os.close(fd)
    return found


class Publisher:
    """Moves closed files from the spool into a store, retrying transient failures with backoff."""

    def __init__(self, store: Store, spool_dir: Path, *, workers: int = 2, retries: int = 5,
                 backoff: float = 1.0, max_backoff: float = 30.0) -> None:
        self.store = store
        self.spool_dir = spool_dir
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.files: list[PublishedFile] = []
        self.errors: list[str] = []
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="archive-upload")
        self._pending: set[asyncio.Future[PublishedFile]] = set()

    def spool_path(self, key: str) -> Path:
        path = self.spool_dir.joinpath(*check_key(key).split("/"))
        with _FOLDERS:
            make_folder(path)
        return path

    def publish(self, local: Path, key: str) -> asyncio.Future[PublishedFile]:
        """Store a closed spool file in the background; the future never fails (see PublishedFile.stored)."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self.publish_now, local, key)
        self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: asyncio.Future[PublishedFile]) -> None:
        self._pending.discard(future)
        if not future.cancelled() and future.exception() is None:
            self.files.append(future.result())

    async def drain(self) -> None:
        """Wait until every file handed over so far is stored, or given up on."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    def publish_now(self, local: Path, key: str) -> PublishedFile:
        """Blocking: store, verify, delete the local copy. Used by the thread pool and by archive-sync."""
        size, digest = file_sha256(local)
        delay = self.backoff
        for attempt in range(1, self.retries + 2):
            try:
                self.store.put(local, key, size=size, sha256=digest)
            except StoreError as exc:
                if not exc.transient or attempt > self.retries:
                    message = f"kept in the spool: {local} ({exc})"
                    logger.error("%s", message)  # noqa: TRY400 - no traceback: the message says it all
                    self.errors.append(message)
                    return PublishedFile(key, size, digest, stored=False)
                logger.warning("store failed for %s (attempt %d of %d), retrying in %.1fs: %s",
                               key, attempt, self.retries + 1, delay, exc)
                time.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            local.unlink(missing_ok=True)
            _prune_empty_dirs(local.parent, self.spool_dir)
            return PublishedFile(key, size, digest, stored=True)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _prune_empty_dirs(path: Path, stop: Path) -> None:
    stop = stop.resolve()
    path = path.resolve()
    with _FOLDERS:  # never between a writer's making of its folder and its open (open_new)
        while path != stop and stop in path.parents:
            try:
                path.rmdir()
            except OSError:
                return
            path = path.parent
