"""pipelines.cdxj.read_indexes: every earlier index, in crawl order, read several at a time, a bounded window
ahead (an outlet crawled hourly has thousands after some months)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from pipelines.archive.cdxj import CdxjEntry, cdxj_line, read_indexes
from pipelines.storage.base import StoreError


class SlowStore:
    """Indexes of `count` crawls; each read takes a while, like a GET to a remote store."""

    def __init__(self, count: int, fail_at: int | None = None, delay: float = 0.01) -> None:
        self.files = {f"indexes/gr/2026{n:06d}.cdxj": cdxj_line(entry(n)).encode() for n in range(count)}
        self.files["indexes/gr/README.txt"] = b"not an index"
        self.fail_at = fail_at
        self.delay = delay
        self.reading = 0
        self.most_at_once = 0
        self.reads: list[str] = []
        self._lock = threading.Lock()

    def keys(self, prefix: str) -> Iterator[str]:
        return iter(reversed([k for k in self.files if k.startswith(prefix)]))

    def read(self, key: str) -> bytes:
        with self._lock:
            self.reading += 1
            self.most_at_once = max(self.most_at_once, self.reading)
            self.reads.append(key)
        try:
            time.sleep(self.delay)
            if self.fail_at is not None and key.endswith(f"{self.fail_at:06d}.cdxj"):
                raise StoreError(f"cannot read from s3://b/{key}: SlowDown", transient=True)
            return self.files[key]
        finally:
            with self._lock:
                self.reading -= 1


def entry(n: int) -> CdxjEntry:
    return CdxjEntry(url=f"https://example.org/a/{n}", warc_date="2026-11-30T07:00:00Z", status=200,
                     mime="text/html", digest=f"sha1:{n:032d}", length=100, offset=0,
                     filename=f"c{n}-00000.warc.gz", record_id=f"<urn:uuid:{n}>")


def test_every_index_in_crawl_order_several_at_a_time() -> None:
    store = SlowStore(100)
    seen = [(key, entries) for key, entries in read_indexes(store, "indexes/gr/", workers=8)]  # type: ignore[arg-type]
    assert [key for key, _ in seen] == sorted(k for k in store.files if k.endswith(".cdxj"))
    assert [entries for _, entries in seen] == [[entry(n)] for n in range(100)]
    assert store.most_at_once > 1
    assert "indexes/gr/README.txt" not in store.reads


def test_reads_stay_a_bounded_window_ahead() -> None:
    store = SlowStore(200, delay=0.001)
    indexes = read_indexes(store, "indexes/gr/", workers=4)  # type: ignore[arg-type]
    next(indexes)
    # Time enough for 4 workers to read all 200 (a few ms each) had they been handed them all at once.
    time.sleep(0.5)
    assert len(store.reads) <= 4 * 4 + 1  # the window (workers × 4), plus the one started as the first left
    indexes.close()


def test_a_failed_read_reaches_the_caller() -> None:
    store = SlowStore(50, fail_at=30)
    with pytest.raises(StoreError, match="SlowDown"):
        list(read_indexes(store, "indexes/gr/", workers=4))  # type: ignore[arg-type]
