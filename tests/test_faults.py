"""Faults an unattended archive meets, in a short form (bench/faults.py runs the long one and prints counts).

Each test checks the archive as an archivist would afterwards: every article of the replica archived exactly
once (no item twice, none missing), every item pointing at a whole record, and a failure never reported as
success (exit status, report line). Kills at several moments, a full spool disk, connections reset mid-body,
two crawls at once, and bad input.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import ROOT, Crawl, crawl_command, glob_now, read_items, run_crawl, scrapy_env
from tests.reset_proxy import ResetProxy

pytestmark = pytest.mark.slow


def article_paths(crawl: Crawl) -> set[str]:
    return {urlsplit(item["fetched_url"]).path for item in crawl.items()}


def check_archive(archive: Path, expected: set[str]) -> list[dict]:
    """Every expected article has exactly one item, and every item points at its whole record."""
    items = read_items(archive)
    paths = Counter(urlsplit(item["fetched_url"]).path for item in items)
    assert [path for path, n in paths.items() if n > 1] == [], "items archived twice"
    assert expected - set(paths) == set(), "articles missing"
    warcs = {p.name: p for p in archive.glob("warc/**/*.warc.gz")}
    for item in items:
        ref = item["warc"]
        with warcs[ref["filename"]].open("rb") as handle:
            handle.seek(ref["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
            record.content_stream().read()  # the whole record reads back
    return items


def spool_of(archive: Path) -> Path:
    return archive / ".spool"


# --- kills --------------------------------------------------------------------------------------------

def _first_record(spool: Path) -> bool:
    return any(p.stat().st_size > 2000 for p in glob_now(spool, "warc/**/*.warc.gz.open") if p.exists())


def _first_item(spool: Path) -> bool:
    return bool(glob_now(spool, "items/**/*.jsonl.gz.open"))


def _rolled_batch(spool: Path) -> bool:
    return bool(glob_now(spool.parent, "items/**/*.jsonl.gz")) and _first_item(spool)


@pytest.mark.parametrize("moment", [_first_record, _first_item, _rolled_batch],
                         ids=["after-first-record", "after-first-item", "after-a-batch-rolled"])
def test_after_a_kill_the_next_crawl_archives_every_article_once(
        replica_url: str, replica_crawl: Crawl, tmp_path: Path, moment: Callable[[Path], bool]) -> None:
    expected = article_paths(replica_crawl)
    archive = tmp_path / "archive"
    cmd = crawl_command(base_url=replica_url, archive=archive, settings={"DOWNLOAD_DELAY": "0.15",
                                                                          "ITEMS_MAX_COUNT": "3"})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not moment(spool_of(archive)):
            assert time.monotonic() < deadline and proc.poll() is None, "the moment to kill never came"
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    after = run_crawl(archive, base_url=replica_url)
    assert after.returncode == 0, after.log
    assert "recovered from killed crawl" in after.log
    check_archive(archive, expected)
    assert not list((spool_of(archive) / ".active").glob("*.lock")), "a lock file outlived its crawl"


@pytest.mark.parametrize("source", ["metadata records", "extracted again"])
def test_a_response_without_its_item_gets_it_from_the_warc(replica_url: str, replica_crawl: Crawl,
                                                           tmp_path: Path, source: str) -> None:
    """The kill between a response and its item, made certain: the batch lost, the WARC kept (`.open`); the
    items come from the WARC's metadata records, or (a kill before them too) from the responses themselves."""
    archive = tmp_path / "archive"
    settings = {"ITEMS_ENABLED": "0"}  # the WARC alone
    if source == "extracted again":
        settings["ITEM_PIPELINES"] = '{"pipelines.items.normalize.NormalizePipeline": 100}'  # no metadata record
    first = run_crawl(archive, base_url=replica_url, settings=settings)
    assert first.returncode == 0, first.log
    (manifest,) = archive.glob("crawls/**/*.json")
    crawl_id = manifest.stem
    manifest.unlink()  # as if it never ended: its WARC back in the spool, open
    spool = spool_of(archive)
    for warc in archive.glob("warc/**/*.warc.gz"):
        target = spool / warc.relative_to(archive)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(warc, target.with_name(target.name + ".open"))
    for index in archive.glob("indexes/**/*.cdxj"):
        index.unlink()
    sync = subprocess.run([sys.executable, "-m", "scrapy", "archive-sync", "--no-progress", "-s",
                           f"ARCHIVE_URI={archive}"], cwd=ROOT, env=scrapy_env(), capture_output=True, text=True,
                          timeout=120, check=False)
    assert sync.returncode == 0, sync.stderr
    assert f"recovered from killed crawl {crawl_id}: 12 item(s) its batches missed" in sync.stderr
    assert ("(12 from the WARC's metadata records, 0 extracted again)" if source == "metadata records"
            else "(0 from the WARC's metadata records, 12 extracted again)") in sync.stderr
    items = check_archive(archive, article_paths(replica_crawl))
    assert {item["crawl_id"] for item in items} == {crawl_id}
    again = subprocess.run([sys.executable, "-m", "scrapy", "archive-sync", "--no-progress", "-s",
                            f"ARCHIVE_URI={archive}"], cwd=ROOT, env=scrapy_env(), capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 0
    assert len(read_items(archive)) == len(items)  # nothing twice


# --- a full spool disk --------------------------------------------------------------------------------

@pytest.fixture(params=["96k", "160k"])
def small_spool(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A small tmpfs: the replica's crawl (~200 KB of WARC) fills it early or half way through."""
    mount = tmp_path / "spool"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"this test mounts a tmpfs (root is needed): {done.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_spool_disk_stops_the_crawl_and_loses_nothing(replica_url: str, replica_crawl: Crawl,
                                                              tmp_path: Path, small_spool: Path) -> None:
    archive = tmp_path / "archive"
    crawl = run_crawl(archive, base_url=replica_url, settings={"ARCHIVE_SPOOL_DIR": str(small_spool)})
    assert crawl.returncode == 4, crawl.log
    assert "Traceback" not in crawl.log
    assert "No space left on device: the crawl stops" in crawl.log
    assert "crawl report (no manifest:" in crawl.log
    assert not list(archive.glob("crawls/**/*.json")), "a manifest for a crawl that did not end whole"
    assert not [p for p in small_spool.rglob("*.json") if p.stat().st_size == 0]
    # Room again: archive-sync finishes what was written, and the next crawl archives the rest.
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_spool)], check=True)
    sync = subprocess.run([sys.executable, "-m", "scrapy", "archive-sync", "--no-progress", "--spool",
                           str(small_spool), "-s", f"ARCHIVE_URI={archive}"], cwd=ROOT, env=scrapy_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert sync.returncode == 0, sync.stderr
    after = run_crawl(archive, base_url=replica_url, settings={"ARCHIVE_SPOOL_DIR": str(small_spool)})
    assert after.returncode == 0, after.log
    check_archive(archive, article_paths(replica_crawl))


# --- connections reset mid-body -----------------------------------------------------------------------

def test_a_body_cut_by_a_reset_is_fetched_again(replica_url: str, replica_crawl: Crawl, tmp_path: Path) -> None:
    expected = article_paths(replica_crawl)
    with ResetProxy(replica_url, cut_first=expected, cut_always={"/sitemap.xml"}) as proxy:
        crawl = run_crawl(tmp_path / "archive", base_url=proxy.url)
    assert crawl.returncode == 5, crawl.log  # the sitemap never came whole: a failure, said so
    assert "truncated/sitemap 1" in crawl.log
    assert all(proxy.requests[path] == 2 for path in expected)  # cut once, fetched again once
    check_archive(tmp_path / "archive", expected)


def test_an_article_whose_only_capture_is_truncated_is_fetched_by_the_next_crawl(
        replica_url: str, replica_crawl: Crawl, tmp_path: Path) -> None:
    expected = article_paths(replica_crawl)
    broken = set(sorted(expected)[:2])
    archive = tmp_path / "archive"
    with ResetProxy(replica_url, cut_always=broken) as proxy:
        first = run_crawl(archive, base_url=proxy.url)
    assert first.returncode == 5, first.log
    assert all(proxy.requests[path] == 3 for path in broken)  # RETRY_TIMES = 2
    second = run_crawl(archive, base_url=replica_url)  # the network is fine again
    assert second.returncode == 0, second.log
    second_items = [i for i in second.items() if i["crawl_id"] != first.items()[0]["crawl_id"]]
    assert {urlsplit(i["fetched_url"]).path for i in second_items} == broken
    check_archive(archive, expected)


# --- two crawls at once ---------------------------------------------------------------------------------

def test_two_crawls_of_one_outlet_into_one_archive(replica_url: str, replica_crawl: Crawl, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    cmd = crawl_command(base_url=replica_url, archive=archive, settings={"DOWNLOAD_DELAY": "0.1"})
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=240)[0] for proc in procs]
    codes = sorted(proc.returncode for proc in procs)
    assert codes == [0, 2], outputs
    refused = outputs[[p.returncode for p in procs].index(2)]
    assert "is being crawled into this archive" in refused
    assert "unwritable" not in refused and "Traceback" not in refused
    check_archive(archive, article_paths(replica_crawl))
    assert not list(archive.glob("leases/*.json")), "the lease outlived its crawl"


# --- bad input --------------------------------------------------------------------------------------------

def _bad_files(tmp: Path, archive: Path) -> dict[str, Path]:
    text = tmp / "notes.txt"
    text.write_text("not a WARC\n")
    binary = tmp / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    empty = tmp / "empty.html"
    empty.write_bytes(b"")
    warc = next(archive.glob("warc/**/*.warc.gz"))
    cut = tmp / "cut.warc.gz"
    cut.write_bytes(warc.read_bytes()[:60_000])  # through a record: its page is not read half (no traceback)
    comment = tmp / "comment.html"
    comment.write_text("   <!-- a page with no document in it -->")
    broken = tmp / "outlets.toml"
    broken.write_text("[globalresearch]\nname = 3\n")
    return {"text": text, "binary": binary, "empty": empty, "cut": cut, "broken": broken, "comment": comment}


BAD_CRAWLS = {
    "since": (["-a", "since=notadate"], "since: expected a day"),
    "base_url": (["-a", "base_url=ftp://x"], "base_url: expected an http(s) URL"),
    "max_articles": (["-a", "max_articles=abc"], "max_articles: expected a positive whole number"),
    "refresh_days": (["-a", "refresh_days=xyz"], "refresh_days: expected a whole number"),
    "urls": (["-a", "urls=not-a-url"], "urls: expected an http(s) URL"),
    "s3-no-bucket": (["-s", "ARCHIVE_URI=s3://"], "ARCHIVE_URI: expected s3://bucket/prefix"),
    "gs": (["-s", "ARCHIVE_URI=gs://b/x"], "unsupported scheme 'gs'"),
}


def _one_line(done: subprocess.CompletedProcess[str], expected: str) -> None:
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if "error" in line.lower()]
    assert len(lines) == 1, out
    assert expected in lines[0], out


@pytest.mark.parametrize("case", list(BAD_CRAWLS))
def test_bad_crawl_input_is_one_line(case: str, tmp_path: Path) -> None:
    args, expected = BAD_CRAWLS[case]
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "globalresearch", *args,
                           "-s", f"ARCHIVE_URI={tmp_path / 'archive'}"] if not any("ARCHIVE_URI" in a for a in args)
                          else [sys.executable, "-m", "scrapy", "crawl", "globalresearch", *args],
                          cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=60, check=False)
    _one_line(done, expected)
    assert done.returncode == 2
    assert not (tmp_path / "archive").exists()  # nothing ran


def test_other_bad_input_is_one_line(replica_crawl: Crawl, tmp_path: Path) -> None:
    files = _bad_files(tmp_path, replica_crawl.archive)
    scrapy = [sys.executable, "-m", "scrapy"]
    cases = [
        ([*scrapy, "crawl", "nosuchoutlet"], "unknown outlet 'nosuchoutlet'"),
        ([*scrapy, "crawl", "globalresearch", "-s", f"OUTLETS_FILE={files['broken']}"], "field 'name'"),
        ([*scrapy, "reextract", str(files["text"])], "not a WARC file"),
        ([*scrapy, "reextract", str(files["binary"])], "not a WARC file"),
        ([*scrapy, "reextract", str(files["cut"])], "is cut short"),
        ([*scrapy, "extract", "--outlet", "globalresearch", str(files["empty"])], "not an HTML page (empty)"),
        ([*scrapy, "extract", "--outlet", "globalresearch", str(files["binary"])], "not an HTML page (binary"),
        ([*scrapy, "extract", "--outlet", "generic", str(files["comment"])], "no HTML document to read"),
    ]
    for cmd, expected in cases:
        done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=60,
                              check=False)
        _one_line(done, expected)
