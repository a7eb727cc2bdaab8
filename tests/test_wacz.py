"""WACZ packages of crawls (`scrapy wacz`): each stands alone, unpacked into a fresh pywb collection, lists the
crawl's articles as its pages (always, a header alone included) and says in datapackage.json what it holds."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import zipfile
from email.utils import parsedate_to_datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.commands.wacz import CrawlRecords, crawl_pages, read_records
from crawler.items import ITEM_URI_PREFIX
from crawler.wacz_originals import Revisit, copy_originals, originals_name
from pipelines.archive.cdxj import CdxjEntry, cdxj_line, read_cdxj
from pipelines.storage import store_from_uri
from tests.crawl_runner import ROOT, Crawl, run_crawl, scrapy_env
from tests.pywb_replay import Wayback, pywb_bin, reset_dir, wacz_warcs

WACZ = Path(sys.executable).with_name("wacz")


def make_wacz(archive: Path, crawl_id: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "wacz", "--outlet", "globalresearch", "--crawl", crawl_id, "-o", str(out),
         "-s", f"ARCHIVE_URI={archive}"],
        cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, check=False)


def wacz_validates(out: Path) -> None:
    check = subprocess.run([str(WACZ), "validate", "-f", str(out)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def read_json_lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def stamp(date: str) -> str:
    return "".join(ch for ch in date if ch.isdigit())[:14]


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "")
    return gzip.decompress(body) if encoding == "gzip" else body


class Archived:
    """Every record of an archive's WARCs by id, read by scanning the files (not through any index)."""

    def __init__(self, archive: Path) -> None:
        self.where: dict[str, tuple[Path, int]] = {}
        for path in sorted(archive.glob("warc/**/*.warc.gz")):
            with path.open("rb") as handle:
                iterator = ArchiveIterator(handle)
                for record in iterator:
                    self.where[record.rec_headers.get_header("WARC-Record-ID")] = (path, iterator.get_record_offset())

    def payload(self, record_id: str) -> bytes:
        """The payload a record stands for, decoded as a browser gets it: a revisit's is its original's."""
        path, offset = self.where[record_id]
        with path.open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            if record.rec_type == "revisit":
                return self.payload(record.rec_headers.get_header("WARC-Refers-To"))
            return record.content_stream().read()


def collections_of(wacz: Path, workdir: Path) -> Wayback:
    """A fresh pywb with the package twice: its WARCs unpacked and indexed by pywb ("unpacked"), and the WACZ
    added whole with its own index (`wb-manager add --unpack-wacz`, "wacz")."""
    wayback = Wayback(workdir, [], collection="unpacked")
    wayback.manager("init", "unpacked")
    wayback.manager("add", "unpacked", *map(str, wacz_warcs(wacz, workdir / "unzipped")))
    wayback.manager("init", "wacz")
    wayback.manager("add", "--unpack-wacz", "wacz", str(wacz))
    return wayback


def memento_stamp(headers: dict[str, str]) -> str | None:
    """The capture pywb answered with: the one asked for, not its nearest other one (such as the original of a
    revisit it failed to resolve)."""
    memento = {k.lower(): v for k, v in headers.items()}.get("memento-datetime")
    return parsedate_to_datetime(memento).strftime("%Y%m%d%H%M%S") if memento else None


def replay_faults(wayback: Wayback, index: list[CdxjEntry], pages: list[dict[str, Any]],
                  archived: Archived) -> tuple[int, list[str]]:
    """Fetch every URL of the crawl's index (as archived: status, bytes) and every page (200, the archived
    bytes, and a rewritten page) through pywb; the number of fetches and what went wrong."""
    faults: list[str] = []
    fetches = 0
    for entry in index:
        status, headers, body = wayback.get_unfollowed(entry.url, stamp(entry.warc_date))
        fetches += 1
        when = memento_stamp(headers)
        if status != entry.status or when != stamp(entry.warc_date):
            faults.append(f"{wayback.collection}: {status} at {when} (archived {entry.status} at "
                          f"{stamp(entry.warc_date)}) {entry.url}")
        elif status == 200 and decoded(headers, body) != archived.payload(entry.record_id):
            faults.append(f"{wayback.collection}: other bytes than archived {entry.url}")
    for page in pages:
        status, headers, body = wayback.get(page["url"], stamp(page["ts"]))
        _, _, rewritten = wayback.get(page["url"], stamp(page["ts"]), mode="")
        fetches += 2
        if status != 200 or memento_stamp(headers) != stamp(page["ts"]):
            faults.append(f"{wayback.collection}: page {status} at {memento_stamp(headers)} {page['url']}")
        elif decoded(headers, body) != archived.payload(f"<urn:uuid:{page['id']}>"):
            faults.append(f"{wayback.collection}: page with other bytes than archived {page['url']}")
        elif b"<html" not in rewritten.lower():
            faults.append(f"{wayback.collection}: page not replayed as HTML {page['url']}")
    return fetches, faults


@pytest.fixture(scope="module")
def later_crawls(replica_crawl: Crawl, replica_url: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Crawl, list[str]]:
    """The first crawl, then one fetching every article again (revisits), then an incremental one that
    fetches no article (only revisits of robots.txt, the feed, the sitemaps, the listing), in one archive."""
    archive = tmp_path_factory.mktemp("wacz") / "archive"
    shutil.copytree(replica_crawl.archive, archive)
    second = run_crawl(archive, "-a", "refresh_days=0", base_url=replica_url)
    assert second.returncode == 0, second.log
    third = run_crawl(archive, base_url=replica_url)
    assert third.returncode == 0, third.log
    ids = [m["crawl_id"] for m in sorted(third.manifests(), key=lambda m: m["started_at"])]
    assert len(ids) == 3
    return third, ids


def check_stands_alone(crawl: Crawl, crawl_id: str, tmp_path: Path) -> tuple[list[dict[str, Any]], int]:
    """Package one crawl, check its package, replay it alone; its pages and the number of fetches."""
    out = tmp_path / f"{crawl_id}.wacz"
    done = make_wacz(crawl.archive, crawl_id, out)
    assert done.returncode == 0, done.stderr
    wacz_validates(out)
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "pages/pages.jsonl", f"archive/{originals_name(crawl_id)}"} <= names
        header, *pages = read_json_lines(wacz.read("pages/pages.jsonl"))
        package = json.loads(wacz.read("datapackage.json"))
        with wacz.open(f"archive/{originals_name(crawl_id)}") as handle:
            warcinfo = next(iter(ArchiveIterator(handle)))
            info = warcinfo.content_stream().read().decode()
    assert header["format"] == "json-pages-1.0"
    assert package["title"] == f"Global Research: crawl {crawl_id}"
    assert crawl_id in package["description"]
    assert "revisits" in package["description"]
    assert warcinfo.rec_type == "warcinfo"
    assert f"isPartOf: {crawl_id}" in info
    assert "copied-from: " in info
    index = list(read_cdxj((crawl.archive / f"indexes/globalresearch/{crawl_id}.cdxj").read_bytes()))
    assert any(e.record_type == "revisit" for e in index)
    archived = Archived(crawl.archive)
    fetches = 0
    with collections_of(out, reset_dir(tmp_path / "pywb")) as wayback:
        for collection in ("unpacked", "wacz"):
            wayback.collection = collection
            count, faults = replay_faults(wayback, index, pages, archived)
            fetches += count
            assert faults == []
    return pages, fetches


@pytest.mark.slow
def test_wacz_packages_the_crawl_with_its_articles_as_pages(replica_crawl: Crawl, tmp_path: Path) -> None:
    (manifest,) = replica_crawl.manifests()
    out = tmp_path / "crawl.wacz"
    done = make_wacz(replica_crawl.archive, manifest["crawl_id"], out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # py-wacz's chatter goes to the log
    wacz_validates(out)
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "indexes/index.cdx.gz", "pages/pages.jsonl"} <= names
        assert {f"archive/{p.name}" for p in replica_crawl.warcs()} <= names
        assert not any("originals-" in name for name in names)  # a first crawl's revisits have no earlier original
        pages = read_json_lines(wacz.read("pages/pages.jsonl"))[1:]
        package = json.loads(wacz.read("datapackage.json"))
    assert sorted(p["url"] for p in pages) == sorted(i["fetched_url"] for i in replica_crawl.items())
    assert all(p["title"] for p in pages)
    assert package["title"] == f"Global Research: crawl {manifest['crawl_id']}"
    assert f"{len(pages)} article page(s)" in package["description"]


@pytest.mark.slow
def test_later_crawls_wacz_replays_every_page_and_url_alone_in_a_fresh_pywb(
        later_crawls: tuple[Crawl, list[str]], tmp_path: Path) -> None:
    pywb_bin()
    crawl, (_, second_id, _) = later_crawls
    pages, fetches = check_stands_alone(crawl, second_id, tmp_path)
    second_items = [i for i in crawl.items() if i["crawl_id"] == second_id]
    assert any(i["warc_revisit"] for i in second_items)
    # Each page is this crawl's fetch of an article: its revisit record for an unchanged one.
    assert sorted((p["url"], f"<urn:uuid:{p['id']}>") for p in pages) == sorted(
        (i["fetched_url"], (i["warc_revisit"] or i["warc"])["record_id"]) for i in second_items)
    assert fetches > 2 * len(pages)


@pytest.mark.slow
def test_a_crawl_of_revisits_alone_keeps_its_pages_file_and_replays_alone(
        later_crawls: tuple[Crawl, list[str]], tmp_path: Path) -> None:
    pywb_bin()
    crawl, (_, _, third_id) = later_crawls
    pages, _ = check_stands_alone(crawl, third_id, tmp_path)
    assert pages == []  # it fetched no article: the pages file is its header alone


# A crawl's revisits against an archive made by hand: originals found by id or by URL and date, copied byte for
# byte; an article fetched again without an item of its own is a page, with the title an earlier crawl gave it.

ORIGIN = "https://www.globalresearch.ca"


def _write(path: Path, records: list[Any]) -> list[tuple[int, int]]:
    """Write records to a gzip WARC; each one's (offset, length)."""
    places = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        for record in records:
            start = handle.tell()
            writer.write_record(record)
            places.append((start, handle.tell() - start))
    return places


def _response(writer: WARCWriter, url: str, body: bytes, date: str) -> Any:
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                                     warc_headers_dict={"WARC-Date": date})


def test_originals_are_copied_whole_and_revisited_articles_are_pages(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    day = archive / "warc/globalresearch/2024/01/01"
    day.mkdir(parents=True)
    (archive / "indexes/globalresearch").mkdir(parents=True)
    writer = WARCWriter(BytesIO(), gzip=True, warc_version="1.1")
    article, feed = f"{ORIGIN}/an-article/5600001", f"{ORIGIN}/feed"
    first = [_response(writer, article, b"<html>the article</html>", "2024-01-01T00:00:01Z"),
             _response(writer, feed, b"<rss/>", "2024-01-01T00:00:02Z")]
    ids = [r.rec_headers.get_header("WARC-Record-ID") for r in first]
    item = json.dumps({"fetched_url": article, "title": "An Article", "warc": {"record_id": ids[0]}}).encode()
    meta = writer.create_warc_record(ITEM_URI_PREFIX + article, "metadata", payload=BytesIO(item),
                                     length=len(item), warc_content_type="application/json")
    earlier = day / "20240101T000000Z-aaaa-00000.warc.gz"
    places = _write(earlier, [*first, meta])
    (archive / "indexes/globalresearch/20240101T000000Z-aaaa.cdxj").write_text("".join(
        cdxj_line(CdxjEntry(url=r.rec_headers.get_header("WARC-Target-URI"),
                            warc_date=r.rec_headers.get_header("WARC-Date"), status=200, mime="text/html",
                            digest="sha1:X", length=length, offset=offset, filename=earlier.name, record_id=rid))
        for r, rid, (offset, length) in zip(first, ids, places[:2], strict=True)))

    revisits = []
    for url, refers_to, date in ((article, ids[0], "2024-01-01T00:00:01Z"), (feed, "", "2024-01-01T00:00:02Z"),
                                 (f"{ORIGIN}/gone", "<urn:uuid:nowhere>", "2023-01-01T00:00:00Z")):
        record = writer.create_revisit_record(url, "sha1:X", url, date, http_headers=StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2024-02-01T00:00:00Z"})
        if refers_to:
            record.rec_headers.add_header("WARC-Refers-To", refers_to)
        revisits.append(record)
    later = tmp_path / "20240201T000000Z-bbbb-00000.warc.gz"
    _write(later, revisits)

    records = read_records([later])
    store = store_from_uri(str(archive), None)
    dest = tmp_path / originals_name("20240201T000000Z-bbbb")
    originals = copy_originals(store, "globalresearch", records.revisits, held=records.held, dest=dest,
                               warcinfo={"isPartOf": "20240201T000000Z-bbbb"},
                               items_for=records.revisits_without_items())
    assert originals.path == dest
    assert originals.records == 2
    assert originals.sources == [earlier.name]
    assert [r.url for r in originals.missing] == [f"{ORIGIN}/gone"]
    data, copied = earlier.read_bytes(), dest.read_bytes()
    for offset, length in places[:2]:
        assert data[offset:offset + length] in copied  # whole gzip members, byte for byte
    with dest.open("rb") as handle:
        kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Record-ID")) for r in ArchiveIterator(handle)]
    assert kinds[0][0] == "warcinfo"
    assert kinds[1:] == [("response", ids[0]), ("response", ids[1])]
    pages = crawl_pages(records, originals.items)
    assert [(p["url"], p["title"], p["ts"]) for p in pages] == [(article, "An Article", "2024-02-01T00:00:00Z")]


def test_an_unchanged_article_is_a_page_at_its_revisit_with_its_own_item() -> None:
    earlier, revisit = "<urn:uuid:00000000-0000-0000-0000-00000000000a>", "<urn:uuid:00000000-0000-0000-0000-00000000000b>"
    url = f"{ORIGIN}/an-article/5600001"
    records = CrawlRecords(
        dates={revisit: "2024-02-01T00:00:00Z"},
        revisits=[Revisit(revisit, url, "2024-02-01T00:00:00Z", earlier, url, "2024-01-01T00:00:01Z")],
        items=[{"fetched_url": url, "title": "Today's Title", "warc": {"record_id": earlier},
                "warc_revisit": {"record_id": revisit}}])
    assert records.revisits_without_items() == set()  # no earlier item needed
    assert crawl_pages(records) == [{"id": "00000000-0000-0000-0000-00000000000b", "url": url,
                                     "ts": "2024-02-01T00:00:00Z", "title": "Today's Title"}]
