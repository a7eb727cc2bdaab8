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


def test_a_set_collected_in_another_thread_than_its_own_goes_without_an_error(tmp_path: Path) -> None:
    # A crawl's seen-set made on the reactor's thread may be garbage-collected on any other (a Dask worker's in
    # the re-extraction tests): its one-thread SQLite connection refuses close() there, which raised in the
    # finalizer ('SQLite objects created in a thread can only be used in that same thread').
    import gc
    import sys
    import threading

    from crawler.utils.seen import SeenDigests

    made: list[SeenDigests] = []
    maker = threading.Thread(target=lambda: made.append(SeenDigests(tmp_path / "scratch", filter_bits=10)))
    maker.start()
    maker.join()
    made[0].add(b"x" * 20)
    folder = made[0].folder
    raised: list[BaseException | None] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: raised.append(unraisable.exc_value)
    try:
        made.clear()
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert raised == [] and not folder.exists()
