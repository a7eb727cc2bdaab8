"""Incremental crawls: articles archived by earlier crawls (per their indexes in the archive) are skipped."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from crawler.crawl import CrawlIdentity
from crawler.extensions.crawl import CrawlExtension
from pipelines.archive.cdxj import CdxjEntry, cdxj_line
from pipelines.archive.earlier import EarlierCrawls, article_key
from pipelines.archive.extension import ArchiveExtension
from pipelines.storage.base import StoreError
from pipelines.storage.file import FileStore
from pipelines.storage.spool import Publisher
from tests.crawl_runner import run_crawl
from tests.replica.server import ReplicaServer


def _entry(url: str, when: str, status: int = 200, record_type: str = "response") -> CdxjEntry:
    return CdxjEntry(url=url, warc_date=when, status=status, mime="text/html", digest="sha1:AAAA", length=10,
                     offset=0, filename="x.warc.gz", record_id="<urn:uuid:1>", record_type=record_type)


def _index(root: Path, outlet: str, crawl: str, *entries: CdxjEntry) -> None:
    path = root / "indexes" / outlet / f"{crawl}.cdxj"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(cdxj_line(e) for e in entries), encoding="utf-8")


def test_state_keeps_the_newest_capture_of_each_path_and_ignores_errors(tmp_path: Path) -> None:
    _index(tmp_path, "gr", "c1",
           _entry("http://127.0.0.1:8001/a/123456", "2026-01-01T00:00:00Z"),
           _entry("http://127.0.0.1:8001/gone/654321", "2026-01-01T00:00:00Z", status=404),
           _entry("http://127.0.0.1:8001/broken/111111", "2026-01-01T00:00:00Z", status=500))
    _index(tmp_path, "gr", "c2",
           _entry("http://127.0.0.1:9002/a/123456/", "2026-03-01T00:00:00.5Z", record_type="revisit"),
           _entry("http://127.0.0.1:9002/moved/222222", "2026-03-01T00:00:00Z", status=301))
    _index(tmp_path, "other", "c3", _entry("https://x.example/b/999999", "2026-03-01T00:00:00Z"))
    state = EarlierCrawls.read(FileStore(tmp_path), "gr", payloads=False)
    assert state.crawls == 2
    # keyed by path: a replica on another port, or the outlet's own origin, is the same article
    assert state.archived_since("https://www.globalresearch.ca/a/123456", None)
    assert state.captured[article_key("/a/123456")] == datetime(2026, 3, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert state.archived_since("https://www.globalresearch.ca/moved/222222", None)
    assert not state.archived_since("https://www.globalresearch.ca/gone/654321", None)
    assert not state.archived_since("https://www.globalresearch.ca/broken/111111", None)
    assert not state.archived_since("https://x.example/b/999999", None)  # another outlet's index
    assert state.archived_since("https://www.globalresearch.ca/a/123456", datetime(2026, 2, 1, tzinfo=UTC))
    assert not state.archived_since("https://www.globalresearch.ca/a/123456", datetime(2026, 4, 1, tzinfo=UTC))


def test_unreadable_state_means_fetch_everything(tmp_path: Path) -> None:
    from crawler.spiders.outlet_spider import OutletSpider

    (tmp_path / "indexes").write_text("not a folder")
    archive = _archive(tmp_path)
    spider = SimpleNamespace(crawler=SimpleNamespace(get_extension=lambda cls: archive), name="gr")
    state = OutletSpider._earlier_crawls(spider)  # type: ignore[arg-type]
    assert len(state.captured) == 0


def test_query_is_part_of_the_key() -> None:
    assert article_key("http://h/a/1?p=2") != article_key("http://h/a/1")
    assert article_key("http://h/a/1/") == article_key("https://other/a/1")


@pytest.mark.slow
def test_second_crawl_archives_only_new_articles_and_refresh_days_fetches_again(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with ReplicaServer() as url:
        first = run_crawl(archive, base_url=url)
        assert first.returncode == 0, first.log
        first_urls = {i["url"] for i in first.items()}
        assert first_urls

        request = urllib.request.Request(url + "/__replica__/publish-later", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        second = run_crawl(archive, base_url=url)
        assert second.returncode == 0, second.log
        manifests = sorted(second.manifests(), key=lambda m: m["started_at"])
        new = manifests[-1]
        new_items = [i for i in second.items() if i["crawl_id"] == new["crawl_id"]]
        assert len(new_items) == 2, [i["url"] for i in new_items]
        assert not {i["url"] for i in new_items} & first_urls
        assert new["counts"]["articles"] == 2
        assert new["counts"]["skipped_archived"] >= len(first_urls)
        # feeds, sitemaps and listings are fetched every time
        index = (archive / f"indexes/globalresearch/{new['crawl_id']}.cdxj").read_text()
        for path in ("/feed", "/sitemap.xml", "/latest-news-and-top-stories/"):
            assert f'{path}"' in index, path

        third = run_crawl(archive, "-a", "refresh_days=0", base_url=url)
        assert third.returncode == 0, third.log
        last = sorted(third.manifests(), key=lambda m: m["started_at"])[-1]
        assert last["counts"]["articles"] == len(first_urls) + 2


def test_refresh_days_only_refetches_older_captures(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    old = (now - timedelta(days=10)).isoformat().replace("+00:00", "Z")
    fresh = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    _index(tmp_path, "gr", "c1", _entry("http://h/old/1", old), _entry("http://h/fresh/2", fresh))
    state = EarlierCrawls.read(FileStore(tmp_path), "gr", payloads=False)
    cutoff = now - timedelta(days=7)
    assert not state.archived_since("http://h/old/1", cutoff)
    assert state.archived_since("http://h/fresh/2", cutoff)


def _archive(root: Path, **settings: object) -> ArchiveExtension:
    identity = CrawlIdentity(outlet="gr", outlet_origin="https://gr.example", domains=("gr.example",),
                             crawl_id="c9", fetch_origin="https://gr.example")
    extensions = {CrawlExtension: CrawlExtension(identity)}
    crawler = SimpleNamespace(settings=Settings({"WARC_ENABLED": True, "WARC_REVISITS": True, **settings}),
                              get_extension=extensions.get)
    store = FileStore(root)
    return ArchiveExtension(crawler, store, Publisher(store, root / ".spool"))


def test_the_indexes_are_read_once_for_the_spider_and_the_warc_writer(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _index(tmp_path, "gr", "c1", _entry("http://127.0.0.1:8001/a/123456", "2026-01-01T00:00:00Z"))
    reads = []
    real = EarlierCrawls.read.__func__  # type: ignore[attr-defined]

    def counted(cls: type[EarlierCrawls], *args: object, **kwargs: object) -> EarlierCrawls:
        reads.append(args)
        time.sleep(0.05)  # a slow store: both askers arrive while the read is under way
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(EarlierCrawls, "read", classmethod(counted))
    archive = _archive(tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:  # the spider's start and the WARC writer's thread
        spider_side, writer_side = pool.map(lambda _: archive.earlier_crawls(), range(2))
    assert len(reads) == 1
    assert spider_side is writer_side
    assert spider_side.crawls == 1 and "sha1:AAAA" in spider_side.payloads
    assert article_key("/a/123456") in spider_side.captured


def test_the_earlier_crawls_tables_are_scratch_files_under_the_crawls_spill_folder(tmp_path: Path) -> None:
    # What earlier crawls archived grows with the archive's history: its tables go where the crawl's other scratch
    # files go (SCHEDULER_SPILL_DIR, a roomy disk), not the system's temporary folder, and leave with the crawl.
    _index(tmp_path, "gr", "c1", _entry("http://127.0.0.1:8001/a/123456", "2026-01-01T00:00:00Z"))
    spill = tmp_path / "spill"
    earlier = _archive(tmp_path, SCHEDULER_SPILL_DIR=str(spill)).earlier_crawls()
    assert article_key("/a/123456") in earlier.captured and "sha1:AAAA" in earlier.payloads
    assert sorted(p.name.rsplit("-", 1)[0] for p in spill.iterdir()) == ["outlet-archive-dates", "outlet-archive-payloads"]
    earlier.captured.close()
    earlier.payloads.close()
    assert list(spill.iterdir()) == []


def test_an_unreadable_archive_fails_both_askers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(self: FileStore, prefix: str) -> Iterator[str]:
        raise StoreError("cannot list s3://b/p: cannot reach http://127.0.0.1:9 (EndpointConnectionError)")

    monkeypatch.setattr(FileStore, "keys", down)
    archive = _archive(tmp_path)
    for _ in range(2):  # each asker logs its own consequence (no skips; no revisits)
        with pytest.raises(StoreError, match="cannot list"):
            archive.earlier_crawls()


@pytest.mark.slow
def test_an_old_url_that_redirects_to_an_archived_article_archives_no_second_item(tmp_path: Path) -> None:
    """Found by the second crawl only under its old URL (a 301 to the new one): the hop is archived, no item."""
    archive = tmp_path / "archive"
    new_path = "/harbour-cranes-and-the-price-of-bread/5665120"
    with ReplicaServer() as url:
        first = run_crawl(archive, "-a", f"urls={url}{new_path}", base_url=url)
        assert first.returncode == 0, first.log
        second = run_crawl(archive, base_url=url)
        assert second.returncode == 0, second.log
    index = "".join(p.read_text() for p in archive.glob("indexes/**/*.cdxj"))
    assert '/harbour-cranes-price-of-bread/5665120"' in index  # the old URL's 301, archived by the second crawl
    assert [item["url"] for item in first.items() if new_path in item["url"]] != []
    assert len([item for item in second.items() if new_path in item["url"]]) == 1
