"""Golden tests: each fixture page yields exactly its hand-written expected item, every key checked."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from w3lib.encoding import html_to_unicode

from crawler.extractors.globalresearch import extract
from crawler.extractors.page import normalized_item
from crawler.outlets import load_outlets
from pipelines.items.normalize import normalize_article

FIXTURES = Path(__file__).parent / "fixtures" / "globalresearch"
REAL = Path(__file__).parents[2] / "shared" / "fixtures" / "real" / "globalresearch.ca"
# Keys that depend on the fetch, not on the page.
FETCH_KEYS = {"fetched_url", "fetched_at", "crawl_id", "warc", "warc_revisit"}


def item_from_page(html_bytes: bytes, url: str) -> dict[str, object]:
    """The item `scrapy extract` and the crawl give for the page, less what only a fetch knows."""
    _, html = html_to_unicode(None, html_bytes)
    item = normalized_item(load_outlets()["globalresearch"], html, url, normalize_article)
    return {k: v for k, v in asdict(item).items() if k not in FETCH_KEYS}


def page_url(expected: dict[str, object]) -> str:
    return str(expected["url"])


def check(page: Path, expected_file: Path) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    got = item_from_page(page.read_bytes(), page_url(expected))
    expected = {k: v for k, v in expected.items() if k not in FETCH_KEYS}
    assert set(got) == set(expected), "the item's keys differ from the expected ones"
    for key in expected:
        assert got[key] == expected[key], f"{page.name}: {key}"


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("*.html")), ids=lambda p: p.stem)
def test_own_fixture_pages(page: Path) -> None:
    check(page, page.with_suffix(".json"))


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures/real is not present")
@pytest.mark.parametrize("expected", sorted((FIXTURES / "real").glob("*.json")), ids=lambda p: p.stem)
def test_real_pages(expected: Path) -> None:
    check(REAL / (expected.stem + ".html"), expected)


def test_seed_article_fields() -> None:
    """The seed article (../shared/seed/article.txt) rebuilt in the real markup."""
    item = item_from_page((FIXTURES / "seed-fake-videos-aleppo.html").read_bytes(),
                          "https://www.globalresearch.ca/x/5564321")
    assert [a["name"] for a in item["authors"]] == ["Sputnik"]
    assert item["published"] == "2016-12-14"
    assert [r["name"] for r in item["regions"]] == ["Middle East & North Africa", "Russia and FSU"]
    assert [t["name"] for t in item["themes"]] == ["Media Disinformation"]
    assert [r["name"] for r in item["in_depth_reports"]] == ["SYRIA"]
    assert item["original_source"]["name"] == "Sputnik"
    assert item["original_source"]["published"] == "2016-12-13"
    assert item["copyright"] == {"line": "Copyright © Sputnik, Sputnik, 2016", "holders": ["Sputnik"], "year": 2016}
    body = item["body"]
    assert body.startswith("Video clips of alleged")
    for line in ("The original source", "Copyright", "Disclaimer", "Articles by", "Facebook",
                 "Become a Member"):
        assert line not in body


def test_page_missing_every_labeled_block() -> None:
    """No Region/Theme/In-depth Report block at all: empty lists, the rest of the item intact."""
    item = item_from_page((FIXTURES / "plain-three-authors-no-categories.html").read_bytes(),
                          "https://www.globalresearch.ca/x/1")
    assert item["regions"] == item["themes"] == item["in_depth_reports"] == []
    assert item["title"]
    assert item["body"]


def test_empty_and_broken_pages_give_empty_fields_not_errors() -> None:
    for html in ("", "\x00\x00", "<html><body><p>unclosed", "<?xml version='1.0' encoding='utf-8'?><html/>"):
        raw = extract(html, "https://www.globalresearch.ca/a/1234567")
        assert raw["title"] is None
        assert raw["body"] is None
        assert raw["article_id"] == "1234567"


@pytest.mark.parametrize(("credit", "name", "url", "day"), [
    ('<p><em>This article was originally published on <a href="https://noqreport.com/2021/10/27/lake/">NOQ Report'
     "</a>.</em></p>", "NOQ Report", "https://noqreport.com/2021/10/27/lake/", "2021-10-27"),
    ("<p><em><strong>Ann Writer</strong> writes on her blog site, Lakeside Notes, where "
     '<a href="https://lakeside.example/2021/11/01/lake/">this article</a> was originally published.</em></p>',
     "Lakeside Notes", "https://lakeside.example/2021/11/01/lake/", "2021-11-01"),
])
def test_the_authors_own_originally_published_line_wins_over_the_template_footer(
        credit: str, name: str, url: str, day: str) -> None:
    """Global Research's template says 'The original source of this article is Global Research' under every
    article; the line in the text saying where the author first published it is the original source."""
    page = FIXTURES / "original-one-author-lake.html"
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    html = page.read_text(encoding="utf-8").replace(
        '<div class="copyright">The original source of this article is Global Research</div>',
        f'{credit}<div class="copyright">The original source of this article is Global Research</div>', 1)
    source = item_from_page(html.encode("utf-8"), page_url(expected))["original_source"]
    assert source["name"] == name and source["url"] == url and str(source["published"]).startswith(day)
