"""A crawl of the offline replica, end to end, as `make demo` runs it."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from crawler.items import ITEM_KEYS
from tests.crawl_runner import Crawl, run_crawl

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "globalresearch"
ROUTES = tomllib.loads((Path(__file__).parent / "replica" / "globalresearch.toml").read_text(encoding="utf-8"))
HTML_ARTICLES = {r["path"]: r["file"] for r in ROUTES["articles"]
                 if "file" in r and not r.get("later") and r.get("status", 200) == 200}


def _expected_by_url() -> dict[str, dict[str, object]]:
    out = {}
    for path in FIXTURES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[str(data["url"])] = data
    return out


def test_every_article_of_the_replica_is_archived(replica_crawl: Crawl) -> None:
    items = replica_crawl.items()
    fetched_paths = {item["fetched_url"].split("://", 1)[1].split("/", 1)[1] for item in items}
    assert {"/" + p for p in fetched_paths} == set(HTML_ARTICLES)
    assert len(items) == len(HTML_ARTICLES), "an article was written twice"
    for item in items:
        assert tuple(item) == ITEM_KEYS


def test_no_code_running_console_listens(replica_crawl: Crawl) -> None:
    """Scrapy's telnet console and its 2.19 remote control both run Python sent to a port: off (settings/base)."""
    assert "Telnet console listening" not in replica_crawl.log
    assert "Remote control HTTP server listening" not in replica_crawl.log
    assert "scrapy.extensions.remote_control" not in replica_crawl.log.split("Enabled downloader middlewares")[0]


def test_items_match_the_golden_files_after_a_real_crawl(replica_crawl: Crawl) -> None:
    expected = _expected_by_url()
    for item in replica_crawl.items():
        want = expected[item["url"]]
        for key, value in want.items():
            assert item[key] == value, f"{item['url']}: {key}"
        assert item["crawl_id"] == replica_crawl.manifests()[0]["crawl_id"]
        assert item["fetched_at"].endswith("+00:00")
        assert item["warc"]["filename"].endswith(".warc.gz")


def test_storage_keys_follow_the_design(replica_crawl: Crawl) -> None:
    (manifest,) = replica_crawl.manifests()
    crawl_id = manifest["crawl_id"]
    keys = [f["key"] for f in manifest["files"]]
    assert f"indexes/globalresearch/{crawl_id}.cdxj" in keys
    assert any(k.startswith("items/globalresearch/") and k.endswith(f"{crawl_id}-00000.jsonl.gz") for k in keys)
    assert any(k.startswith("warc/globalresearch/") and k.endswith(f"{crawl_id}-00000.warc.gz") for k in keys)
    for key in keys:
        parts = key.split("/")
        if parts[0] in ("items", "warc"):
            year, month, day = parts[2:5]
            assert len(year) == 4 and len(month) == 2 and len(day) == 2


def test_manifest_lists_every_file_with_its_sha256_and_the_coverage(replica_crawl: Crawl) -> None:
    (manifest,) = replica_crawl.manifests()
    assert manifest["status"] == "finished"
    for entry in manifest["files"]:
        data = (replica_crawl.archive / entry["key"]).read_bytes()
        assert entry["stored"] is True
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    on_disk = {p.relative_to(replica_crawl.archive).as_posix() for p in replica_crawl.archive.rglob("*")
               if p.is_file() and ".spool" not in p.parts and not p.name.startswith("crawls")}
    listed = {f["key"] for f in manifest["files"]}
    assert on_disk - {f"crawls/globalresearch/{manifest['crawl_id']}.json"} == listed
    counts = manifest["counts"]
    assert counts["articles"] == len(HTML_ARTICLES)
    coverage = manifest["field_coverage"]
    assert coverage["title"] == coverage["body"] == coverage["url"] == 1.0
    assert 0 < coverage["in_depth_reports"] < 1
    # Nothing is left behind in the spool.
    assert not [p for p in (replica_crawl.archive / ".spool").rglob("*") if p.is_file()]


def test_a_500_that_heals_on_retry_gives_the_article_and_both_attempts_are_logged(replica_crawl: Crawl) -> None:
    mill = [i for i in replica_crawl.items() if i["article_id"] == "5666002"]
    assert len(mill) == 1
    assert "'retry/reason_count/500 Internal Server Error': 1" in replica_crawl.log


def test_a_non_html_response_on_an_article_url_is_archived_not_extracted(replica_crawl: Crawl) -> None:
    assert not [i for i in replica_crawl.items() if i["article_id"] == "5600999"]
    lines = [line for line in replica_crawl.log.splitlines() if "some-report-pdf/5600999" in line and "WARNING" in line]
    assert len(lines) == 1
    assert "not an HTML/XML article" in lines[0]
    assert "application/pdf" in lines[0]


def test_the_log_is_clean(replica_crawl: Crawl) -> None:
    assert "Traceback" not in replica_crawl.log
    assert " ERROR: " not in replica_crawl.log
    # tldextract stays on its bundled suffix list: no attempt to reach the network.
    assert "publicsuffix" not in replica_crawl.log.lower()


def test_a_listed_article_that_is_gone_is_one_clear_line(replica_crawl: Crawl) -> None:
    lines = [line for line in replica_crawl.log.splitlines() if "the-pier-that-was-never-built" in line]
    assert any("fetch failed" in line and "HTTP 404" in line for line in lines)


def test_urls_argument_fetches_just_those_articles(replica_url: str, tmp_path: Path) -> None:
    url = f"{replica_url}/the-arithmetic-of-austerity/5664411"
    crawl = run_crawl(tmp_path, "-a", f"urls={url}", base_url=replica_url)
    assert crawl.returncode == 0, crawl.log
    assert [i["article_id"] for i in crawl.items()] == ["5664411"]


def test_since_and_max_articles(replica_url: str, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "a", "-a", "since=2019-07-01", base_url=replica_url)
    assert crawl.returncode == 0, crawl.log
    published = sorted(i["published"][:10] for i in crawl.items())
    assert published
    assert published[0] >= "2019-07-01"
    capped = run_crawl(tmp_path / "b", "-a", "max_articles=3", base_url=replica_url)
    assert capped.returncode == 0, capped.log
    assert len(capped.items()) <= 3
    assert "max_articles=3 reached" in capped.log


def test_a_bad_outlets_file_stops_the_run_naming_outlet_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "outlets.toml"
    bad.write_text('[broken]\nname = "Broken"\norigin = "not a url"\narticle_pattern = "^/x"\n'
                   'extractor = "globalresearch"\n[broken.start]\nfeeds = ["/feed"]\n', encoding="utf-8")
    crawl = run_crawl(tmp_path / "archive", spider="broken", settings={"OUTLETS_FILE": str(bad)})
    assert crawl.returncode != 0
    assert "outlet 'broken': field 'origin'" in crawl.log
    assert "Traceback" not in crawl.log
    assert not (tmp_path / "archive").exists()
