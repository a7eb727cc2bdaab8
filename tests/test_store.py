"""The local store and the spool: atomic, idempotent, never overwriting, never escaping the root."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError, check_key, file_sha256
from pipelines.storage.file import FileStore
from pipelines.storage.spool import Publisher, spooled_files


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "a/b\x00", "a/\nb", ""])
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key"):
        check_key(key)


def test_scheme_table(tmp_path: Path) -> None:
    assert isinstance(store_from_uri(str(tmp_path), None), FileStore)
    assert isinstance(store_from_uri(tmp_path.as_uri(), None), FileStore)
    with pytest.raises(StoreError, match="unsupported scheme 'gs'"):
        store_from_uri("gs://bucket/x", None)


def test_put_is_idempotent_and_never_overwrites(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "root")
    local = tmp_path / "f"
    local.write_bytes(b"one")
    size, digest = file_sha256(local)
    stored = store.put(local, "a/b/f.txt", size=size, sha256=digest)
    assert stored.sha256 == digest
    assert store.put(local, "a/b/f.txt", size=size, sha256=digest) == stored
    other = tmp_path / "g"
    other.write_bytes(b"two")
    size2, digest2 = file_sha256(other)
    with pytest.raises(StoreError, match="already holds a different file"):
        store.put(other, "a/b/f.txt", size=size2, sha256=digest2)
    assert store.read("a/b/f.txt") == b"one"
    assert sorted(store.keys("a")) == ["a/b/f.txt"]


def test_an_unwritable_root_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot write to file://"):
        FileStore(blocker / "archive").check_writable()


def test_publisher_deletes_the_local_copy_only_once_stored(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "root")
    spool = tmp_path / "spool"
    publisher = Publisher(store, spool, retries=0)
    local = publisher.spool_path("warc/x/1.warc.gz")
    local.write_bytes(b"data")
    open_file = publisher.spool_path("warc/x/2.warc.gz.open")
    open_file.write_bytes(b"being written")

    async def run() -> None:
        publisher.publish(local, "warc/x/1.warc.gz")
        await publisher.drain()

    asyncio.run(run())
    publisher.close()
    assert not local.exists()
    assert (tmp_path / "root/warc/x/1.warc.gz").read_bytes() == b"data"
    assert publisher.files[0].stored
    # an .open file is still being written: never stored, never listed
    assert spooled_files(spool) == []


def test_a_failing_store_keeps_the_file_in_the_spool(tmp_path: Path) -> None:
    class Broken(FileStore):
        def put(self, local: Path, key: str, *, size: int, sha256: str):  # type: ignore[no-untyped-def]
            raise StoreError("endpoint down", transient=True)

    spool = tmp_path / "spool"
    publisher = Publisher(Broken(tmp_path / "root"), spool, retries=2, backoff=0.001)
    local = publisher.spool_path("items/x/1.jsonl.gz")
    local.write_bytes(b"items")
    result = publisher.publish_now(local, "items/x/1.jsonl.gz")
    publisher.close()
    assert not result.stored
    assert local.read_bytes() == b"items"
    assert spooled_files(spool) == [(local, "items/x/1.jsonl.gz")]
    assert "kept in the spool" in publisher.errors[0]


def test_concurrent_write_checks_never_call_a_writable_folder_unwritable(tmp_path: Path) -> None:
    """Two crawls starting together into one folder: each probe is its own file (one shared name raced)."""
    from concurrent.futures import ThreadPoolExecutor

    store = FileStore(tmp_path / "root")

    def probe(_: int) -> None:
        for _ in range(200):
            store.check_writable()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(probe, range(8)))
    assert [p.name for p in (tmp_path / "root").iterdir()] == []
