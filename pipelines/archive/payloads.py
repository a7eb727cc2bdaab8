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
import hashlib
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


_FILTER_BITS = 23  # 2**23 bits, 1 MiB: one false "maybe" in ~23,000 lookups at 100,000 digests, ~1 in 37 at 1M
_FILTER_MASK = (1 << _FILTER_BITS) - 1
_PENDING_MAX = 512  # captures held before they are written to the file together
_CACHE_KIB = 512  # SQLite's page cache


def _filter_bits(key: bytes) -> tuple[int, int, int]:
    """Three bit positions of a key: slices of the SHA-1 itself (already uniform), or of a hash of other keys."""
    if len(key) != 20:
        key = hashlib.blake2b(key, digest_size=9).digest()
    value = int.from_bytes(key[:9], "little")
    return value & _FILTER_MASK, (value >> _FILTER_BITS) & _FILTER_MASK, (value >> 2 * _FILTER_BITS) & _FILTER_MASK


class Payloads:
    def __init__(self, folder: Path | None = None) -> None:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="outlet-archive-payloads-", dir=folder))
        self._db = sqlite3.connect(self._dir / "payloads.sqlite", check_same_thread=False, isolation_level=None)
        # A page cache of 512 KiB, not 4 MiB: the cache filled up with the table (4.4 MB at 40,000 captures, the
        # crawl's RSS growing with it), while the file's pages stay in the system's cache and the filter spares most
        # lookups: 200,000 captures added and 28,571 found cost the same CPU either way (2.8 s and 0.6 s).
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{_CACHE_KIB}", "temp_store=FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE captures (digest BLOB PRIMARY KEY, url TEXT, date TEXT, record_id TEXT,"
                         " filename TEXT, offset INTEGER, length INTEGER) WITHOUT ROWID")
        self._lock = threading.Lock()
        self._count = 0
        self._filter = bytearray(1 << (_FILTER_BITS - 3))
        # Added but not yet in the file, first capture of each digest (the file's, when it has one, comes first).
        self._pending: dict[bytes, Capture] = {}
        self._finalizer = weakref.finalize(self, _remove, self._db, self._dir)

    def get(self, digest: str) -> Capture | None:
        key = _key(digest)
        bits = self._filter
        if not all(bits[i >> 3] & (1 << (i & 7)) for i in _filter_bits(key)):
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
                for i in _filter_bits(key):
                    bits[i >> 3] |= 1 << (i & 7)
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


def _remove(db: sqlite3.Connection, folder: Path) -> None:
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
