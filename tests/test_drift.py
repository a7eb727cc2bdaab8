"""The drift watch: a field the outlet's items used to have, lost by this crawl's (pipelines/archive/drift.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.commands.crawl import (
    EXIT_FAILED_PAGES,
    EXIT_FIELDS_DROPPED,
    EXIT_SPOOLED,
    EXIT_WRITE_FAILED,
    _exit_code,
    _winning_exit_code,
)
from crawler.crawl import CrawlIdentity
from crawler.extensions.crawl import CrawlExtension
from pipelines.archive.drift import DriftRule, Drop, binomial_tail, check_drift, read_earlier_manifests
from pipelines.archive.extension import ArchiveExtension
from pipelines.storage.base import StoreError
from pipelines.storage.file import FileStore
from pipelines.storage.spool import Publisher
from settings import base
from tests.crawl_runner import run_crawl
from tests.replica.server import HERE as REPLICA_DIR
from tests.replica.server import ReplicaServer

RULE = DriftRule(baseline_crawls=5, min_baseline_crawls=3, min_articles=20, max_drop=0.5, min_ratio=0.25,
                 significance=0.001)


def _manifest(day: int, *, byline: float = 0.95, articles: int = 50, status: str = "finished",
              crawl_id: str | None = None, **coverage: float) -> dict[str, Any]:
    return {
        "crawl_id": crawl_id or f"202601{day:02d}T060000Z-abcd",
        "status": status,
        "started_at": f"2026-01-{day:02d}T06:00:00+00:00",
        "finished_at": f"2026-01-{day:02d}T06:10:00+00:00",
        "counts": {"articles": articles},
        "field_coverage": {"title": 1.0, "byline": byline, **coverage},
    }


def _week(byline: float = 0.95, **coverage: float) -> list[dict[str, Any]]:
    return [_manifest(day, byline=byline, **coverage) for day in range(1, 6)]


# -- the rule -------------------------------------------------------------------------------------------------


def test_a_lost_byline_is_a_drop_with_its_baseline_and_crawls() -> None:
    found = check_drift(_week(), {"title": 1.0, "byline": 0.0}, 40, RULE)
    assert found.skipped is None
    assert found.drops == (Drop(field="byline", baseline=0.95, now=0.0, crawls=5),)
    assert found.drops[0].as_json() == {"field": "byline", "baseline": 0.95, "now": 0.0, "crawls": 5}
    assert len(found.baseline) == 5


def test_the_same_coverage_again_or_a_small_dip_or_a_gain_is_no_drop() -> None:
    assert check_drift(_week(), {"title": 1.0, "byline": 0.95}, 40, RULE).drops == ()
    assert check_drift(_week(), {"title": 1.0, "byline": 0.6}, 40, RULE).drops == ()  # a day's mix, not a redesign
    assert check_drift(_week(byline=0.2), {"title": 1.0, "byline": 0.9}, 40, RULE).drops == ()


def test_a_field_only_some_articles_have_drops_below_a_fraction_of_its_baseline() -> None:
    earlier = _week(subtitle=0.4)
    assert [d.field for d in check_drift(earlier, {"subtitle": 0.05}, 100, RULE).drops] == ["subtitle"]
    assert check_drift(earlier, {"subtitle": 0.2}, 100, RULE).drops == ()  # halved: within a day's mix


def test_a_rare_field_missing_from_a_small_crawl_is_chance_from_a_large_one_a_drop() -> None:
    earlier = _week(modified=0.05)
    assert check_drift(earlier, {"modified": 0.0}, 20, RULE).drops == ()  # 0.95**20: one crawl in three
    assert [d.field for d in check_drift(earlier, {"modified": 0.0}, 200, RULE).drops] == ["modified"]
    assert binomial_tail(0, 20, 0.05) == pytest.approx(0.95 ** 20)
    assert binomial_tail(20, 20, 0.05) == 1.0
    assert binomial_tail(3, 10, 1.0) == 0.0


def test_too_few_articles_now_means_no_check() -> None:
    found = check_drift(_week(), {"byline": 0.0}, 19, RULE)
    assert found.drops == ()
    assert found.skipped is not None and "DRIFT_MIN_ARTICLES" in found.skipped


def test_only_finished_crawls_with_enough_articles_make_a_baseline() -> None:
    earlier = [_manifest(1), _manifest(2, status="cancelled"), _manifest(3, articles=5), _manifest(4),
               {"crawl_id": "broken", "status": "finished"}]
    found = check_drift(earlier, {"byline": 0.0}, 40, RULE)
    assert found.drops == ()
    assert found.skipped is not None and "DRIFT_MIN_BASELINE_CRAWLS" in found.skipped
    assert set(found.baseline) == {earlier[0]["crawl_id"], earlier[3]["crawl_id"]}


def test_the_baseline_is_the_last_crawls_by_their_end() -> None:
    # An outlet that gained bylines a while ago: the old crawls without them are past the baseline.
    earlier = [_manifest(day, byline=0.0) for day in range(1, 6)] + [_manifest(day) for day in range(10, 15)]
    found = check_drift(list(reversed(earlier)), {"byline": 0.0}, 40, RULE)
    assert found.drops == (Drop(field="byline", baseline=0.95, now=0.0, crawls=5),)
    assert all(crawl_id.startswith("2026011") for crawl_id in found.baseline)


def test_the_median_outvotes_one_odd_crawl_and_follows_a_new_normal() -> None:
    one_odd = [_manifest(1), _manifest(2), _manifest(3, byline=0.1)]
    assert [d.baseline for d in check_drift(one_odd, {"byline": 0.1}, 40, RULE).drops] == [0.95]
    # Reported until the loss is most of the baseline crawls: then it is the outlet's new normal.
    new_normal = [_manifest(1), _manifest(2, byline=0.1), _manifest(3, byline=0.1)]
    assert check_drift(new_normal, {"byline": 0.1}, 40, RULE).drops == ()


def test_a_field_the_earlier_manifests_did_not_record_has_no_baseline() -> None:
    assert check_drift(_week(), {"byline": 0.95, "new_field": 0.0}, 40, RULE).drops == ()


def test_the_rule_reads_the_declared_settings_and_refuses_nonsense() -> None:
    values = {name: getattr(base, name) for name in dir(base) if name.startswith("DRIFT_")}
    rule = DriftRule.from_settings(Settings(values))
    assert rule.baseline_crawls == base.DRIFT_BASELINE_CRAWLS
    assert rule.significance == base.DRIFT_SIGNIFICANCE
    with pytest.raises(ValueError, match="DRIFT_MIN_BASELINE_CRAWLS"):
        DriftRule.from_settings(Settings({**values, "DRIFT_MIN_BASELINE_CRAWLS": 9}))
    with pytest.raises(ValueError, match="DRIFT_MAX_DROP"):
        DriftRule.from_settings(Settings({**values, "DRIFT_MAX_DROP": 50}))


# -- reading the earlier manifests ----------------------------------------------------------------------------


def _store(root: Path, outlet: str, *manifests: dict[str, Any]) -> FileStore:
    for manifest in manifests:
        path = root / "crawls" / outlet / f"{manifest['crawl_id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest), encoding="utf-8")
    return FileStore(root)


def test_earlier_manifests_are_read_newest_first_and_no_further_than_needed(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rule = DriftRule(baseline_crawls=2, min_baseline_crawls=1, min_articles=20, max_drop=0.5, min_ratio=0.25,
                     significance=0.001)
    stamped = [_manifest(day) for day in range(1, 8)]
    scrapyd_job = _manifest(9, crawl_id="4f6d0c1e9a7b11efb6a0525400123456")  # unordered ids: always read
    store = _store(tmp_path, "gr", *stamped, scrapyd_job, _manifest(8, articles=3), _manifest(20, crawl_id="c-now"))
    _store(tmp_path, "gr-other", _manifest(28))
    (tmp_path / "crawls" / "gr" / "20260107T999999Z-bad.json").write_text("{not json")
    read: list[str] = []
    real = FileStore.read

    def counted(self: FileStore, key: str) -> bytes:
        read.append(key)
        return real(self, key)

    monkeypatch.setattr(FileStore, "read", counted)
    found = read_earlier_manifests(store, "gr", "c-now", rule)
    ids = [m["crawl_id"] for m in found]
    assert "c-now" not in ids  # this crawl's own manifest, were it there
    assert ids[0] == scrapyd_job["crawl_id"]
    # newest stamped first; the one with 3 articles does not count; stops once two fit
    assert ids[1:] == ["20260108T060000Z-abcd", "20260107T060000Z-abcd", "20260106T060000Z-abcd"]
    assert all("/gr/" in key for key in read)


def test_a_manifest_that_is_not_json_is_left_out_with_a_warning(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    store = _store(tmp_path, "gr", _manifest(1))
    (tmp_path / "crawls" / "gr" / "20260102T060000Z-bad.json").write_text("[1, 2")
    with caplog.at_level(logging.WARNING):
        found = read_earlier_manifests(store, "gr", "c-now", RULE)
    assert [m["crawl_id"] for m in found] == ["20260101T060000Z-abcd"]
    assert "crawls/gr/20260102T060000Z-bad.json is not JSON" in caplog.text


# -- in the archive extension ---------------------------------------------------------------------------------


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value


def _extension(root: Path, rule: DriftRule | None = RULE) -> ArchiveExtension:
    identity = CrawlIdentity(outlet="gr", outlet_origin="https://gr.example", domains=("gr.example",),
                             crawl_id="c-now", fetch_origin="https://gr.example")
    extensions = {CrawlExtension: CrawlExtension(identity)}
    crawler = SimpleNamespace(settings=Settings({}), get_extension=extensions.get, stats=_Stats())
    store = FileStore(root)
    return ArchiveExtension(crawler, store, Publisher(store, root / ".spool"), rule)  # type: ignore[arg-type]


def test_the_extension_logs_the_drop_and_sets_the_stat(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _store(tmp_path, "gr", *_week())
    archive = _extension(tmp_path)
    with caplog.at_level(logging.ERROR):
        drift = asyncio.run(archive._check_drift(40, {"title": 1.0, "byline": 0.0}))
    assert drift == [{"field": "byline", "baseline": 0.95, "now": 0.0, "crawls": 5}]
    assert archive.crawler.stats.values == {"drift/baseline_crawls": 5, "drift/fields_dropped": 1}
    assert "drift watch: outlet gr lost fields: byline 95% → 0% (median of 5 earlier crawls)" in caplog.text


def test_no_drop_is_an_empty_list_and_no_check_is_none(tmp_path: Path) -> None:
    _store(tmp_path, "gr", *_week())
    archive = _extension(tmp_path)
    assert asyncio.run(archive._check_drift(40, {"title": 1.0, "byline": 0.95})) == []
    assert "drift/fields_dropped" not in archive.crawler.stats.values
    assert asyncio.run(archive._check_drift(3, {"title": 1.0, "byline": 0.0})) is None
    assert asyncio.run(_extension(tmp_path, rule=None)._check_drift(40, {"byline": 0.0})) is None  # DRIFT_ENABLED off


def test_an_unreadable_store_is_a_warning_and_no_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    _store(tmp_path, "gr", *_week())

    def down(self: FileStore, prefix: str) -> Iterator[str]:
        raise StoreError("cannot list s3://b/p: cannot reach http://127.0.0.1:9 (EndpointConnectionError)")

    monkeypatch.setattr(FileStore, "keys", down)
    archive = _extension(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(archive._check_drift(40, {"byline": 0.0})) is None
    assert "drift watch: not checked for outlet gr: cannot read its earlier manifests (cannot list" in caplog.text
    assert archive.crawler.stats.values == {}


def test_exit_status_6_ranks_after_the_archive_and_before_failed_pages() -> None:
    def crawler(**stats: Any) -> Any:
        return SimpleNamespace(stats=SimpleNamespace(get_stats=lambda: stats))

    assert _exit_code(crawler(**{"drift/fields_dropped": 2})) == EXIT_FIELDS_DROPPED == 6
    assert _exit_code(crawler(**{"drift/fields_dropped": 2, "pages/failed/http_500": 3})) == EXIT_FIELDS_DROPPED
    assert _exit_code(crawler(**{"drift/fields_dropped": 2, "archive/files_spooled": 1})) == EXIT_SPOOLED
    assert _exit_code(crawler(**{"pages/failed/http_500": 3})) == EXIT_FAILED_PAGES
    assert _exit_code(crawler(**{"drift/baseline_crawls": 5})) == 0
    # across crawlers: the same order, whatever the numbers
    assert _winning_exit_code(EXIT_FAILED_PAGES, EXIT_FIELDS_DROPPED) == EXIT_FIELDS_DROPPED
    assert _winning_exit_code(EXIT_SPOOLED, EXIT_WRITE_FAILED) == EXIT_WRITE_FAILED
    assert _winning_exit_code(0, EXIT_FIELDS_DROPPED, 1) == 1
    assert _winning_exit_code(0, 0) == 0


# -- end to end: the outlet's replica loses its bylines between crawls ----------------------------------------


def _replica_without_bylines(folder: Path) -> Path:
    """The replica's route table, pointing at copies of its pages with the byline element taken out."""
    table = (REPLICA_DIR / "globalresearch.toml").read_text(encoding="utf-8")
    fixtures = (REPLICA_DIR / re.search(r'^fixtures = "([^"]+)"', table, re.M).group(1)).resolve()  # type: ignore[union-attr]
    pages = folder / "pages"
    pages.mkdir(parents=True)
    for page in fixtures.glob("*.html"):
        body, removed = re.subn(rb'<div class="author">.*?</div>\s*', b"", page.read_bytes(), flags=re.S)
        assert removed <= 1, page
        (pages / page.name).write_bytes(body)
    routes = folder / "globalresearch.toml"
    routes.write_text(re.sub(r'^fixtures = .*$', 'fixtures = "pages"', table, count=1, flags=re.M), encoding="utf-8")
    return routes


@pytest.mark.slow
def test_a_replica_that_lost_its_bylines_fails_the_crawl_with_status_6(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    args = ("-a", "refresh_days=0")  # every crawl archives every article again
    settings = {"DRIFT_MIN_ARTICLES": "5", "DRIFT_MIN_BASELINE_CRAWLS": "2"}
    with ReplicaServer() as url:
        before = [run_crawl(archive, *args, base_url=url, settings=settings) for _ in range(3)]
    for crawl in before:
        assert crawl.returncode == 0, crawl.log
    manifests = sorted(before[-1].manifests(), key=lambda m: m["started_at"])
    # no baseline for the first two; the third, like them, is checked and found whole: no wolf cried
    assert [m["drift"] for m in manifests] == [None, None, []]
    byline_before = manifests[-1]["field_coverage"]["byline"]
    assert byline_before > 0.8

    with ReplicaServer(routes=_replica_without_bylines(tmp_path / "redesign")) as url:
        after = run_crawl(archive, *args, base_url=url, settings=settings)
    assert after.returncode == EXIT_FIELDS_DROPPED, after.log
    last = sorted(after.manifests(), key=lambda m: m["started_at"])[-1]
    assert last["status"] == "finished"
    assert last["field_coverage"]["byline"] == 0.0
    assert {"field": "byline", "baseline": byline_before, "now": 0.0, "crawls": 3} in last["drift"]
    assert {d["field"] for d in last["drift"]} >= {"byline", "authors"}
    assert last["stats"]["drift/fields_dropped"] == len(last["drift"])
    error = re.search(r"ERROR: drift watch: outlet globalresearch lost fields: (.*)", after.log)
    assert error is not None, after.log
    assert f"byline {byline_before:.0%} → 0% (median of 3 earlier crawls)" in error.group(1)
    assert all(not item["byline"] for item in after.items() if item["crawl_id"] == last["crawl_id"])
