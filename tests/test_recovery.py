"""A killed crawl loses nothing that was whole: its `.open` files are finished and stored (pipelines/archive/recovery.py).

Unit tests cut files the way a kill does; the last test kills a real crawl with SIGKILL and runs
`scrapy archive-sync`, then checks that every item in the store points at a record that reads back.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.items import ITEM_URI_PREFIX
from crawler.outlets import load_outlets
from pipelines.archive.cdxj import CdxjEntry, cdxj_line, read_cdxj
from pipelines.archive.recovery import recover_spool, warc_index_entries
from pipelines.storage.spool import SpoolLock, spooled_files
from tests.crawl_runner import ROOT, crawl_command, glob_now, scrapy_env

CRAWL = "20261130T070000Z-dead"


def warc_bytes(count: int, *, first: int = 0, warcinfo: bool = True) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    if warcinfo:
        writer.write_record(writer.create_warcinfo_record("x.warc.gz", {"software": "test"}))
    for n in range(first, first + count):
        body = f"<html><body>page {n} {'text ' * 200}</body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://example.org/a/{n}", "response",
                                                      payload=BytesIO(body), length=len(body),
                                                      http_headers=headers))
    return out.getvalue()


def read_back(path: Path) -> list[str]:
    """Types of every record, each read to its end with its digests checked."""
    types = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=True)
        for record in iterator:
            record.content_stream().read()
            iterator.read_to_end(record)
            assert record.digest_checker.passed is not False
            types.append(record.rec_type)
    return types


def spool_file(spool: Path, key: str, data: bytes) -> Path:
    path = spool.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_cut_warc_keeps_its_whole_records_and_is_renamed(tmp_path: Path) -> None:
    whole = warc_bytes(5)
    sixth = warc_bytes(1, first=5, warcinfo=False)
    key = f"warc/gr/2026/11/30/{CRAWL}-00000.warc.gz"
    spool_file(tmp_path, key + ".open", whole + sixth[: len(sixth) // 2])  # the kill cut the sixth record
    (done,) = recover_spool(tmp_path)
    assert (done.kept, done.cut_bytes) == (6, len(sixth) // 2)  # warcinfo + 5 responses
    final = tmp_path / key
    assert final.read_bytes() == whole
    assert read_back(final) == ["warcinfo"] + ["response"] * 5
    assert spooled_files(tmp_path) == [(final, key)]


def test_a_warc_with_no_whole_record_is_removed(tmp_path: Path) -> None:
    path = spool_file(tmp_path, f"warc/gr/2026/11/30/{CRAWL}-00001.warc.gz.open", warc_bytes(0)[:40])
    (done,) = recover_spool(tmp_path)
    assert (done.key, done.kept, done.cut_bytes) == ("", 0, 40)
    assert not path.exists()
    assert spooled_files(tmp_path) == []


def test_a_warc_followed_by_zeros_keeps_what_is_whole(tmp_path: Path) -> None:
    """A power cut can leave a file's last blocks zeroed rather than short."""
    whole = warc_bytes(2)
    key = f"warc/gr/2026/11/30/{CRAWL}-00002.warc.gz"
    spool_file(tmp_path, key + ".open", whole + b"\0" * 4096)
    recover_spool(tmp_path)
    assert (tmp_path / key).read_bytes() == whole


def items_cut_after(lines: list[dict[str, object]], extra: bytes) -> bytes:
    """A batch as the item writer leaves it when killed: a sync flush per item, no gzip trailer."""
    raw = BytesIO()
    batch = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    for line in lines:
        batch.write(json.dumps(line).encode() + b"\n")
        batch.flush()
    batch.write(extra)  # a line the kill cut: still in zlib's buffer, or half flushed
    batch.flush()
    return raw.getvalue()


def test_a_cut_item_batch_keeps_its_whole_items(tmp_path: Path) -> None:
    items: list[dict[str, object]] = [{"url": f"https://example.org/a/{n}", "title": f"T{n}"} for n in range(4)]
    key = f"items/gr/2026/11/30/{CRAWL}-00000.jsonl.gz"
    spool_file(tmp_path, key + ".open", items_cut_after(items, b'{"url": "https://example.org/a/4", "ti'))
    (done,) = recover_spool(tmp_path)
    assert (done.kept, done.cut_bytes) == (4, len(b'{"url": "https://example.org/a/4", "ti'))
    with gzip.open(tmp_path / key) as handle:  # a whole gzip file now, trailer and all
        assert [json.loads(line) for line in handle] == items
    assert not (tmp_path / (key + ".open")).exists()


def test_a_batch_killed_by_sigkill_keeps_every_item_it_wrote(tmp_path: Path) -> None:
    """The item writer's own stream (pipelines.items.item_writer.BatchStream), in a process that SIGKILLs itself
    after its last write: no close, no trailer. Every line reads back, byte for byte."""
    key = f"items/gr/2026/11/30/{CRAWL}-00000.jsonl.gz"
    path = spool_file(tmp_path, key + ".open", b"")
    items = [{"url": f"https://example.org/a/{n}", "body": f"text {n} caf\u00e9 " * 300} for n in range(50)]
    lines = b"".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for item in items)
    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from pipelines.items.item_writer import BatchStream\n"
              "batch = BatchStream(Path(sys.argv[1]), 3)\n"
              "for line in sys.stdin.buffer:\n"
              "    batch.write(line)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], input=lines, cwd=ROOT, env=scrapy_env(),
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    (result,) = recover_spool(tmp_path)
    assert (result.kept, result.cut_bytes) == (50, 0)
    assert gzip.decompress((tmp_path / key).read_bytes()) == lines


def test_the_files_of_a_running_crawl_are_left_alone(tmp_path: Path) -> None:
    path = spool_file(tmp_path, f"warc/gr/2026/11/30/{CRAWL}-00000.warc.gz.open", warc_bytes(1)[:-10])
    lock = SpoolLock(tmp_path, CRAWL)
    try:
        assert recover_spool(tmp_path) == []
        assert path.exists()
        # The crawl that holds the lock may finish its own leftovers (a crawl id used again).
        assert [r.kept for r in recover_spool(tmp_path, own_crawl=CRAWL)] == [1]
    finally:
        lock.release()


def test_the_index_keeps_stored_files_lines_and_rebuilds_spooled_ones(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    stored = CdxjEntry(url="https://example.org/old/1", warc_date="2026-11-30T07:00:00.000000Z", status=200,
                       mime="text/html", digest="sha1:AAAA", length=900, offset=500,
                       filename=f"{CRAWL}-00000.warc.gz", record_id="<urn:uuid:1>")
    whole = warc_bytes(3)
    fourth = warc_bytes(1, first=3, warcinfo=False)
    spool_file(spool, f"warc/gr/2026/11/30/{CRAWL}-00001.warc.gz.open", whole + fourth[:100])
    # Lines for records of the open file, one of them for the record the kill cut; and a line cut in half.
    live = list(warc_index_entries(_write(tmp_path / "full.warc.gz", whole + fourth), f"{CRAWL}-00001.warc.gz"))
    assert len(live) == 4
    unsorted = cdxj_line(stored) + "".join(cdxj_line(e) for e in live) + cdxj_line(stored)[:50]
    spool_file(spool, f"indexes/gr/{CRAWL}.cdxj.unsorted.open", unsorted.encode())
    recover_spool(spool)
    index = spool / "indexes" / "gr" / f"{CRAWL}.cdxj"
    entries = list(read_cdxj(index.read_bytes()))
    assert stored in entries
    rebuilt = [e for e in entries if e.filename == f"{CRAWL}-00001.warc.gz"]
    assert [e.url for e in rebuilt] == [f"https://example.org/a/{n}" for n in range(3)]
    assert rebuilt == live[:3]  # the same lines the writer wrote, the cut record's left out
    lines = index.read_text().splitlines()
    assert lines == sorted(lines)
    assert sorted(key for _, key in spooled_files(spool)) == [
        f"indexes/gr/{CRAWL}.cdxj", f"warc/gr/2026/11/30/{CRAWL}-00001.warc.gz"]


def read_items(path: Path) -> list[dict[str, object]]:
    with gzip.open(path) as handle:
        return [json.loads(line) for line in handle]


def test_a_file_that_cannot_be_recovered_stays_and_the_rest_goes_on(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """An index whose WARC is not a WARC: logged, left in the spool; the crawl (or archive-sync) goes on."""
    spool_file(tmp_path, f"warc/gr/2026/11/30/{CRAWL}-00000.warc.gz", gzip.compress(b"not a warc record"))
    index = spool_file(tmp_path, f"indexes/gr/{CRAWL}.cdxj.unsorted.open", b"")
    items = spool_file(tmp_path, f"items/gr/2026/11/30/{CRAWL}-00000.jsonl.gz.open",
                       items_cut_after([{"url": "https://example.org/a/1"}], b""))
    recovered = recover_spool(tmp_path)
    assert [r.kept for r in recovered] == [1]  # the items batch
    assert index.exists() and not items.exists()
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.levelname == "ERROR"] == [
        f"could not recover {index}, left in the spool"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("finisher", ["archive-sync", "next crawl"])
def test_a_killed_crawl_is_stored_whole(replica_url: str, tmp_path: Path, finisher: str) -> None:
    archive = tmp_path / "archive"
    cmd = crawl_command(base_url=replica_url, archive=archive, settings={"DOWNLOAD_DELAY": "0.2", "ITEMS_MAX_COUNT": "3"})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    spool = archive / ".spool"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # killed once a batch has rolled and another is open
            if len(glob_now(spool, "items/**/*.jsonl.gz.open")) + len(glob_now(archive, "items/**/*.jsonl.gz")) \
                    >= 2 and glob_now(spool, "items/**/*.jsonl.gz.open"):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the crawl never rolled an item batch")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert list(spool.rglob("*.open"))

    if finisher == "archive-sync":
        then = [sys.executable, "-m", "scrapy", "archive-sync", "--no-progress", "-s", f"ARCHIVE_URI={archive}"]
    else:  # a crawl of one page, which finishes the killed crawl's files first
        then = [*cmd, "-a", f"urls={replica_url}/about-us/1"]
    sync = subprocess.run(then, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=120, check=False)
    assert sync.returncode == 0, sync.stderr
    assert "recovered from killed crawl" in sync.stderr
    assert not [p for p in spool.rglob("*") if p.is_file() and ".active" not in p.parts]
    if finisher != "archive-sync":  # the second crawl's own files, set apart
        (manifest,) = archive.glob("crawls/**/*.json")
        second = json.loads(manifest.read_text())["crawl_id"]
        for path in archive.rglob(f"{second}*"):
            path.unlink()

    items = [item for batch in sorted(archive.glob("items/**/*.jsonl.gz")) for item in read_items(batch)]
    assert len(items) >= 4
    warcs = {p.name: p for p in archive.glob("warc/**/*.warc.gz")}
    for warc in warcs.values():
        read_back(warc)
    # Every article page the killed crawl archived has its item, once: those the kill caught between the
    # response and the item's batch line were written by the recovery, from the WARC.
    outlet = load_outlets()["globalresearch"]
    articles = set()
    in_warc = set()
    for warc in warcs.values():
        with warc.open("rb") as handle:
            for r in ArchiveIterator(handle):
                uri = r.rec_headers.get_header("WARC-Target-URI")
                if r.rec_type == "metadata":
                    in_warc.add(uri.removeprefix(ITEM_URI_PREFIX))
                elif r.rec_type == "response" and r.http_headers.get_statuscode() == "200" \
                        and (r.http_headers.get_header("Content-Type") or "").startswith("text/html") \
                        and outlet.is_article_path(urlsplit(uri).path):
                    articles.add(r.rec_headers.get_header("WARC-Record-ID"))
    record_ids = [item["warc"]["record_id"] for item in items]
    assert len(record_ids) == len(set(record_ids)), "an item archived twice"
    assert articles - set(record_ids) == set(), "an archived article without its item"
    assert {item["fetched_url"] for item in items} >= in_warc
    for item in items:  # every item points at a whole record, at its offset
        ref = item["warc"]
        with warcs[ref["filename"]].open("rb") as handle:
            handle.seek(ref["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == item["fetched_url"]
    (index,) = archive.glob("indexes/globalresearch/*.cdxj")
    entries = list(read_cdxj(index.read_bytes()))
    assert {item["warc"]["record_id"] for item in items} <= {e.record_id for e in entries}
    for entry in entries:
        with warcs[entry.filename].open("rb") as handle:
            handle.seek(entry.offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Record-ID") == entry.record_id
    assert not list(archive.glob("crawls/**/*.json"))  # a killed crawl has no manifest: it did not end


def test_the_index_is_sorted_in_runs_merged_from_disk_and_a_killed_merges_runs_are_removed(tmp_path: Path) -> None:
    """Closing a crawl sorts its index with at most `chunk` lines in memory (sorted runs on disk, heapq.merge);
    a crawl killed while merging leaves runs named as open files, which recovery removes (it rebuilds the index
    from the unsorted lines, still there)."""
    from pipelines.warc.writer import sort_lines

    lines = [f"com,example)/{n:05d} 2026{n % 7} {{}}\n" for n in range(0, 10_000, 7)]
    source = tmp_path / "x.cdxj.unsorted.open"
    source.write_text("".join(reversed(lines)), encoding="utf-8")
    for chunk in (100, 5_000):  # many runs; one run
        target = tmp_path / f"x-{chunk}.cdxj"
        sort_lines(source, target, chunk)
        assert target.read_text(encoding="utf-8") == "".join(sorted(lines))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-100.cdxj", "x-5000.cdxj", "x.cdxj.unsorted.open"]

    spool = tmp_path / "spool"
    left = spool / "indexes" / "globalresearch" / "20261130T000000Z-dead.cdxj.run3.open"
    left.parent.mkdir(parents=True)
    left.write_text("com,example)/ 2026 {}\n", encoding="utf-8")
    recover_spool(spool)
    assert not left.exists()


def test_sorting_the_index_at_the_close_holds_little_of_it_in_memory(tmp_path: Path) -> None:
    """40,000 index lines of ~450 bytes (18 MB) sorted at the close hold a few MB at most: runs of INDEX_SORT_CHUNK
    lines, each written line by line (a run joined into one string, then encoded, had held three copies of it)."""
    import tracemalloc

    from pipelines.warc.writer import INDEX_SORT_CHUNK, sort_lines

    source = tmp_path / "x.cdxj.unsorted.open"
    with source.open("w", encoding="utf-8") as out:
        out.writelines(f"com,example)/{(n * 7919) % 40_000:05d} 20261130 {{\"url\": \"{'x' * 400}\"}}\n"
                       for n in range(40_000))
    tracemalloc.start()
    try:
        sort_lines(source, tmp_path / "x.cdxj", INDEX_SORT_CHUNK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak / 1e6:.1f} MB held while sorting"
    with (tmp_path / "x.cdxj").open(encoding="utf-8") as sorted_file:
        keys = [line.split(" ", 1)[0] for line in sorted_file]
    assert keys == sorted(keys) and len(keys) == 40_000
