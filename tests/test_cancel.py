"""Stopping a crawl: one SIGINT (Ctrl-C, scrapyd's cancel.json) ends it cleanly with a `cancelled` manifest;
a second forces the exit without harming any finished file; a crawl stopped with JOBDIR resumes."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import ROOT, TEST_SETTINGS, Crawl, crawl_command, run_crawl, scrapy_env
from tests.replica.server import ReplicaServer

pytestmark = pytest.mark.slow

SLOW = {**TEST_SETTINGS, "DOWNLOAD_DELAY": "0.4", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "LOG_LEVEL": "DEBUG"}


def _interrupted(archive: Path, base_url: str, log_path: Path, *args: str, signals: int = 1,
                 settings: dict[str, str] | None = None) -> int:
    """Run a slow crawl, send SIGINT `signals` times once two articles are scraped; its exit status."""
    cmd = crawl_command("globalresearch", *args, base_url=base_url, archive=archive,
                        settings={**SLOW, **(settings or {})}, test_settings=False)
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while log_path.read_text().count("Scraped http") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        for _ in range(signals):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.05)
        return proc.wait(timeout=60)


def _whole_warcs(paths: list[Path]) -> int:
    records = 0
    for path in paths:
        with path.open("rb") as handle:
            records += sum(1 for _ in ArchiveIterator(handle))
    return records


def _items(archive: Path) -> list[dict[str, Any]]:
    return Crawl(archive, 0, "").items()


def test_one_sigint_closes_stores_and_writes_a_cancelled_manifest(tmp_path: Path, fresh_replica_url: str) -> None:
    archive = tmp_path / "archive"
    code = _interrupted(archive, fresh_replica_url, tmp_path / "crawl.log")
    log = (tmp_path / "crawl.log").read_text()
    assert code == 0, log
    (manifest,) = Crawl(archive, code, log).manifests()
    assert manifest["status"] == "cancelled"
    assert manifest["finish_reason"] == "shutdown"
    assert "crawl report: cancelled;" in log
    assert not list(archive.rglob("*.open")), "a file was left open"
    assert not [p for p in (archive / ".spool").rglob("*") if p.is_file()], "the spool was not drained"
    warcs = sorted(archive.glob("warc/**/*.warc.gz"))
    assert warcs and _whole_warcs(warcs) > 2
    items = _items(archive)
    assert 2 <= len(items) == manifest["counts"]["articles"]
    assert {f["key"] for f in manifest["files"]} == {
        p.relative_to(archive).as_posix() for p in archive.rglob("*")
        if p.is_file() and p.parts[len(archive.parts)] in ("warc", "items", "indexes", "furniture")}


def test_a_second_sigint_forces_the_exit_and_finished_files_stay_whole(tmp_path: Path, fresh_replica_url: str) -> None:
    archive = tmp_path / "archive"
    # small WARCs and item batches, so that files were finished before the signals
    _interrupted(archive, fresh_replica_url, tmp_path / "crawl.log", signals=2,
                 settings={"WARC_MAX_SIZE": "20000", "ITEMS_MAX_COUNT": "1"})
    log = (tmp_path / "crawl.log").read_text()
    assert "twice, forcing unclean shutdown" in log
    finished = list(archive.rglob("*.warc.gz"))
    assert finished, log
    _whole_warcs(finished)  # raises on a torn record
    for batch in archive.rglob("*.jsonl.gz"):
        with gzip.open(batch, "rt", encoding="utf-8") as handle:
            assert all(json.loads(line)["url"] for line in handle)
    # what did not get stored waits in the spool as closed files; `.open` ones are partial and never stored
    for path in archive.rglob("*"):
        if path.is_file() and ".spool" not in path.parts:
            assert not path.name.endswith((".open", ".part")), path


def test_a_cancelled_crawl_resumes_with_jobdir(tmp_path: Path) -> None:
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    with ReplicaServer() as url:
        # the same crawl_id both times, as scrapyd gives a job scheduled again with the same jobid
        args = ("-a", "crawl_id=job-1")
        _interrupted(archive, url, tmp_path / "first.log", *args, settings={"JOBDIR": str(jobdir)})
        first = _items(archive)
        assert first
        resumed = run_crawl(archive, *args, base_url=url, settings={"JOBDIR": str(jobdir)})
        assert resumed.returncode == 0, resumed.log
        assert "resuming crawl job-1 from JOBDIR as crawl job-1-r1" in resumed.log
    manifests = {m["crawl_id"]: m for m in resumed.manifests()}
    assert manifests["job-1"]["status"] == "cancelled"
    assert manifests["job-1-r1"]["status"] == "finished"
    assert "scheduler/unserializable" not in manifests["job-1"]["stats"]
    assert manifests["job-1"]["stats"].get("scheduler/enqueued/disk", 0) > 0
    items = _items(archive)
    urls = [i["url"] for i in items]
    assert len(urls) == len(set(urls)), "an article was archived twice"
    assert len(items) == len(first) + manifests["job-1-r1"]["counts"]["articles"]
    assert len(items) >= 12
