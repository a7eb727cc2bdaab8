"""Several crawls (scrapyd jobs) sharing one spool: each stores only its own files and leftovers of dead ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.storage.spool import SpoolLock, active_crawls, spooled_files


def _file(spool: Path, key: str) -> Path:
    path = spool / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_files_of_a_running_crawl_are_not_leftovers(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    _file(spool, "warc/gr/2026/11/25/crawl-a-00000.warc.gz")
    _file(spool, "indexes/gr/crawl-a.cdxj")
    dead = _file(spool, "warc/rt/2026/11/25/crawl-b-00000.warc.gz")
    lock = SpoolLock(spool, "crawl-a")
    try:
        assert active_crawls(spool) == {"crawl-a"}
        # crawl-a is running: its files are its own; crawl-b's are leftovers; the lock file is no archive file
        assert spooled_files(spool) == [(dead, "warc/rt/2026/11/25/crawl-b-00000.warc.gz")]
        with pytest.raises(BlockingIOError):
            SpoolLock(spool, "crawl-a")
    finally:
        lock.release()
    assert active_crawls(spool) == set()
    assert len(spooled_files(spool)) == 3


def test_the_lock_of_a_killed_crawl_dies_with_it(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    _file(spool, "items/gr/2026/11/25/crawl-k-00000.jsonl.gz")
    code = ("import os, sys; from pathlib import Path; from pipelines.storage.spool import SpoolLock; "
            f"SpoolLock(Path({str(spool)!r}), 'crawl-k'); os._exit(9)")
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60, cwd=Path(__file__).parents[1])
    assert (spool / ".active" / "crawl-k.lock").exists()  # never released
    assert active_crawls(spool) == set()
    assert [key for _, key in spooled_files(spool)] == ["items/gr/2026/11/25/crawl-k-00000.jsonl.gz"]
    assert not (spool / ".active" / "crawl-k.lock").exists()  # the dead crawl's lock file goes at the first look


def test_a_lock_removed_as_stale_between_open_and_flock_is_taken_again(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl as real_fcntl

    from pipelines.storage import spool as spool_module

    spool = tmp_path / "spool"
    calls = []
    real = real_fcntl.flock

    def flock_after_removal(fd: int, op: int) -> None:
        if not calls:  # the first time: another process's look removes the file just before our lock
            (spool / ".active" / "crawl-r.lock").unlink()
        calls.append(op)
        real(fd, op)

    monkeypatch.setattr(spool_module.fcntl, "flock", flock_after_removal)
    lock = SpoolLock(spool, "crawl-r")
    monkeypatch.setattr(spool_module.fcntl, "flock", real)
    try:
        assert len(calls) == 2
        assert active_crawls(spool) == {"crawl-r"}  # the file under the name is the one held
    finally:
        lock.release()
