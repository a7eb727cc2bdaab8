"""The revisit table on disk (pipelines/archive/payloads.py)."""

from __future__ import annotations

import base64
import hashlib
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
