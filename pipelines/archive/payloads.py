"""The revisit table: payload digest → the first capture of that payload, kept on disk.

Every 200 response of a crawl, and every payload of the outlet's earlier crawls, has an entry: held in memory it
grew with the crawl and with the archive's history (bench/RESULTS.md). SQLite (the standard library's) keeps
it in a scratch file, keyed by the 20 bytes of the SHA-1 (a digest of another algorithm by its text), with a
page cache of 512 KiB; the file is private to the crawl (no journal, no fsync: it is rebuilt from the indexes by
the next crawl) and removed with the table. One lock: the WARC writer's thread and the start's reader share it.

In front of the file, two things of bounded size spare a crawl most of its SQLite round trips (a lookup and a
transaction per page): a bit filter of 1 MiB over every digest in the table (a Bloom filter: a digest not in it is
known absent with no query, which is the answer for every new page) and the last few hundred captures added,
written to the file together, in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crawler.utils.seen import BitFilter, remove_scratch, scratch_database

__all__ = ["Capture", "Payloads"]


@dataclass(frozen=True)
class Capture:
    """An earlier capture of a payload, for revisit records."""

    url: str
    date: str
    record_id: str
    filename: str = ""
    offset: int = 0
    length: int = 0
    """Where the record is (file name, its gzip member): an unchanged page's item points there."""


def _key(digest: str) -> bytes:
    if digest.startswith("sha1:") and len(digest) == 37:
        try:
            return base64.b32decode(digest[5:])
        except binascii.Error:
            pass
    return digest.encode("utf-8")


_PENDING_MAX = 512  # captures held before they are written to the file together


class Payloads:
    def __init__(self, folder: Path | None = None) -> None:
        # (a page cache of 512 KiB, not SQLite's 4 MiB: the cache filled up with the table, 4.4 MB at 40,000
        # captures, while the file's pages stay in the system's cache and the filter spares most lookups: 200,000
        # captures added and 28,571 found cost the same CPU either way, 2.8 s and 0.6 s)
        self._db, self._dir = scratch_database("outlet-archive-payloads-", folder, threads=True)
        self._db.execute("CREATE TABLE captures (digest BLOB PRIMARY KEY, url TEXT, date TEXT, record_id TEXT,"
                         " filename TEXT, offset INTEGER, length INTEGER) WITHOUT ROWID")
        self._lock = threading.Lock()
        self._count = 0
        self._filter = BitFilter()
        # Added but not yet in the file, first capture of each digest (the file's, when it has one, comes first).
        self._pending: dict[bytes, Capture] = {}
        self._finalizer = weakref.finalize(self, remove_scratch, self._db, self._dir)

    def get(self, digest: str) -> Capture | None:
        key = _key(digest)
        if not self._filter.may_hold(self._filter.positions(key)):
            return None  # never added: no query
        with self._lock:
            row = self._db.execute("SELECT url, date, record_id, filename, offset, length FROM captures"
                                   " WHERE digest = ?", (key,)).fetchone()
            if row is None:
                return self._pending.get(key)
        return Capture(*row)

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.get(digest) is not None

    def __len__(self) -> int:
        with self._lock:
            self._write_pending()
            return self._count

    def setdefault(self, digest: str, capture: Capture) -> None:
        """Keep the first capture of a payload: a later one of the same digest is not added."""
        self.add_first([(digest, capture)])

    def add_first(self, captures: Iterable[tuple[str, Capture]]) -> None:
        bits = self._filter
        with self._lock:
            pending = self._pending
            for digest, capture in captures:
                key = _key(digest)
                bits.add(bits.positions(key))
                pending.setdefault(key, capture)
                if len(pending) >= _PENDING_MAX:
                    self._write_pending()

    def _write_pending(self) -> None:
        if not self._pending:
            return
        rows = [(k, c.url, c.date, c.record_id, c.filename, c.offset, c.length) for k, c in self._pending.items()]
        before = self._db.total_changes
        self._db.execute("BEGIN")
        # OR IGNORE: a digest already in the file keeps its capture, which was added first.
        self._db.executemany("INSERT OR IGNORE INTO captures VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        self._db.execute("COMMIT")
        self._count += self._db.total_changes - before
        self._pending.clear()

    def close(self) -> None:
        self._finalizer()
