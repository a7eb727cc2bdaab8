"""crawler/utils/seen.py's NewestDates: each key's newest date, off the heap (earlier crawls' captures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.utils.seen import NewestDates


def test_each_key_keeps_its_newest_date_to_the_microsecond_in_memory_or_on_file(tmp_path: Path) -> None:
    dates = NewestDates(tmp_path / "scratch")
    start = datetime(2026, 3, 1, 0, 0, 0, 500000, tzinfo=UTC)
    # 2,000 keys: most written to the file (batches of 512) before their later dates come
    for n in range(2000):
        dates.keep_newest(f"/a/{n}", start + timedelta(microseconds=n))
    for n in range(2000):
        dates.keep_newest(f"/a/{n}", start + timedelta(days=1, microseconds=n) if n % 2 else start - timedelta(days=1))
    assert len(dates) == 2000
    assert dates["/a/7"] == start + timedelta(days=1, microseconds=7)  # a newer date replaces it
    assert dates["/a/8"] == start + timedelta(microseconds=8)  # an older one does not
    assert dates.get("/a/nowhere") is None and "/a/nowhere" not in dates and "/a/9" in dates
    with pytest.raises(KeyError):
        dates["/a/nowhere"]
    folder = next((tmp_path / "scratch").iterdir())
    dates.close()
    assert not folder.exists()
