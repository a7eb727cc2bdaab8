"""The new outlets crawled end to end through their offline replicas: feed or listing → article → item."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from crawler.items import ITEM_KEYS
from tests.crawl_runner import run_crawl
from tests.replica.server import ReplicaServer

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent


@pytest.mark.parametrize("outlet", ["sputnik", "rt", "consortiumnews"])
def test_outlet_crawl_yields_its_golden_items(outlet: str, tmp_path: Path) -> None:
    routes = tomllib.loads((HERE / "replica" / f"{outlet}.toml").read_text(encoding="utf-8"))
    expected = {}
    for page in (HERE / "fixtures" / outlet).glob("*.json"):
        data = json.loads(page.read_text(encoding="utf-8"))
        expected[data["url"]] = data
    with ReplicaServer(outlet=outlet) as base_url:
        crawl = run_crawl(tmp_path / "archive", spider=outlet, base_url=base_url)
    assert crawl.returncode == 0, crawl.log[-3000:]
    items = crawl.items()
    assert len(items) == len(routes["articles"]) == len(expected)
    for item in items:
        assert tuple(item) == ITEM_KEYS
        for key, value in expected[item["url"]].items():
            assert item[key] == value, f"{item['url']}: {key}"
        assert item["outlet"] == outlet
        assert item["fetched_url"].startswith(base_url)
        assert item["warc"]["filename"].endswith(".warc.gz")
    (manifest,) = crawl.manifests()
    assert manifest["counts"]["articles"] == len(items)
