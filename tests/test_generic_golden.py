"""Golden tests of the outlets read by the generic extractor with their outlets.toml rules.

Each fixture page (written for this project in the outlet's markup, invented text) yields exactly its
hand-written expected item; the real pages in ../shared/fixtures/real are checked when that folder is present.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from w3lib.encoding import html_to_unicode

from crawler.extractors.page import normalized_item
from crawler.outlets import load_outlets
from pipelines.items.normalize import normalize_article

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(__file__).parents[2] / "shared" / "fixtures" / "real"
REAL_DIRS = {"sputnik": REAL / "sputniknews.com", "rt": REAL / "rt.com"}
OUTLETS = ("sputnik", "rt", "consortiumnews")
FETCH_KEYS = {"fetched_url", "fetched_at", "crawl_id", "warc", "warc_revisit"}


def item_from_page(outlet_key: str, html_bytes: bytes, url: str) -> dict[str, object]:
    """The item `scrapy extract` and the crawl give for the page, less what only a fetch knows."""
    _, html = html_to_unicode(None, html_bytes)
    item = normalized_item(load_outlets()[outlet_key], html, url, normalize_article)
    return {k: v for k, v in asdict(item).items() if k not in FETCH_KEYS}


def check(outlet_key: str, page: Path, expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    got = item_from_page(outlet_key, page.read_bytes(), str(expected["url"]))
    expected = {k: v for k, v in expected.items() if k not in FETCH_KEYS}
    assert set(got) == set(expected), "the item's keys differ from the expected ones"
    for key in expected:
        assert got[key] == expected[key], f"{page.name}: {key}"


def _pages() -> list[tuple[str, Path]]:
    return [(key, page) for key in OUTLETS for page in sorted((FIXTURES / key).glob("*.html"))]


def _real() -> list[tuple[str, Path]]:
    return [(key, expected) for key in REAL_DIRS for expected in sorted((FIXTURES / key / "real").glob("*.json"))]


@pytest.mark.parametrize(("outlet_key", "page"), _pages(), ids=lambda v: getattr(v, "stem", v))
def test_own_fixture_pages(outlet_key: str, page: Path) -> None:
    check(outlet_key, page, page.with_suffix(".json"))


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures/real is not present")
@pytest.mark.parametrize(("outlet_key", "expected"), _real(), ids=lambda v: getattr(v, "stem", v))
def test_real_pages(outlet_key: str, expected: Path) -> None:
    check(outlet_key, REAL_DIRS[outlet_key] / (expected.stem + ".html"), expected)


def test_every_new_outlet_has_fixtures() -> None:
    for key in OUTLETS:
        assert len(list((FIXTURES / key).glob("*.html"))) >= 2, key
    for key in REAL_DIRS:
        assert list((FIXTURES / key / "real").glob("*.json")), key
