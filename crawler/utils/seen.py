"""Exact sets of digests off the heap: a scratch SQLite file behind a bit filter, its memory bounded however many
digests a crawl adds (the seen requests, URLs and payloads the issue's "memory flat" asks to keep on disk).

A Python set of 20-byte digests costs ~90 bytes an entry and a table that grows fourfold; here an entry costs its
row in a file the system caches, and the process holds a fixed filter (1 MiB by default) and SQLite's page cache
(512 KiB). The filter answers "never added" with no query; a "maybe" asks the file, so the answer stays exact.

Written by hand, not taken from a library: no kept package offers an exact set of byte strings off the heap (Bloom
and cuckoo filters are probabilistic: a false "seen" there is a page never fetched, which an archive must not
trade for memory); SQLite does the exact part, the filter only spares it the lookups whose answer is "new".
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import tempfile
import weakref
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.settings import BaseSettings

__all__ = ["BitFilter", "NewestDates", "SeenDigests", "crawl_seen", "remove_scratch", "scratch_database",
           "spill_folder"]

_CACHE_KIB = 512  # SQLite's page cache
_PENDING_MAX = 512  # digests held in a set before they are written to the file together


class BitFilter:
    """Three bits a key in 2**bits: 2**23 (1 MiB) gives a false "maybe" in 1 of ~23,000 at 100,000 keys."""

    def __init__(self, bits: int = 23) -> None:
        self._bits = bits
        self._mask = (1 << bits) - 1
        self._array = bytearray(1 << (bits - 3))

    def positions(self, key: bytes) -> tuple[int, int, int]:
        """Slices of a SHA-1 itself (already uniform), or of a hash of any other key."""
        if len(key) != 20:
            key = hashlib.blake2b(key, digest_size=9).digest()
        value = int.from_bytes(key[:9], "little")
        bits, mask = self._bits, self._mask
        return value & mask, (value >> bits) & mask, (value >> 2 * bits) & mask

    def add(self, positions: tuple[int, int, int]) -> None:
        array = self._array
        for i in positions:
            array[i >> 3] |= 1 << (i & 7)

    def may_hold(self, positions: tuple[int, int, int]) -> bool:
        array = self._array
        return all(array[i >> 3] & (1 << (i & 7)) for i in positions)


def scratch_database(prefix: str, folder: Path | None, *, threads: bool = False) -> tuple[sqlite3.Connection, Path]:
    """A SQLite file of the crawl's own in a new folder under `folder` (the system's temporary folder when None):
    no journal, no fsync, a page cache of 512 KiB. Its owner removes it with remove_scratch, at its close and
    through a weakref.finalize when it is garbage-collected."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    db = sqlite3.connect(directory / "scratch.sqlite", check_same_thread=not threads, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{_CACHE_KIB}", "temp_store=FILE"):
        db.execute(f"PRAGMA {pragma}")
    return db, directory


def remove_scratch(db: sqlite3.Connection, folder: Path) -> None:
    # Garbage-collected in another thread than the one that made it, a one-thread connection refuses close():
    # the file goes all the same, its connection with the process.
    with contextlib.suppress(sqlite3.ProgrammingError):
        db.close()
    shutil.rmtree(folder, ignore_errors=True)


class SeenDigests:
    """An exact set of byte strings (digests), its memory bounded whatever its size; one thread uses it."""

    def __init__(self, folder: Path | None = None, *, filter_bits: int = 23) -> None:
        self._db, self._dir = scratch_database("outlet-archive-seen-", folder)
        self._finalizer = weakref.finalize(self, remove_scratch, self._db, self._dir)
        self._db.execute("CREATE TABLE seen (digest BLOB PRIMARY KEY) WITHOUT ROWID")
        self._filter = BitFilter(filter_bits)
        self._pending: set[bytes] = set()
        self._count = 0

    @property
    def folder(self) -> Path:
        return self._dir

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and self._has(key, self._filter.positions(key))

    def _has(self, key: bytes, positions: tuple[int, int, int]) -> bool:
        if not self._filter.may_hold(positions):
            return False  # never added: no query
        if key in self._pending:
            return True
        return self._db.execute("SELECT 1 FROM seen WHERE digest = ?", (key,)).fetchone() is not None

    def add(self, key: bytes) -> bool:
        """Add a digest; True when it is new, False when it was there already."""
        positions = self._filter.positions(key)
        if self._has(key, positions):
            return False
        self._filter.add(positions)
        self._pending.add(key)
        self._count += 1
        if len(self._pending) >= _PENDING_MAX:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the digests held in memory to the file, in one transaction."""
        if not self._pending:
            return
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO seen VALUES (?)", ((key,) for key in sorted(self._pending)))
        self._db.execute("COMMIT")
        self._pending.clear()

    def close(self) -> None:
        """Remove the file (also done when the set is garbage-collected)."""
        self._finalizer()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def spill_folder(settings: BaseSettings) -> Path | None:
    """Where the crawl's scratch files go: SCHEDULER_SPILL_DIR, or None (the system's temporary folder) when empty."""
    folder = settings.get("SCHEDULER_SPILL_DIR") or None
    return Path(folder) if folder else None


def crawl_seen(settings: BaseSettings) -> SeenDigests:
    """A SeenDigests of the crawl's, under SCHEDULER_SPILL_DIR (the system's temporary folder when empty), its filter
    of 128 KiB (1 in ~4,000 lookups of a new key queries the file at 40,000 keys)."""
    return SeenDigests(spill_folder(settings), filter_bits=20)


class NewestDates:
    """Each key's newest date (a str key as its SHA-1), in a scratch SQLite file behind a bit filter: what earlier
    crawls archived, which grows with the archive's history, not in the process's memory. Dates are kept to the
    microsecond, in UTC. Filled by one thread, then read by one thread (not both at once)."""

    def __init__(self, folder: Path | None = None, *, filter_bits: int = 20) -> None:
        self._db, self._dir = scratch_database("outlet-archive-dates-", folder, threads=True)
        self._finalizer = weakref.finalize(self, remove_scratch, self._db, self._dir)
        self._db.execute("CREATE TABLE dates (digest BLOB PRIMARY KEY, us INTEGER) WITHOUT ROWID")
        self._filter = BitFilter(filter_bits)
        self._pending: dict[bytes, int] = {}

    @staticmethod
    def _digest(key: str) -> bytes:
        return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).digest()

    def keep_newest(self, key: str, when: datetime) -> None:
        """Record `when` for `key` unless a newer date is recorded already."""
        digest = self._digest(key)
        us = (when - _EPOCH) // timedelta(microseconds=1)
        self._filter.add(self._filter.positions(digest))
        if us > self._pending.get(digest, us - 1):
            self._pending[digest] = us
        if len(self._pending) >= _PENDING_MAX:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO dates VALUES (?, ?) ON CONFLICT(digest) DO UPDATE SET us = "
                             "max(us, excluded.us)", sorted(self._pending.items()))
        self._db.execute("COMMIT")
        self._pending.clear()

    def get(self, key: str) -> datetime | None:
        digest = self._digest(key)
        if not self._filter.may_hold(self._filter.positions(digest)):
            return None  # never recorded: no query
        self.flush()
        row = self._db.execute("SELECT us FROM dates WHERE digest = ?", (digest,)).fetchone()
        return _EPOCH + timedelta(microseconds=row[0]) if row is not None else None

    def __getitem__(self, key: str) -> datetime:
        when = self.get(key)
        if when is None:
            raise KeyError(key)
        return when

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        self.flush()
        return int(self._db.execute("SELECT count(*) FROM dates").fetchone()[0])

    def close(self) -> None:
        """Remove the file (also done when the table is garbage-collected)."""
        self._finalizer()
