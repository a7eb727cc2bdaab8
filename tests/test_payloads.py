"""The revisit table on disk (pipelines/archive/payloads.py)."""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import hashlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipelines.archive.payloads import Capture, Payloads


def _digest(n: int) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(str(n).encode()).digest()).decode()


def test_the_first_capture_of_a_payload_is_kept_and_found_by_its_digest(tmp_path: Path) -> None:
    table = Payloads(tmp_path)
    first = Capture("https://h.example/a", "2026-01-01T00:00:00Z", "<urn:uuid:1>", "a.warc.gz", 10, 200)
    table.setdefault(_digest(1), first)
    table.setdefault(_digest(1), Capture("https://h.example/b", "2026-01-02T00:00:00Z", "<urn:uuid:2>"))
    table.setdefault("sha256:not-base32!", first)  # another algorithm: kept by its text
    assert table.get(_digest(1)) == first and _digest(1) in table
    assert table.get("sha256:not-base32!") == first
    assert table.get(_digest(2)) is None and _digest(2) not in table
    assert len(table) == 2
    table.close()
    assert list(tmp_path.iterdir()) == []  # the scratch file goes with the table


def test_threads_share_the_table(tmp_path: Path) -> None:
    table = Payloads(tmp_path)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: table.setdefault(_digest(n), Capture(f"u{n}", "d", f"r{n}")), range(2000)))
    assert len(table) == 2000
    assert all(table.get(_digest(n)) == Capture(f"u{n}", "d", f"r{n}") for n in range(0, 2000, 97))


def test_a_digest_never_added_costs_no_query_and_the_first_capture_survives_the_batches(tmp_path: Path) -> None:
    table = Payloads(tmp_path)
    queries: list[str] = []
    table._db.set_trace_callback(queries.append)  # SQLite's own statement trace: what reaches the file
    first = Capture("https://h.example/first", "d1", "<urn:uuid:first>", "a.warc.gz", 1, 2)
    table.setdefault(_digest(0), first)
    for n in range(1, 1500):  # past several batches: the first capture is in the file by now
        table.setdefault(_digest(n), Capture(f"u{n}", "d", f"r{n}"))
    table.setdefault(_digest(0), Capture("https://h.example/later", "d2", "<urn:uuid:later>"))
    table.setdefault(_digest(1499), Capture("u-later", "d", "r-later"))  # still held in memory: its first stays too
    transactions = [q for q in queries if q == "BEGIN"]
    assert 0 < len(transactions) < 10  # the captures went to the file a batch at a time, not one transaction each
    queries.clear()
    assert all(table.get(_digest(n)) is None for n in range(10_000, 12_000))
    assert len([q for q in queries if q.startswith("SELECT")]) <= 2  # the filter answered (a rare false maybe)
    assert table.get(_digest(0)) == first
    assert table.get(_digest(1499)) == Capture("u1499", "d", "r1499")  # not yet written: found all the same
    assert table.get(_digest(777)) == Capture("u777", "d", "r777")
    assert len(table) == 1500
    assert table.get(_digest(1499)) == Capture("u1499", "d", "r1499")  # and once written
    table.close()


def _sqlite_memory_used() -> int:
    """SQLite's own count of the bytes it holds (sqlite3_memory_used), from the library the sqlite3 module uses."""
    name = ctypes.util.find_library("sqlite3")
    assert name, "the sqlite3 module's shared library (libsqlite3) is not found"
    library = ctypes.CDLL(name)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return int(library.sqlite3_memory_used())


def test_the_tables_memory_stays_bounded_as_the_crawl_grows(tmp_path: Path) -> None:
    """SQLite's page cache is sized for the work: 20,000 captures (a crawl of 20,000 pages, a 4.7 MB file) cost
    the crawl's memory well under 1.5 MB of SQLite's (the 4 MiB cache it had held 4.4 MB at 40,000)."""
    other = sqlite3.connect(":memory:")  # the count is of this process's SQLite: it must see a connection
    assert _sqlite_memory_used() > 0, "ctypes loaded another libsqlite3 than the sqlite3 module's"
    other.close()
    before = _sqlite_memory_used()
    table = Payloads(tmp_path)
    table.add_first((_digest(n), Capture(f"https://h.example/2026/article-number-{n}/", "2026-12-01T00:00:00Z",
                                         f"<urn:uuid:{n:032x}>", "a-00000.warc.gz", n * 5000, 4000))
                    for n in range(20_000))
    assert len(table) == 20_000
    assert all(table.get(_digest(n)) is not None for n in range(0, 20_000, 13))  # lookups page through the file
    held = _sqlite_memory_used() - before
    assert 0 < held < 1_500_000, held
    table.close()
