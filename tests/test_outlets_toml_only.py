"""A new outlet from configuration alone: an outlets.toml entry and fixture pages, no Python.

The entry below is the whole of what the project knows about the invented Tidewater Courier; the
settings' OUTLETS_FILE points the crawler at it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawl_runner import ROOT, run_crawl, scrapy_env
from tests.replica.server import ReplicaServer

FIXTURES = Path(__file__).parent / "fixtures" / "tidewater_courier"
PAGE = FIXTURES / "ferry-timetable.html"
EXPECTED = json.loads(PAGE.with_suffix(".json").read_text(encoding="utf-8"))

OUTLET_ENTRY = r"""
[tidewater_courier]
name = "The Tidewater Courier"
origin = "https://www.tidewatercourier.example"
article_pattern = '^/news/\d{4}/[a-z0-9-]+-(?P<id>\d+)$'
extractor = "generic"
language = "en"

[tidewater_courier.start]
feeds = ["/rss.xml"]

[tidewater_courier.extract]
boilerplate = ['^Read more from the Courier\b']
# Numeric dates are day-first here: the format says so, nothing is guessed.
date_formats = ["Published %d/%m/%Y"]

[tidewater_courier.extract.css]
subtitle = "p.standfirst"
byline = "p.byline"
published = "p.dateline"
body = "div.story-body"

[tidewater_courier.extract.labels]
regions = ["Area"]
themes = ["Filed under"]
"""

ROUTES = f"""
origin = "https://www.tidewatercourier.example"
title = "The Tidewater Courier"
fixtures = "{FIXTURES.as_posix()}"
feed_path = "/rss.xml"
listing_path = "/latest/"
articles = [
  {{ path = "/news/2023/ferry-timetable-cut-4471", file = "ferry-timetable.html", published = "2023-04-03T07:00:00+01:00" }},
]
"""


@pytest.fixture
def outlets_file(tmp_path: Path) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text(OUTLET_ENTRY, encoding="utf-8")
    return path


def _scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=scrapy_env(),
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_outlet_has_a_spider_and_extracts_its_golden_item(outlets_file: Path) -> None:
    listed = _scrapy("list", "-s", f"OUTLETS_FILE={outlets_file}")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["tidewater_courier"]
    done = _scrapy("extract", "--outlet", "tidewater_courier", "--url", EXPECTED["url"],
                   "-s", f"OUTLETS_FILE={outlets_file}", str(PAGE))
    assert done.returncode == 0, done.stderr
    item = json.loads(done.stdout)
    for key, value in EXPECTED.items():
        assert item[key] == value, key


@pytest.mark.slow
def test_the_outlet_is_crawled_through_the_replica(outlets_file: Path, tmp_path: Path) -> None:
    routes = tmp_path / "tidewater_courier.toml"
    routes.write_text(ROUTES, encoding="utf-8")
    with ReplicaServer(routes=routes) as base_url:
        crawl = run_crawl(tmp_path / "archive", spider="tidewater_courier", base_url=base_url,
                          settings={"OUTLETS_FILE": str(outlets_file)})
    assert crawl.returncode == 0, crawl.log[-3000:]
    (item,) = crawl.items()
    for key, value in EXPECTED.items():
        assert item[key] == value, key
    assert item["fetched_url"] == base_url + "/news/2023/ferry-timetable-cut-4471"
