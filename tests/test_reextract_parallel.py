"""`scrapy reextract -o DIR` over many WARCs, in a process pool and on a Dask cluster, gives the serial run's items.

The WARCs come from two real crawls of the replica, their files rolled small (WARC_MAX_SIZE) so that there are
many, and the second crawl's unchanged pages are revisits of records in the first crawl's files: a task must
get, from the scan round, the originals its revisits refer to in other files. The archive's furniture is
removed by every worker as by the serial run.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from pipelines.archive.furniture import Furniture, furniture_key, normalize_paragraph
from tests.crawl_runner import ROOT, Crawl, run_crawl, scrapy_env

pytestmark = pytest.mark.slow

SMALL_WARCS = {"WARC_MAX_SIZE": "40000"}


def reextract(crawl: Crawl, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "reextract", "-s", f"ARCHIVE_URI={crawl.archive}",
                           *map(str, args)], cwd=ROOT, env=scrapy_env(), capture_output=True, text=True,
                          timeout=180, check=False)


def lines_of(folder: Path, warcs: list[Path]) -> list[str]:
    """The JSON Lines of every WARC's output file, in the order of the WARCs."""
    found = []
    for warc in warcs:
        found += (folder / warc.name.replace(".warc.gz", ".jsonl")).read_text(encoding="utf-8").splitlines()
    return found


def errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if " ERROR: " in line]


@pytest.fixture(scope="module")
def two_crawls(replica_url: str, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    archive = tmp_path_factory.mktemp("archive")
    first = run_crawl(archive, base_url=replica_url, settings=SMALL_WARCS)
    assert first.returncode == 0, first.log
    again = run_crawl(archive, "-a", "refresh_days=0", base_url=replica_url, settings=SMALL_WARCS)
    assert again.returncode == 0, again.log
    assert len(again.warcs()) >= 8
    # The archive's furniture, newest state: one paragraph of the first article, as if printed under every one.
    paragraph = furniture_paragraph(again)
    state = Furniture(articles=24, counts=Counter({normalize_paragraph(paragraph): 24}))
    (archive / furniture_key("globalresearch", "99999999T999999Z-test")).write_text(state.to_json())
    return again


def furniture_paragraph(crawl: Crawl) -> str:
    return next(p for p in crawl.items()[0]["body"].split("\n\n") if len(p) > 40)


@pytest.fixture(scope="module")
def serial(two_crawls: Crawl) -> list[str]:
    done = reextract(two_crawls, *two_crawls.warcs())
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_serial_pool_and_dask_give_the_same_items(two_crawls: Crawl, serial: list[str], dask_scheduler: str,
                                                  tmp_path: Path) -> None:
    warcs = two_crawls.warcs()
    items = [json.loads(line) for line in serial]
    # What the crawls gave, every article of both crawls, and revisits whose body is in another file.
    assert sorted(i["url"] for i in items) == sorted(i["url"] for i in two_crawls.items())
    crossing = [i for i in items if i["warc_revisit"] and i["warc_revisit"]["filename"] != i["warc"]["filename"]]
    assert len(crossing) == len(items) // 2
    furniture = furniture_paragraph(two_crawls)
    assert sum(furniture in (i["body"] or "") for i in two_crawls.items()) >= 2  # the article, in both crawls
    assert not any(furniture in (i["body"] or "") for i in items)
    for mode in (["--workers", "1"], ["--workers", "2"], ["--dask", dask_scheduler]):
        out = tmp_path / f"{mode[0].strip('-')}-{mode[1][-1]}"
        done = reextract(two_crawls, "-o", out, *mode, *warcs)
        assert done.returncode == 0, (mode, done.stderr)
        assert lines_of(out, warcs) == serial, mode  # same items, same order in each file, files in WARC order
        assert sorted(p.name for p in out.iterdir()) == sorted(w.name.replace(".warc.gz", ".jsonl") for w in warcs)
        assert f"reextract: {len(items)} items from {len(warcs)} file(s) into" in done.stderr
    # A revisit's original not among the files given: the task's warning reaches the command's log.
    later = [w for w in warcs if w.name.startswith(crossing[0]["crawl_id"])]
    done = reextract(two_crawls, "-o", tmp_path / "later", "--workers", "2", *later)
    assert done.returncode == 0, done.stderr
    assert "revisit of a record not among the files given, skipped: " in done.stderr


def own_lines(serial: list[str], warc: Path) -> list[str]:
    """The serial run's lines of the pages fetched into this file (not the later crawl's revisits of them)."""
    return [line for line in serial
            if json.loads(line)["warc"]["filename"] == warc.name and not json.loads(line)["warc_revisit"]]


def test_a_bad_warc_fails_alone(two_crawls: Crawl, serial: list[str], tmp_path: Path) -> None:
    good = [w for w in two_crawls.warcs() if own_lines(serial, w)][:3]
    notes = tmp_path / "notes.warc.gz"
    notes.write_text("not a WARC\n")
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good[0].read_bytes()[:-100])  # its last record cut
    # Whole WARC records, then a gzip member that is no record: the items written before it must not stay.
    tail = tmp_path / "tail.warc.gz"
    tail.write_bytes(good[1].read_bytes() + gzip.compress(b"this is no WARC record\r\n\r\n"))
    out = tmp_path / "out"
    done = reextract(two_crawls, "-o", out, "--workers", "2", notes, *good, cut, tail)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = sorted(line.split(" ERROR: ", 1)[1] for line in errors(done))
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith(f"{cut} is cut short: whole up to byte ")
    assert lines[1:] == [f"not a WARC file: {notes}", f"not a WARC file: {tail}"]
    # The good files' outputs are written whole; the cut file keeps the items of what is whole; nothing else.
    for warc in good:
        assert lines_of(out, [warc]) == own_lines(serial, warc)
    assert sorted(p.name for p in out.iterdir()) == sorted(["cut.jsonl",
                                                            *(w.name.replace(".warc.gz", ".jsonl") for w in good)])
    whole = int(lines[0].split("whole up to byte ")[1].split()[0])
    expected = [json.loads(line)["warc"] for line in own_lines(serial, good[0])]
    kept = [json.loads(line)["warc"] for line in lines_of(out, [cut])]
    assert kept == [{**ref, "filename": "cut.warc.gz"} for ref in expected if ref["offset"] + ref["length"] <= whole]
    assert kept


def test_parallel_needs_an_output_folder(two_crawls: Crawl) -> None:
    done = reextract(two_crawls, "--workers", "2", *two_crawls.warcs()[:2])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: --workers and --dask write one file per WARC: give -o DIR"
    assert not done.stdout
