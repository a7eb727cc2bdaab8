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


# Pages built to tell the one-walk queries (globalresearch._Blocks) from the XPaths they stand for: blocks nested in
# blocks of the same class, the scope itself classed like a block, comments between siblings, unclassed children.
_QUERY_PAGES = [
    """<html><body><div id="singleArticle" class="post-info title catAndTag copyright grDate">
       <div class="post-info"><div class="author">A</div><div class="post-info"><div class="author">B</div>
         <div class="grDate">Global Research, 1 May 2020</div><!-- c --><?pi x?><div>Sputnik 2 May 2020</div></div>
         <div class="grDate">Global Research, 3 May 2020</div>text<div class="x">Tail 4 May 2020</div></div>
       <div class="title"><h3 class="subtitle">S1</h3><div class="title"><h2>H1</h2><h3 class="subtitle x">S2</h3>
         </div><h2>H0</h2></div>
       <div class="catAndTag"><div>Region: <a href="/r">R</a></div><div class="catAndTag"><div>Theme:</div></div>
         <p>no div</p><div class="other">In-depth Report:</div></div>
       <div class="post"><section><div class="my-content">body one</div></section></div>
       <div itemprop="articleBody"><div class="copyright">C1</div></div><div class="copyright x">C2</div>
     </div></body></html>""",
    """<html><body><div id="singleArticle"><div class="post-info"><div class="grDate">Global Research, 1 May
       2020</div><!-- only a comment after it --></div><div class="content">not below a post</div>
       <div class="post content"><div class="content">below a post</div></div>
       <div class="title">text <h2 class="x">H</h2></div></div></body></html>""",
    """<html><body><div class="post-info"><div class="author">root scope</div></div><div class="title"><h2>T</h2>
       </div><div class="catAndTag"><div>Theme:</div></div><div class="post"><div class="content">b</div></div>
       </body></html>""",
    """<html><body><div id="singleArticle"><div class="post-info"><div class="grDate">Global Research, 1 May 2020
       </div><!-- c --><?pi x?><div><a href="https://sputniknews.com/a">Sputnik</a> 13 December 2016</div></div>
       </div></body></html>""",
    "<html><body><p>nothing classed</p></body></html>",
    """<html><body><div id="singleArticle" itemprop="headline" class="copyright"><!-- c --><p class="x copyright">
       <span itemprop="name">n</span><span class="copyright-2">C</span></p><h1><a itemprop="headline">H1</a></h1>
       <h2 itemprop="headline">H2</h2><div class="Copyright">not this case</div></div></body></html>""",
    """<html><head><!-- c --><link rel="canonical"><link rel="Canonical" href="/no"><link rel="canonical"
       href=" https://www.globalresearch.ca/a/1 "></head><body><link rel="canonical" href="/body"></body></html>""",
    """<html><head><title>t</title></head><body><link rel="canonical" href="/body-only"></body></html>""",
]


@pytest.mark.parametrize("html", _QUERY_PAGES + [p.read_text(encoding="utf-8", errors="replace")
                                                 for p in sorted(FIXTURES.glob("*.html"))[:6]])
def test_one_walk_queries_return_what_their_xpaths_return(html: str) -> None:
    from lxml import etree

    from crawler.extractors import globalresearch as gr
    from crawler.extractors.text import parse_html

    root = parse_html(html)
    for scope in filter(lambda s: s is not None, (root.get_element_by_id("singleArticle", None), root)):
        blocks = gr._Blocks(scope)

        def xpath(query: str, scope: etree._Element = scope) -> list[etree._Element]:
            return list(etree.XPath(query)(scope))

        assert blocks.classed("grDate") == xpath('.//div[contains(@class,"grDate")]')
        assert blocks.classed("copyright") == xpath('.//div[contains(@class,"copyright")]')
        assert blocks.child_divs("catAndTag") == xpath('.//div[contains(@class,"catAndTag")]/div')
        assert blocks.child_divs("post-info", "grDate") == xpath(
            './/div[contains(@class,"post-info")]/div[contains(@class,"grDate")]')
        assert [blocks.first_child_div("post-info", "author")] == (
            xpath('.//div[contains(@class,"post-info")]/div[contains(@class,"author")]')[:1] or [None])
        assert [h for h in blocks.h3s if "subtitle" in (h.get("class") or "") and blocks.in_div_classed(h, "title")] \
            == xpath('.//div[@class="title"]/h3[contains(@class,"subtitle")]')
        assert [h for h in blocks.h2s if blocks.in_div_classed(h, "title")] == xpath('.//div[@class="title"]/h2')
        assert [d for d, cls in blocks.divs if d.get("itemprop") == "articleBody"
                or ("content" in cls and gr._below_post(d, scope))] == xpath(
            './/div[@itemprop="articleBody"] | .//div[contains(@class,"post")]//div[contains(@class,"content")]')
        assert [gr._headline(scope)] == (xpath('.//*[@itemprop="headline"]')[:1] or [None])
        assert gr._copyright_lines(scope) == xpath('.//*[contains(@class,"copyright")]')
    head_links = etree.XPath('/html/head/link[@rel="canonical"]/@href')(root)
    assert gr._head_canonical(root) == (str(head_links[0]).strip() if head_links else None)
    # The whole extractor on the page, as the XPaths read it: the header's source line (following-sibling::*[1]).
    article = root.get_element_by_id("singleArticle", None)
    scope = article if article is not None else root
    line = next(iter(etree.XPath('.//div[contains(@class,"post-info")]/div[contains(@class,"grDate")]'
                                 "/following-sibling::*[1]")(scope)), None)
    source = gr._header_source(gr._Blocks(scope), "https://www.globalresearch.ca/")
    if line is None or (line.get("class") or "").strip() or not gr._DATE_TAIL_RE.search(gr.text_of(line)):
        assert source is None
    else:
        assert source is not None and source["published"] == gr._DATE_TAIL_RE.search(gr.text_of(line))["date"]
