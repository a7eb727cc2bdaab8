"""Replay checked in a real browser: the replica's crawl served by pywb, every article opened in headless chromium.

The browser is Debian's chromium (`make test` installs it), driven by Playwright through its executable path:
no browser is downloaded. The screenshots stay in pytest's temporary folder (its path is printed: run with -s).

The crawl replayed is of a replica whose pages link to the replica itself (`link_origin="self"`): a mirror crawl
archives what it fetched under the mirror's URLs, so pages that name the outlet's own URLs would ask pywb for
captures that do not exist under those names. On the real web the two are the same.
"""

from __future__ import annotations

import base64
import html
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.outlets import load_outlets
from crawler.qa.archive import load_crawl
from crawler.qa.browser import (
    DEFAULT_BROWSER,
    Page,
    PageResult,
    RequestRecord,
    Style,
    parse_replay_url,
    replay_pages,
)
from crawler.qa.pywb import Pywb
from crawler.qa.report import OutletHosts, outlet_failures, render_report, summarize
from pipelines.storage import store_from_uri
from tests.crawl_runner import ROOT, Crawl, project_crawler, run_crawl, scrapy_env
from tests.pywb_replay import pywb_bin
from tests.replica.server import ReplicaServer

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


def chromium() -> str:
    if not os.access(DEFAULT_BROWSER, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"no browser at {DEFAULT_BROWSER}: `make test` installs Debian's chromium")
        pytest.skip(f"no browser at {DEFAULT_BROWSER}: apt-get install chromium")
    return DEFAULT_BROWSER


def squeeze(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split()).casefold()


@dataclass
class Replayed:
    crawl_id: str
    results: list[PageResult]
    hosts: OutletHosts
    screenshots: Path


@pytest.fixture(scope="module")
def self_linked_crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """A crawl of a replica whose pages link to the replica: what is archived is what the pages name."""
    with ReplicaServer(link_origin="self") as url:
        crawl = run_crawl(tmp_path_factory.mktemp("self-linked"), base_url=url)
    assert crawl.returncode == 0, crawl.log
    return crawl


@pytest.fixture(scope="module")
def replayed(self_linked_crawl: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """Every article of the crawl, replayed by pywb and opened in chromium (once for this module)."""
    replica_crawl = self_linked_crawl
    executable = chromium()
    tools = pywb_bin()
    (manifest,) = replica_crawl.manifests()
    crawl_id = manifest["crawl_id"]
    work = tmp_path_factory.mktemp("browser-replay")
    screenshots = tmp_path_factory.mktemp("replay-screenshots")
    crawl = load_crawl(store_from_uri(str(replica_crawl.archive), None), "globalresearch", crawl_id, work,
                       project_crawler().settings)
    with Pywb(work / "pywb", crawl.warcs, tools=(tools / "wayback", tools / "wb-manager")) as pywb:
        results = replay_pages(pywb.base_url, pywb.collection, crawl.pages, screenshots=screenshots,
                               executable=executable)
    hosts = OutletHosts.of(load_outlets()["globalresearch"].domains, [p.url for p in crawl.pages])
    print(f"\nscreenshots of the replayed articles: {screenshots}")
    for result in results:
        print(f"{result.seconds:5.2f} s  {result.status}  {len(result.page_requests):3d} requests "
              f"{len(result.failures):3d} failed ({len(outlet_failures(result, hosts))} outlet)  {result.page.url}")
    return Replayed(crawl_id, results, hosts, screenshots)


# --- the harness's parts, without a browser -----------------------------------------------------------------

def test_replay_addresses_are_read_back_to_the_url_the_page_asked_for() -> None:
    base = "http://127.0.0.1:8080"
    ref = parse_replay_url(f"{base}/qa/20261130160011cs_/https://www.example.org/a.css?v=1", base, "qa")
    assert ref is not None
    assert (ref.timestamp, ref.modifier, ref.url) == ("20261130160011", "cs_", "https://www.example.org/a.css?v=1")
    ref = parse_replay_url(f"{base}/qa/20261130160011im_///cdn.example.org/i.png", base, "qa")
    assert ref is not None and ref.url == "http://cdn.example.org/i.png"
    ref = parse_replay_url(f"{base}/qa/20261130160011/http://127.0.0.1:9/a/1", base, "qa")
    assert ref is not None and (ref.modifier, ref.url) == ("", "http://127.0.0.1:9/a/1")
    assert parse_replay_url(f"{base}/static/wombat.js", base, "qa") is None
    assert parse_replay_url(f"{base}/other/20261130160011/http://x/", base, "qa") is None


def test_outlet_hosts_are_its_domains_and_the_mirror_it_was_fetched_from() -> None:
    hosts = OutletHosts.of(["globalresearch.ca"], ["http://127.0.0.1:8000/a/1"])
    assert hosts.owns("https://www.globalresearch.ca/wp-content/x.css")
    assert hosts.owns("http://127.0.0.1:8000/wp-content/x.css")
    assert not hosts.owns("http://127.0.0.1:9999/x.css")
    assert not hosts.owns("https://ws.sharethis.com/button/buttons.js")


def test_report_is_one_page_that_names_urls_only_as_text() -> None:
    page = Page("http://127.0.0.1:8000/a/1", "20261130160011", "A <title> & more")
    result = PageResult(page=page, address="http://127.0.0.1:1/qa/20261130160011/http://127.0.0.1:8000/a/1",
                        status=200, title="A title", thumbnail=JPEG + b"rest", seconds=1.5,
                        style=Style("rgb(255, 255, 255)", "serif", 2, 1, 0, 10))
    result.requests = [
        RequestRecord("https://cdn.example.org/x.js", "http://127.0.0.1:1/qa/x", "archive", "script", status=404),
        RequestRecord("http://127.0.0.1:8000/s.css", "http://127.0.0.1:1/qa/y", "archive", "stylesheet", status=404),
    ]
    hosts = OutletHosts.of(["globalresearch.ca"], [page.url])
    text = render_report([result], hosts, title="check")
    links = _links(text)
    assert links and all(link.startswith("data:") for link in links)
    assert "A &lt;title&gt; &amp; more" in text
    # The outlet's failure is listed before the third party's.
    assert text.index("http://127.0.0.1:8000/s.css") < text.index("https://cdn.example.org/x.js")
    summary = summarize([result], hosts)
    assert (summary.outlet_failed_requests, summary.other_failed_requests, summary.passed) == (1, 1, False)


# --- the replica's crawl in chromium ------------------------------------------------------------------------

@pytest.mark.slow
def test_every_article_renders_in_chromium_through_pywb(replayed: Replayed, self_linked_crawl: Crawl) -> None:
    items = self_linked_crawl.items()
    assert sorted(r.page.url for r in replayed.results) == sorted(i["fetched_url"] for i in items)
    titles = {i["fetched_url"]: i["title"] for i in items}
    for result in replayed.results:
        assert result.error is None, (result.page.url, result.error)
        assert result.status == 200, result.page.url
        assert result.replayed
        # Rendered: the article's title is in the text the browser laid out, the replayed document has its title.
        assert squeeze(titles[result.page.url]) in squeeze(result.text), result.page.url
        assert result.title
        assert result.style is not None
        assert result.thumbnail.startswith(JPEG)
        # Every request is named by the URL the page asked for, not by pywb's address for it.
        assert any(r.url == result.page.url and r.resource_type == "document" for r in result.requests)
        for record in result.page_requests:
            assert parse_replay_url(record.url, result.address.split("/qa/")[0], "qa") is None
        # No request left for the live web unnoticed: any that tried is recorded as a failure.
        assert all(r.failed for r in result.requests if r.kind == "outside")


@pytest.mark.slow
def test_screenshots_are_written_for_every_article(replayed: Replayed) -> None:
    print(f"\nscreenshots: {replayed.screenshots}")
    shots = sorted(replayed.screenshots.glob("*.png"))
    assert len(shots) == len(replayed.results)
    for result in replayed.results:
        assert result.screenshot is not None and result.screenshot.parent == replayed.screenshots
        data = result.screenshot.read_bytes()
        assert data.startswith(PNG)
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (1280, 900)


@pytest.mark.slow
def test_every_article_replays_styled_with_no_failed_request_to_the_outlet(replayed: Replayed) -> None:
    """Every requisite the page asks of the outlet's hosts was archived and replays; its stylesheets apply."""
    unstyled = [r.page.url for r in replayed.results if not (r.style and r.style.stylesheet_applied)]
    failed = {r.page.url: [f"{f.outcome} {f.url}" for f in outlet_failures(r, replayed.hosts)]
              for r in replayed.results if outlet_failures(r, replayed.hosts)}
    assert failed == {}, f"{sum(map(len, failed.values()))} failed request(s) to the outlet's hosts on " \
                         f"{len(failed)} page(s), e.g. {next(iter(failed.items()))}"
    assert unstyled == [], f"{len(unstyled)} page(s) with no stylesheet applied, e.g. {unstyled[0]}"


# --- scrapy qa -----------------------------------------------------------------------------------------------

def _qa(*args: str, archive: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "qa", *args, "-s", f"ARCHIVE_URI={archive}",
           "-s", f"QA_PYWB_BIN={pywb_bin()}"]
    return subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=600, check=False)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href", "srcset", "action", "data")]


def _links(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    assert not parser.tags & {"script", "link", "iframe", "object", "embed"}
    return parser.links


@pytest.mark.slow
def test_scrapy_qa_writes_one_self_contained_report_of_every_article(replica_crawl: Crawl, tmp_path: Path) -> None:
    chromium()
    (manifest,) = replica_crawl.manifests()
    report = tmp_path / "report.html"
    done = _qa("--outlet", "globalresearch", "--crawl", manifest["crawl_id"], "-o", str(report),
               "--screenshots", str(tmp_path / "shots"), archive=replica_crawl.archive)
    print(done.stdout, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    # 0 once every page replays with no failed request to the outlet's hosts, 1 until then: the verdict says which.
    assert done.returncode in (0, 1), done.stderr
    verdict = done.stdout.strip().splitlines()[-1]
    assert verdict.startswith("PASS" if done.returncode == 0 else "FAIL"), done.stdout
    text = report.read_text(encoding="utf-8")
    links = _links(text)
    assert not [link for link in links if not link.startswith("data:")]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE)
    items = replica_crawl.items()
    for item in items:
        assert html.escape(item["fetched_url"]) in text
        assert html.escape(item["title"]) in text
    thumbnails = [base64.b64decode(link.split(",", 1)[1]) for link in links if link.startswith("data:image/jpeg")]
    assert len(thumbnails) == len(items) and all(t.startswith(JPEG) for t in thumbnails)
    assert f"<b>{len(items)}</b>pages" in text
    assert len(list((tmp_path / "shots").glob("*.png"))) == len(items)


@pytest.mark.slow
def test_scrapy_qa_bad_usage_is_one_line_and_exit_2(replica_crawl: Crawl, tmp_path: Path) -> None:
    done = _qa("--outlet", "globalresearch", "--crawl", "20000101T000000Z-0000", "-o", str(tmp_path / "r.html"),
               archive=replica_crawl.archive)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("error: no crawl '20000101T000000Z-0000'")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "r.html").exists()
    done = _qa("--outlet", "globalresearch", archive=replica_crawl.archive)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: give --outlet NAME --crawl CRAWL_ID -o REPORT.html"
