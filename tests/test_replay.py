"""Replay in pywb: every archived article comes back with the bytes the replica served."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import ROOT, Crawl, run_crawl, scrapy_env
from tests.pywb_replay import Wayback, pywb_bin, reset_dir

pytestmark = pytest.mark.slow


def served(url: str) -> bytes:
    """The page as the replica serves it, decoded."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "")
    return gzip.decompress(body) if encoding == "gzip" else body


def timestamp_of(crawl: Crawl, item: dict) -> str:
    path = next(p for p in crawl.warcs() if p.name == item["warc"]["filename"])
    with path.open("rb") as handle:
        handle.seek(item["warc"]["offset"])
        record = next(iter(ArchiveIterator(handle)))
        date = record.rec_headers.get_header("WARC-Date")
    return "".join(ch for ch in date if ch.isdigit())[:14]


def check_replay(wayback: Wayback, crawl: Crawl, items: list[dict], collection: str | None = None) -> None:
    if collection:
        wayback.collection = collection
    for item in items:
        stamp = timestamp_of(crawl, item)
        status, headers, body = wayback.get(item["fetched_url"], stamp)
        assert status == 200, item["fetched_url"]
        assert decoded(headers, body) == served(item["fetched_url"]), item["fetched_url"]
        status, _, rewritten = wayback.get(item["fetched_url"], stamp, mode="")
        assert status == 200, item["fetched_url"]
        assert b"<html" in rewritten.lower()


def test_pywb_replays_every_article_with_the_served_bytes(replica_crawl: Crawl, tmp_path: Path) -> None:
    pywb_bin()
    items = replica_crawl.items()
    assert items
    with Wayback(reset_dir(tmp_path / "pywb"), replica_crawl.warcs()) as wayback:
        check_replay(wayback, replica_crawl, items)


def test_pywb_reads_our_own_cdxj_index(replica_crawl: Crawl, tmp_path: Path) -> None:
    pywb_bin()
    workdir = reset_dir(tmp_path / "pywb")
    (manifest,) = replica_crawl.manifests()
    wayback = Wayback(workdir, [], collection="ours")
    wayback.manager("init", "ours")
    collection = workdir / "collections" / "ours"
    # Our WARCs and our own index, without pywb's indexer.
    for warc in replica_crawl.warcs():
        shutil.copy(warc, collection / "archive" / warc.name)
    shutil.copy(replica_crawl.archive / f"indexes/globalresearch/{manifest['crawl_id']}.cdxj",
                collection / "indexes" / "index.cdxj")
    with wayback:
        check_replay(wayback, replica_crawl, replica_crawl.items())


def test_second_crawl_writes_revisits_that_pywb_replays(replica_crawl: Crawl, replica_url: str,
                                                         tmp_path: Path) -> None:
    pywb_bin()
    archive = tmp_path / "archive"
    shutil.copytree(replica_crawl.archive, archive)
    # refresh_days=0: fetch every article again, even those the first crawl archived (incremental by default).
    second = run_crawl(archive, "-a", "refresh_days=0", base_url=replica_url)
    assert second.returncode == 0, second.log
    manifests = sorted(second.manifests(), key=lambda m: m["started_at"])
    assert len(manifests) == 2
    new_id = manifests[-1]["crawl_id"]
    assert manifests[-1]["counts"]["revisits"] > 0
    new_warcs = [p for p in second.warcs() if new_id in p.name]
    revisits = []
    for path in new_warcs:
        with path.open("rb") as handle:
            revisits += [r.rec_headers for r in ArchiveIterator(handle) if r.rec_type == "revisit"]
    assert revisits
    for headers in revisits:
        assert headers.get_header("WARC-Profile").endswith("identical-payload-digest")
        assert headers.get_header("WARC-Refers-To-Target-URI")
        assert headers.get_header("WARC-Refers-To-Date")
        assert headers.get_header("WARC-Refers-To")
    second_items = [i for i in second.items() if i["crawl_id"] == new_id]
    assert second_items
    # An unchanged page's item points at the record that holds its body (the first crawl's response) and at
    # this fetch's revisit record: seek both.
    warcs = {p.name: p for p in second.warcs()}
    unchanged = [i for i in second_items if i["warc_revisit"]]
    assert unchanged
    for item in unchanged:
        original = _record_at(warcs, item["warc"])
        assert original.rec_type == "response"
        assert item["warc"]["filename"] not in {p.name for p in new_warcs}  # an earlier crawl's file
        assert original.body  # the body is there
        revisit = _record_at(warcs, item["warc_revisit"])
        assert revisit.rec_type == "revisit"
        assert revisit.rec_headers.get_header("WARC-Refers-To") == item["warc"]["record_id"]
    assert all(i["warc_revisit"] is None for i in second_items if i not in unchanged)
    verify = subprocess.run([sys.executable, "-m", "scrapy", "verify", "--outlet", "globalresearch", "--no-progress",
                             "-s", f"ARCHIVE_URI={archive}"], cwd=ROOT, env=scrapy_env(), capture_output=True,
                            text=True, timeout=120, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr  # both pointers check out, across crawls
    with Wayback(reset_dir(tmp_path / "pywb"), second.warcs()) as wayback:
        check_replay(wayback, second, second_items)


def _record_at(warcs: dict[str, Path], ref: dict) -> Any:
    with warcs[ref["filename"]].open("rb") as handle:
        handle.seek(ref["offset"])
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
        record.body = record.content_stream().read()  # read while the file is open
        return record
