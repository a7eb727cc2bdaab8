"""One path from a page to an item: `scrapy extract`, `scrapy reextract` and the golden tests give the same
item for the same page (crawler.extractors.page), and the kit the extractors share reads pages one way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.extractors import extractor_for
from crawler.extractors.meta import Meta, base_url
from crawler.extractors.page import PageSource, normalized_item, page_source
from crawler.extractors.people import NAME_SEPARATORS_NO_SEMICOLON, byline_people, split_names
from crawler.items import ITEM_KEYS
from crawler.outlets import load_outlets
from pipelines.items.normalize import normalize_article
from tests.crawl_runner import ROOT, scrapy_env

FIXTURES = Path(__file__).parent / "fixtures"
# One page of each outlet and extractor, as (outlet, fixture name).
PAGES = [
    ("globalresearch", "seed-fake-videos-aleppo"),
    ("globalresearch", "plain-three-authors-no-categories"),
    ("sputnik", "arctic-rail-link"),
    ("rt", "ferry-fares-edited"),
    ("consortiumnews", "republished-seed-vault"),
]
MIRROR = "http://127.0.0.1:9"
CRAWL_ID = "kit-crawl"
FETCH_KEYS = {"fetched_url", "fetched_at", "crawl_id", "warc", "warc_revisit"}


def scrapy(*args: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=scrapy_env(),
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def page_and_url(outlet_key: str, name: str) -> tuple[Path, str]:
    page = FIXTURES / outlet_key / f"{name}.html"
    return page, str(json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["url"])


def golden_item(source: PageSource, page: Path, url: str) -> dict[str, Any]:
    """What the golden tests compare, with the fetched URL `scrapy extract --url` adds."""
    _, html = html_to_unicode(None, page.read_bytes())
    return asdict(normalized_item(source, html, url, normalize_article, fetched_url=url))


def without_fetch(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in FETCH_KEYS}


def mirrored(url: str) -> str:
    """The page's URL on the mirror it was crawled from."""
    outlet_origin = "/".join(url.split("/", 3)[:3])
    return MIRROR + url[len(outlet_origin):]


def write_warc(path: Path, outlet_key: str, pages: list[tuple[str, bytes]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {
            "outlet": outlet_key, "fetch-origin": MIRROR, "isPartOf": CRAWL_ID}))
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                                          http_headers=headers))


@pytest.fixture(scope="module")
def reextracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """`scrapy reextract` over one WARC per outlet, its pages crawled from a mirror: items by fetched URL."""
    folder = tmp_path_factory.mktemp("warcs")
    for outlet_key in sorted({key for key, _ in PAGES}):
        pages = [page_and_url(key, name) for key, name in PAGES if key == outlet_key]
        write_warc(folder / f"{outlet_key}.warc.gz", outlet_key,
                   [(mirrored(url), page.read_bytes()) for page, url in pages])
    items = scrapy("reextract", *sorted(str(p) for p in folder.glob("*.warc.gz")))
    return {item["fetched_url"]: item for item in items}


@pytest.mark.parametrize(("outlet_key", "name"), PAGES, ids=[name for _, name in PAGES])
def test_extract_reextract_and_golden_give_the_same_item(outlet_key: str, name: str,
                                                         reextracted: dict[str, dict[str, Any]]) -> None:
    page, url = page_and_url(outlet_key, name)
    [extracted] = scrapy("extract", "--outlet", outlet_key, "--url", url, str(page))
    golden = golden_item(load_outlets()[outlet_key], page, url)
    again = reextracted[mirrored(url)]

    assert extracted == golden
    assert without_fetch(again) == without_fetch(extracted)
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert without_fetch(golden) == without_fetch(expected)
    # What only the fetch knows: the mirror's URL, the crawl, the record.
    assert again["fetched_url"] == mirrored(url)
    assert again["crawl_id"] == CRAWL_ID
    assert again["warc"]["filename"] == f"{outlet_key}.warc.gz"


def test_an_extractor_name_reads_a_page_with_no_outlet() -> None:
    page, url = page_and_url("sputnik", "arctic-rail-link")
    [extracted] = scrapy("extract", "--outlet", "generic", "--url", url, str(page))
    assert extracted == golden_item("generic", page, url)
    assert extracted["outlet"] == "generic"
    assert extracted["extractor"] == "generic/1"


def test_an_outlet_key_wins_over_an_extractor_name_and_unknown_names_are_refused() -> None:
    outlets = load_outlets()
    assert page_source("globalresearch", outlets) is outlets["globalresearch"]
    assert page_source("generic", outlets) == "generic"
    with pytest.raises(LookupError, match=r"unknown outlet 'nope' \(outlets: .*; extractors: .*generic"):
        page_source("nope", outlets)


@pytest.mark.parametrize("page", sorted(p for key in load_outlets() for p in (FIXTURES / key).glob("*.html")),
                         ids=lambda p: p.stem)
def test_extractors_give_every_key_the_page_can_tell(page: Path) -> None:
    """The item's keys but the outlet and what the fetch knows: none left to a default by mistake."""
    outlet = load_outlets()[page.parent.name]
    _, html = html_to_unicode(None, page.read_bytes())
    raw = extractor_for(outlet.extractor, outlet.extract)(html, outlet.origin + "/a/1")
    assert set(raw) == set(ITEM_KEYS) - FETCH_KEYS - {"outlet"}


def test_meta_get_skips_blank_tags_and_first_does_not() -> None:
    root = lxml_html.document_fromstring(
        '<html><head><base href="/base/"><meta property="og:title" content=" ">'
        '<meta property="OG:Title" content="Second"><meta name="description" content="A  summary">'
        "</head><body></body></html>")
    meta = Meta(root)
    assert meta.get("property:og:title") == "Second"
    assert meta.first("property:og:title") is None
    assert meta.get("name:twitter:title", "name:description") == "A summary"
    assert base_url(root, "https://x.example/a/1") == "https://x.example/base/"


def test_people_split_on_commas_and_and_semicolons_unless_told_not_to() -> None:
    assert split_names("By Ann Smith; Bob Jones and Cy & Dee") == ["Ann Smith", "Bob Jones", "Cy", "Dee"]
    assert split_names("By Ann Smith; Bob Jones, Cy", NAME_SEPARATORS_NO_SEMICOLON) == ["Ann Smith; Bob Jones", "Cy"]
    byline = lxml_html.fragment_fromstring('<div>By <a href="/author/ann">Ann</a> and Bob, <b>Cy</b></div>')
    assert byline_people(byline, "https://x.example/a/1") == [
        {"name": "Ann", "url": "https://x.example/author/ann"},
        {"name": "Bob", "url": None},
        {"name": "Cy", "url": None},
    ]


def test_a_page_with_no_document_is_one_clear_error() -> None:
    from crawler.extractors.page import PageNotParsable, article_from_page

    with pytest.raises(PageNotParsable, match="no HTML document"):
        article_from_page("generic", "   <!-- nothing but a comment -->", "https://example.org/a/1")


@pytest.mark.parametrize(("page", "text"), [
    ("<html><body><p>a\x00b</p>\x00</body></html>", "ab"),  # NULs, which lxml refuses, dropped
    (" \n<?xml version='1.0' encoding='utf-8'?><html><body><p>declared</p></body></html>", "declared"),
    ("<html><body><p>plain</p></body></html>\n", "plain"),
    (" \t\n\u00a0", ""),  # whitespace alone (a no-break space too): an empty document, not an error
    ("", ""),
])
def test_parse_html_reads_what_lxml_would_refuse(page: str, text: str) -> None:
    from crawler.extractors.text import parse_html, text_of

    root = parse_html(page)
    assert root.tag == "html"
    assert text_of(root) == text
    assert parse_html(root) is root  # a parsed page is itself


def test_text_of_and_paragraphs_read_what_a_reader_sees() -> None:
    from crawler.extractors.text import paragraphs, parse_html, text_of

    root = parse_html("<html><body><div id='d'>Lead <b>in</b><p id='one'>  One \n line </p>between<br>lines"
                      "<div><p>Two<br>lines</p>tail <script>var x;</script><!-- note -->end</div>"
                      "<p>a<script>skipped</script>b<!-- c -->c</p><p> </p><ul><li>item</li></ul>last</div>"
                      "<script>alone</script><br></body></html>")
    assert [(element.tag, text_of(element)) for element in root.iter("p", "script", "br", "li")] == [
        ("p", "One line"), ("br", ""), ("p", "Two lines"), ("br", ""), ("script", ""), ("p", "abc"),
        ("script", ""), ("p", ""), ("li", "item"), ("script", ""), ("br", "")]
    # (blocks' texts joined as they stand: paragraphs, below, is what tells them apart)
    assert text_of(root.get_element_by_id("d")) == "Lead in One line between linesTwo linestail endabc itemlast"
    assert [(element.tag, text) for element, text in paragraphs(root.get_element_by_id("d"))] == [
        ("div", "Lead in"), ("p", "One line"), ("div", "between lines"), ("p", "Two lines"), ("div", "tail end"),
        ("p", "abc"), ("li", "item"), ("div", "last")]
