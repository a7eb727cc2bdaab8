"""The duplicate filter with its seen fingerprints on disk (crawler/dupefilters.py): Scrapy's answers, Scrapy's
requests.seen, and a memory that does not grow with the fingerprints."""

from __future__ import annotations

import hashlib
import logging
import tracemalloc
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from crawler.dupefilters import DiskDupeFilter
from crawler.utils.seen import SeenDigests
from tests.crawl_runner import project_crawler


def _digests(count: int, salt: str = "") -> list[bytes]:
    return [hashlib.sha1(f"{salt}{i}".encode()).digest() for i in range(count)]


def test_seen_digests_is_an_exact_set_whose_memory_does_not_grow_with_it(tmp_path: Path) -> None:
    seen = SeenDigests(tmp_path / "scratch")
    added = _digests(60_000)
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    assert all(seen.add(d) for d in added)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # A set of them holds ~6 MB (56-byte objects, a table of 262,144 slots); here the last few hundred at most.
    assert after - before < 200_000, after - before
    assert len(seen) == 60_000
    assert not any(seen.add(d) for d in added[::7])  # every one is found again, from the file or the set
    assert all(d in seen for d in added[-300:])  # not yet written: the set of pending ones answers
    assert not any(d in seen for d in _digests(20_000, "other"))  # never added: never "seen"
    assert seen.add(b"short key") and b"short key" in seen  # a fingerprinter's own length is kept whole
    assert seen.folder.parent == tmp_path / "scratch" and seen.folder.is_dir()
    seen.close()
    assert list((tmp_path / "scratch").iterdir()) == []  # the scratch file goes with the set


def _requests() -> list[Request]:
    return [Request("http://127.0.0.1:9/a/1?x=1&y=2"), Request("http://127.0.0.1:9/a/2"),
            Request("http://127.0.0.1:9/a/1?y=2&x=1"),  # the same request, canonically
            Request("http://127.0.0.1:9/a/2", method="POST", body=b"q"), Request("http://127.0.0.1:9/a/2"),
            Request("http://127.0.0.1:9/a/3#part"), Request("http://127.0.0.1:9/a/3")]


def test_the_project_filters_what_scrapy_filters_and_writes_scrapy_s_requests_seen(tmp_path: Path) -> None:
    crawler = project_crawler()
    assert load_object(crawler.settings["DUPEFILTER_CLASS"]) is DiskDupeFilter
    ours_dir, scrapys_dir = tmp_path / "ours", tmp_path / "scrapy"
    ours_dir.mkdir()
    scrapys_dir.mkdir()
    ours = build_from_crawler(DiskDupeFilter, project_crawler(JOBDIR=str(ours_dir)))
    scrapys = RFPDupeFilter(str(scrapys_dir), fingerprinter=crawler.request_fingerprinter)
    answers = [(ours.request_seen(r), scrapys.request_seen(r)) for r in _requests()]
    assert [o for o, _ in answers] == [s for _, s in answers] == [False, False, True, False, True, False, True]
    ours.close("finished")
    scrapys.close("finished")
    assert (ours_dir / "requests.seen").read_bytes() == (scrapys_dir / "requests.seen").read_bytes()


@pytest.mark.parametrize("first", [RFPDupeFilter, DiskDupeFilter])
def test_a_job_resumes_across_filters_and_a_cut_last_record_is_left_out(tmp_path: Path, first: type) -> None:
    """requests.seen written by either filter is read by the other at a resume (JOBDIR), as Scrapy reads its own:
    what was seen is filtered, what was not is fetched, and a record cut by an unclean shutdown is dropped."""
    crawler = project_crawler(JOBDIR=str(tmp_path))
    earlier = build_from_crawler(first, crawler)
    seen = [Request(f"http://127.0.0.1:9/a/{i}") for i in range(1, 1500)]
    assert not any(earlier.request_seen(r) for r in seen)
    earlier.close("shutdown")
    with (tmp_path / "requests.seen").open("ab") as file:
        file.write(b"\x00\x14" + b"cut")  # 20 bytes announced, 3 written
    resumed_class = DiskDupeFilter if first is RFPDupeFilter else RFPDupeFilter
    for resumed in (build_from_crawler(resumed_class, crawler), build_from_crawler(first, crawler)):
        assert all(resumed.request_seen(r) for r in seen)
        resumed.close("finished")
    resumed = build_from_crawler(DiskDupeFilter, crawler)
    assert not resumed.request_seen(Request("http://127.0.0.1:9/new"))
    assert resumed.request_seen(Request("http://127.0.0.1:9/new"))
    resumed.close("finished")


def test_filtered_requests_are_counted_and_logged_as_scrapy_does(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler(Spider, {"DUPEFILTER_DEBUG": True, "DUPEFILTER_CLASS": "crawler.dupefilters.DiskDupeFilter"})
    crawler.spider = Spider.from_crawler(crawler, name="s")
    dupefilter = build_from_crawler(DiskDupeFilter, crawler)
    request = Request("http://127.0.0.1:9/a/1")
    assert not dupefilter.request_seen(request)
    with caplog.at_level(logging.DEBUG):
        for _ in range(2):
            assert dupefilter.request_seen(request)
            dupefilter.log(request, crawler.spider)
    assert crawler.stats is not None and crawler.stats.get_value("dupefilter/filtered") == 2
    assert [r.getMessage() for r in caplog.records].count(
        "Filtered duplicate request: <GET http://127.0.0.1:9/a/1> (referer: None)") == 2
    dupefilter.close("finished")
