"""The WARC files of a replica crawl: integrity, fidelity to the wire, items linked to records."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import ROOT, Crawl, crawl_command, glob_now, run_crawl, scrapy_env
from tests.replica.server import RAW_UTF8_DISPOSITION

pytestmark = pytest.mark.slow

WARCIO = Path(sys.executable).with_name("warcio")


def records(path: Path) -> list[tuple[int, object]]:
    out = []
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            record.raw = record.content_stream().read() if record.rec_type != "warcinfo" else b""
            out.append((iterator.get_record_offset(), record))
    return out


def all_records(crawl: Crawl) -> list:
    found = []
    for path in crawl.warcs():
        found += [r for _, r in records(path)]
    return found


def by_uri(crawl: Crawl, needle: str, rec_type: str = "response") -> list:
    return [r for r in all_records(crawl)
            if r.rec_type == rec_type and needle in (r.rec_headers.get_header("WARC-Target-URI") or "")]


def test_warcio_check_passes_on_every_warc(replica_crawl: Crawl) -> None:
    assert replica_crawl.warcs()
    for path in replica_crawl.warcs():
        done = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_each_file_starts_with_warcinfo_without_secrets(replica_crawl: Crawl) -> None:
    for path in replica_crawl.warcs():
        with path.open("rb") as handle:
            first = next(iter(ArchiveIterator(handle)))
            assert first.rec_type == "warcinfo"
            text = first.content_stream().read().decode()
        assert "isPartOf: " in text
        assert "outlet: globalresearch" in text
        assert "robots: obey" in text
        assert "software: OutletArchive/" in text
        assert "SECRET" not in text.upper()


def test_one_gzip_member_per_record(replica_crawl: Crawl) -> None:
    path = replica_crawl.warcs()[0]
    offsets = [offset for offset, _ in records(path)]
    data = path.read_bytes()
    for start, end in zip(offsets, [*offsets[1:], len(data)], strict=True):
        assert data[start:start + 2] == b"\x1f\x8b"
        gzip.decompress(data[start:end])  # each member decompresses on its own


def test_gzip_page_is_stored_compressed_with_its_content_encoding(replica_crawl: Crawl) -> None:
    (record,) = by_uri(replica_crawl, "/who-owns-the-lake-the-quiet-sale-of-a-regions-water/5660101")
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    with Path(replica_crawl.warcs()[0]).open("rb") as handle:
        for raw in ArchiveIterator(handle, no_record_parse=False):
            if raw.rec_headers.get_header("WARC-Record-ID") == record.rec_headers.get_header("WARC-Record-ID"):
                assert raw.raw_stream.read(2) == b"\x1f\x8b"  # the payload as sent: still gzip
                break
        else:
            pytest.fail("record not found again")
    assert b"<html" in record.raw  # content_stream() decodes it for readers


def test_two_set_cookie_headers_are_both_kept(replica_crawl: Crawl) -> None:
    (record,) = by_uri(replica_crawl, "/letters-from-the-clinic-queue/5665880")
    cookies = [v for k, v in record.http_headers.headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2


def test_header_bytes_that_are_not_ascii_are_kept_as_sent(replica_crawl: Crawl) -> None:
    """warcio would percent-encode them (pipelines.warc.records.WireHeaders)."""
    for path in replica_crawl.warcs():
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle)
            for record in iterator:
                if record.rec_type == "response" and "/letters-from-the-clinic-queue/5665880" in \
                        record.rec_headers.get_header("WARC-Target-URI"):
                    offset = iterator.get_record_offset()
                    break
            else:
                continue
        member = gzip.decompress(path.read_bytes()[offset:])  # this record's member, and any after it
        head = member.split(b"\r\n\r\n", 2)[1]  # WARC headers, then the HTTP header block
        assert b"Content-Disposition: " + RAW_UTF8_DISPOSITION + b"\r\n" in head + b"\r\n"
        assert b"%C3" not in head
        break
    else:
        pytest.fail("record not found")
    check = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr  # the block digest covers the bytes as kept


def test_status_line_has_protocol_and_reason(replica_crawl: Crawl) -> None:
    (record,) = by_uri(replica_crawl, "/the-pier-that-was-never-built/5669999")
    assert record.http_headers.protocol == "HTTP/1.1"
    assert record.http_headers.statusline == "404 Not Found"


def test_a_redirect_chain_is_archived_hop_by_hop(replica_crawl: Crawl) -> None:
    (hop,) = by_uri(replica_crawl, "/harbour-cranes-price-of-bread/5665120")
    assert hop.http_headers.get_statuscode() == "301"
    assert hop.http_headers.get_header("Location") == "/harbour-cranes-and-the-price-of-bread/5665120"
    (final,) = by_uri(replica_crawl, "/harbour-cranes-and-the-price-of-bread/5665120")
    assert final.http_headers.get_statuscode() == "200"


def test_each_retried_attempt_is_archived(replica_crawl: Crawl) -> None:
    statuses = [r.http_headers.get_statuscode() for r in by_uri(replica_crawl, "/notes-from-a-closed-mill-town/5666002")]
    assert statuses == ["500", "200"]


def test_robots_feed_and_sitemaps_are_archived(replica_crawl: Crawl) -> None:
    for needle in ("/robots.txt", "/feed", "/sitemap.xml", "/sitemap-posts-1.xml", "/latest-news-and-top-stories/"):
        assert by_uri(replica_crawl, needle), needle


def test_chunked_body_is_not_written_with_a_chunked_header(replica_crawl: Crawl) -> None:
    (record,) = by_uri(replica_crawl, "/fishing-fleets-and-the-new-enclosures/5661234")
    assert record.http_headers.get_header("Transfer-Encoding") is None
    assert record.rec_headers.get_header("WARC-Scrapy-Transfer-Decoded")
    assert b"Fishing" in record.raw or b"fishing" in record.raw


def test_request_records_pair_with_responses(replica_crawl: Crawl) -> None:
    recs = all_records(replica_crawl)
    responses = {r.rec_headers.get_header("WARC-Record-ID"): r for r in recs if r.rec_type in ("response", "revisit")}
    requests = [r for r in recs if r.rec_type == "request"]
    assert len(requests) == len(responses)
    for request in requests:
        response = responses[request.rec_headers.get_header("WARC-Concurrent-To")]
        assert request.rec_headers.get_header("WARC-Date") == response.rec_headers.get_header("WARC-Date")
        assert request.rec_headers.get_header("WARC-Target-URI") == response.rec_headers.get_header("WARC-Target-URI")
    for response in responses.values():
        assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert response.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
        assert response.rec_headers.get_header("WARC-Block-Digest").startswith("sha1:")


def test_item_points_at_its_response_record(replica_crawl: Crawl) -> None:
    warcs = {p.name: p for p in replica_crawl.warcs()}
    for item in replica_crawl.items():
        ref = item["warc"]
        with warcs[ref["filename"]].open("rb") as handle:
            handle.seek(ref["offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == item["fetched_url"]
            assert record.rec_headers.get_header("WARC-Payload-Digest") == ref["payload_digest"]
            assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
        raw = warcs[ref["filename"]].read_bytes()[ref["offset"]:ref["offset"] + ref["length"]]
        assert gzip.decompress(raw).startswith(b"WARC/1.1\r\n")


def test_a_metadata_record_holds_each_item(replica_crawl: Crawl) -> None:
    metadata = {r.rec_headers.get_header("WARC-Concurrent-To"): r for r in all_records(replica_crawl)
                if r.rec_type == "metadata"}
    for item in replica_crawl.items():
        record = metadata[item["warc"]["record_id"]]
        assert record.rec_headers.get_header("Content-Type") == "application/json"
        assert json.loads(record.raw) == item


def test_request_record_keeps_the_query_string_and_redacts_authorization(replica_url: str, tmp_path: Path) -> None:
    url = f"{replica_url}/the-arithmetic-of-austerity/5664411?ref=feed&x=1"
    crawl = run_crawl(tmp_path, "-a", f"urls={url}", base_url=replica_url,
                      settings={"DEFAULT_REQUEST_HEADERS": json.dumps({"Authorization": "Bearer TOPSECRET"})})
    assert crawl.returncode == 0, crawl.log
    (request,) = by_uri(crawl, "5664411?ref=feed&x=1", rec_type="request")
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/the-arithmetic-of-austerity/5664411?ref=feed&x=1 HTTP/1.1"
    assert request.http_headers.get_header("Authorization") == "[redacted]"
    for path in crawl.warcs():
        assert b"TOPSECRET" not in gzip.decompress(path.read_bytes())


def test_reextract_gives_the_crawl_items_again(replica_crawl: Crawl) -> None:
    done = subprocess.run([sys.executable, "-m", "scrapy", "reextract", *map(str, replica_crawl.warcs())],
                          cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, check=True)
    again = {json.loads(line)["url"]: json.loads(line) for line in done.stdout.splitlines()}
    for item in replica_crawl.items():
        other = again.pop(item["url"])
        for key in item:
            if key not in ("fetched_at", "crawl_id"):
                assert other[key] == item[key], key
    assert not again


def test_cdxj_index_lists_every_response(replica_crawl: Crawl) -> None:
    """Every response and revisit record (requisites sharing a payload are revisits within one crawl)."""
    (manifest,) = replica_crawl.manifests()
    lines = (replica_crawl.archive / f"indexes/globalresearch/{manifest['crawl_id']}.cdxj").read_text().splitlines()
    assert lines == sorted(lines)
    captures = [r for r in all_records(replica_crawl) if r.rec_type in ("response", "revisit")]
    assert len(lines) == len(captures)
    surt, stamp, block = lines[0].split(" ", 2)
    assert surt.startswith("1,0,0,127:")
    assert len(stamp) == 14
    assert {"url", "digest", "offset", "length", "filename", "status", "mime"} <= set(json.loads(block))


def test_hard_kill_leaves_only_whole_records(replica_url: str, tmp_path: Path) -> None:
    cmd = crawl_command(base_url=replica_url, archive=tmp_path, settings={"DOWNLOAD_DELAY": "0.3"})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        open_files: list[Path] = []
        while time.monotonic() < deadline:
            open_files = glob_now(tmp_path, ".spool/warc/**/*.warc.gz.open")
            if open_files and open_files[0].stat().st_size > 20_000:
                break
            time.sleep(0.1)
        assert open_files, "the crawl never opened a WARC"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    (left,) = open_files
    passed: list[bool] = []
    with left.open("rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=True)
        try:
            for record in iterator:
                record.content_stream().read()
                iterator.read_to_end(record)
                passed.append(record.digest_checker.passed is not False)
        except Exception:
            passed.append(False)
    # Every record but the one the kill cut reads back whole, its digests checked.
    assert len(passed) >= 3
    assert all(passed[:-1])
