"""The spool's folders and the publisher's pruning of empty ones (pipelines/storage/spool.py): a writer opening a
new file in a folder the upload thread is pruning at that moment gets its file, not an error that stops the
crawl. (A fresh `make test` once stopped a crawl with "cannot write warc files in …/.spool: File exists
(…/warc/globalresearch/2026/12/01)": the WARC writer rolled to a new file while the day's last one was published,
and the pruner removed the folder between mkdir's look and its check.) In one process a lock keeps the two apart;
a pruner in another process (archive-sync) is met by trying again."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pipelines.storage.spool import _prune_empty_dirs, make_folder, open_new


def test_the_folder_pruned_between_its_making_and_the_open_is_made_again(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "spool"
    target = spool / "warc" / "gr" / "2026" / "12" / "01" / "c1-00001.warc.gz.open"
    real_open = Path.open
    pruned = []

    def pruned_first(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == target and not pruned:  # archive-sync, in another process, prunes the day's folder right now
            pruned.append(self.parent)
            self.parent.rmdir()
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", pruned_first)
    with open_new(target, "wb") as handle:
        handle.write(b"WARC/1.1")
    assert pruned and target.read_bytes() == b"WARC/1.1"


def test_a_folder_vanishing_under_mkdirs_check_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "items" / "gr" / "2026" / "12" / "01" / "c1.jsonl.gz"
    real_mkdir = Path.mkdir
    calls = []

    def raced(self: Path, *args: Any, **kwargs: Any) -> None:
        calls.append(self)
        if len(calls) == 1:  # mkdir found the folder, the pruner removed it, its is_dir() check said no
            raise FileExistsError(17, "File exists", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", raced)
    make_folder(target)
    assert target.parent.is_dir() and len(calls) >= 2


def test_a_file_where_the_folder_should_be_stays_an_error(tmp_path: Path) -> None:
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "gr").write_bytes(b"")  # not a race: a file in the way is reported, not retried for ever
    with pytest.raises(FileExistsError):
        make_folder(tmp_path / "warc" / "gr" / "x.warc.gz")


def test_writers_and_the_pruner_in_one_folder_at_once(tmp_path: Path) -> None:
    # In one process the writers and the upload threads' pruning take turns (a lock): no try is lost to a race.
    spool = tmp_path / "spool"
    day = spool / "warc" / "gr" / "2026" / "12" / "01"
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for n in range(300):
                path = day / f"{name}-{n}.open"
                with open_new(path, "wb") as handle:
                    handle.write(b"x")
                path.unlink()  # published: the local copy goes and the empty folders with it
                _prune_empty_dirs(path.parent, spool)
        except BaseException as exc:  # any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
