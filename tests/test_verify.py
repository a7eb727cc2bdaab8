"""`scrapy verify`: a clean archive passes; a flipped byte, a cut items batch, a deleted WARC and a moved index
offset are each named by file and offset or line. Crawls run for real against the replica; the damage is
done to copies of their archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.archive.verify.members import gzip_members, scan_warc
from pipelines.storage.s3 import S3Store
from tests.crawl_runner import ROOT, Crawl, run_crawl, scrapy_env
from tests.s3_server import BUCKET, MotoS3

OUTLET = "globalresearch"


def verify(archive: Path | str, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "verify", "--outlet", OUTLET, *args, "-s", f"ARCHIVE_URI={archive}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=120, check=False)


def key_of(archive: Path, path: Path) -> str:
    return path.relative_to(archive).as_posix()


def member_offsets(data: bytes) -> list[int]:
    """Where each gzip member of a file starts, read with zlib alone (not with the code under test)."""
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        inflater.decompress(data[pos:])
        pos = len(data) - len(inflater.unused_data)
    return offsets


# The gzip-member checker and the record pass, on hand-made files.

def test_gzip_members_names_the_damaged_member_and_reads_on() -> None:
    members = [gzip.compress(f"member {n} ".encode() * 500) for n in range(3)]
    damaged = bytearray(b"".join(members))
    damaged[len(members[0]) + len(members[1]) // 2] ^= 0x01  # inside the second member's deflate data
    pieces = list(gzip_members(bytes(damaged)))
    assert [(p.offset, p.error is None) for p in pieces] == [
        (0, True), (len(members[0]), False), (len(members[0]) + len(members[1]), True)]
    assert pieces[1].length == len(members[1])
    assert pieces[2].data == b"member 2 " * 500

    cut = list(gzip_members(b"".join(members)[:-5]))  # the last trailer half gone
    assert [p.error is None for p in cut] == [True, True, False]
    assert "cut short" in (cut[2].error or "")


def _warc(bodies: list[bytes]) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    for n, body in enumerate(bodies):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"http://example.org/{n}", "response",
                                                      payload=io.BytesIO(body), length=len(body), http_headers=http))
    return out.getvalue()


def test_scan_warc_checks_block_and_payload_digests_of_each_record(tmp_path: Path) -> None:
    data = _warc([b"<p>first</p>", b"<p>second</p>", b"<p>third</p>"])
    path = tmp_path / "a.warc.gz"
    path.write_bytes(data)
    clean = scan_warc(path, "a.warc.gz")
    assert clean.faults == []
    assert sorted(clean.records) == member_offsets(data)
    assert {r.record_type for r in clean.records.values()} == {"response"}

    # A changed body in a whole gzip member: only the digests can tell.
    start, end = member_offsets(data)[1:3]
    record = gzip.decompress(data[start:end]).replace(b"second", b"sec0nd")
    path.write_bytes(data[:start] + gzip.compress(record) + data[end:])
    faults = scan_warc(path, "a.warc.gz").faults
    assert {f.where for f in faults} == {f"offset {start}"}
    assert any("WARC-Block-Digest" in f.problem for f in faults)
    assert any("WARC-Payload-Digest" in f.problem for f in faults)


# Bad usage: one line, exit status 2.

@pytest.mark.parametrize(("args", "archive", "message"), [
    (("--outlet", "nosuch"), "{tmp}", "unknown outlet 'nosuch'"),
    ((), "{tmp}/missing", "no archive folder"),
    ((), "gs://bucket/prefix", "unsupported scheme 'gs'"),
])
def test_bad_usage_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], archive: str, message: str) -> None:
    cmd = [sys.executable, "-m", "scrapy", "verify", *args, "-s", f"ARCHIVE_URI={archive.format(tmp=tmp_path)}"]
    done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [done.stderr.strip()]


# Real crawls.

@pytest.fixture(scope="module")
def archive(replica_url: str, replica_crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's crawl of the replica (its first, whose state the other tests expect), and a second crawl
    into the same archive, whose revisits refer to the first's captures."""
    path = tmp_path_factory.mktemp("verify") / "archive"
    shutil.copytree(replica_crawl.archive, path)
    second = run_crawl(path, base_url=replica_url)
    assert second.returncode == 0, second.log
    assert len(list(path.glob("crawls/*/*.json"))) == 2
    return path


@pytest.fixture
def case(archive: Path, tmp_path: Path) -> Path:
    """A copy of the crawled archive, to damage."""
    return Path(shutil.copytree(archive, tmp_path / "archive"))


def first_crawl_files(case: Path) -> tuple[Path, Path, Path]:
    """The first crawl's WARC, items batch and index (the second crawl archived no new article)."""
    items = sorted(case.glob("items/**/*.jsonl.gz"))[0]
    crawl_id = items.name.rsplit("-", 1)[0]
    warc = next(p for p in case.glob("warc/**/*.warc.gz") if p.name.startswith(crawl_id + "-"))
    return warc, items, case / "indexes" / OUTLET / f"{crawl_id}.cdxj"


@pytest.mark.slow
def test_a_clean_archive_passes(case: Path) -> None:
    done = verify(case)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("verified 2 crawl(s): 2 WARCs") and summary.endswith("; 0 fault(s)"), done.stdout
    assert "warc/revisit" in "".join(p.read_text() for p in case.glob("indexes/**/*.cdxj"))  # revisits checked too
    one = verify(case, "--crawl", first_crawl_files(case)[2].stem)
    assert one.returncode == 0 and "verified 1 crawl(s)" in one.stdout, one.stdout + one.stderr


@pytest.mark.slow
def test_a_flipped_byte_names_the_warc_and_the_member(case: Path) -> None:
    warc = first_crawl_files(case)[0]
    data = bytearray(warc.read_bytes())
    offsets = [*member_offsets(bytes(data)), len(data)]
    index = max(i for i, o in enumerate(offsets[:-1]) if o <= len(data) // 2)
    start, end = offsets[index], offsets[index + 1]
    data[(start + end) // 2] ^= 0x20  # the middle of the member holding the middle of the file: past its header
    warc.write_bytes(bytes(data))
    done = verify(case)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{key_of(case, warc)} offset {start}: corrupt gzip member" in done.stdout, done.stdout


@pytest.mark.slow
def test_a_truncated_items_batch_is_named(case: Path) -> None:
    items = first_crawl_files(case)[1]
    data = items.read_bytes()
    items.write_bytes(data[:len(data) // 2])
    done = verify(case)
    assert done.returncode == 1, done.stdout + done.stderr
    key = key_of(case, items)
    assert f"{key} offset 0: gzip member cut short" in done.stdout, done.stdout
    assert f"{key}: {len(data) // 2} bytes, the manifest says {len(data)}" in done.stdout


@pytest.mark.slow
def test_a_deleted_warc_is_named_by_the_manifest_and_the_item_pointers(case: Path) -> None:
    warc, items, _ = first_crawl_files(case)
    warc.unlink()
    done = verify(case)
    assert done.returncode == 1, done.stdout + done.stderr
    key = key_of(case, warc)
    assert f"{key}: listed in the manifest, not in the archive" in done.stdout, done.stdout
    with gzip.open(items, "rt", encoding="utf-8") as handle:
        count = sum(1 for _ in handle)
    pointers = [line for line in done.stdout.splitlines() if line.startswith(key_of(case, items) + " line ")]
    assert len(pointers) == count
    assert all(f"points at {key}, which is not in the archive" in line for line in pointers)


@pytest.mark.slow
def test_a_changed_index_offset_is_named(case: Path) -> None:
    index = first_crawl_files(case)[2]
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    surt, stamp, fields = lines[2].split(" ", 2)
    entry = json.loads(fields)
    entry["offset"] = str(int(entry["offset"]) + 1)
    lines[2] = f"{surt} {stamp} {json.dumps(entry)}\n"
    index.write_text("".join(lines), encoding="utf-8")
    done = verify(case)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{key_of(case, index)} line 3: no record starts at offset {entry['offset']}" in done.stdout, done.stdout


@pytest.mark.slow
def test_an_s3_archive_is_verified_through_downloads(case: Path, moto_s3: MotoS3) -> None:
    settings = {k: str(v) for k, v in moto_s3.settings().items()}
    store = S3Store.from_uri(f"s3://{BUCKET}/news", settings)
    for path in sorted(p for p in case.rglob("*") if p.is_file() and not key_of(case, p).startswith(".")):
        store.put(path, key_of(case, path), size=path.stat().st_size,
                  sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    done = verify(f"s3://{BUCKET}/news", settings=settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 WARCs" in done.stdout and done.stdout.strip().endswith("; 0 fault(s)"), done.stdout
