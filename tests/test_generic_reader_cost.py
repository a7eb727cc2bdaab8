"""The generic page reader's shortcuts answer as the plain way would: PageBase.classed's one search through all
the names (each element's class and id) against a search of each element's own, and the per-page readings kept
once (titles, dates). Small hand-written pages, never corpus pages (bench.items_identical checks the corpus)."""

from __future__ import annotations

import re

import pytest

from crawler.extractors.dates import normalize_date
from crawler.extractors.generic import GenericExtractor
from crawler.extractors.generic.common import _plain_text_length
from crawler.extractors.generic.page import Page
from crawler.extractors.people import clean_byline
from crawler.extractors.structured import read_structured, read_structured_tree
from crawler.extractors.text import parse_html

URL = "https://news.example/2019/01/31/a-story/"
# Names that sit at the edges of a pattern's lookarounds once every element's names are one string: a name
# ending where the next begins ('author-' then 'list'), a class spread over lines, ids alone, names in capitals.
HTML = """<html><head><title>A story | News Example</title></head><body>
<div class="author-"></div><div class="list"></div><ul class="author-list"></ul><div id="card"></div>
<div class="vcard"></div><span class="b-authorization"></span><span class="Author"></span>
<p class="updated">2019-01-31</p><p class="last-updated"></p><p class="not-updated-yet"></p>
<div class="tags
 topics"></div><div class=" "></div><div id="byline-wrap" class="meta"></div><div class="x" id=""></div>
<h1 class="headline">A story</h1></body></html>"""
PATTERNS = [
    re.compile(r"\S"),
    re.compile(r"byline|author(?!i[sz]ation)"),
    re.compile(r"bio|about|(?<!v)card|(?<!author-)list|box"),
    re.compile(r"(?<![\w-])updated(?![\w-])"),
    re.compile(r"tags|topic|keyword"),
    re.compile(r"^list"),  # (anchored: searched element by element)
    re.compile(r"s\s+t"),  # (may match a line break: searched element by element)
    re.compile(r"nothing-has-this"),
]


def reader(html: str = HTML) -> Page:
    root = parse_html(html)
    return Page(GenericExtractor(), root, read_structured_tree(root, URL), URL, None)


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern)
def test_classed_finds_what_each_elements_own_search_finds(pattern: re.Pattern[str]) -> None:
    page = reader()
    plain = [e for e in page.root.iter() if isinstance(e.tag, str) and (e.get("class") is not None
             or e.get("id") is not None) and pattern.search(f"{e.get('class') or ''} {e.get('id') or ''}".lower())]
    assert page.classed(pattern) == plain
    assert page.classed(pattern) == plain  # (asked again: the same)


def test_classed_on_a_page_without_classes() -> None:
    assert reader("<html><body><p>No names here.</p></body></html>").classed(re.compile(r"\S")) == []


def test_dates_and_titles_read_once_per_page_as_read_afresh() -> None:
    page = reader()
    for raw in ("2019-01-31", "January 31, 2019", "31/01/2019", "", None, "11:01 PM"):
        assert page.normalized(raw) == normalize_date(raw)
        assert page.normalized(raw) == normalize_date(raw)
    assert page._meta_titles() == page._read_meta_titles() == [("A story | News Example", "<title>")]


@pytest.mark.parametrize("line", ["First published on March 3, 2019", "FIRST PUBLISHED: March 3, 2019"])
def test_first_published_line_found_past_the_whole_text_gate(line: str) -> None:
    page = reader(f"<html><body><h1>A story</h1><div><p>{line}</p></div><p>Text of the story.</p></body></html>")
    found = page._first_published()
    assert found is not None and found.raw == "March 3, 2019"
    assert reader("<html><body><h1>A story</h1><p>Published March 3, 2019</p></body></html>")._first_published() is None


@pytest.mark.parametrize("html", [
    HTML,
    "<html><head><title>T</title><script>var x = 1;</script></head><!-- c --><body><p>One <a>link</a> two</p>"
    "<textarea>code</textarea></body></html>",
    "<p>No body written: lxml makes one</p>",
    "<html><head><title>Only a head</title></head></html>",
])
def test_page_plain_length_is_the_roots_own(html: str) -> None:
    page = reader(html)
    assert page.page_plain_length() == _plain_text_length(page.root)


@pytest.mark.parametrize("href", ["/tag/budget/", "/ta\ng/budget/", "https://news.example/TOPICS/budget"])
def test_tag_page_links_found_past_the_address_gate(href: str) -> None:
    page = reader(f'<html><body><article><h1>A story</h1><p>The council met.</p><div class="x">'
                  f'<a href="{href}">Budget</a> <a href="/tag/city-hall/">City hall</a></div></article></body></html>')
    how, links = page._tag_page_links(page.headline())
    assert how and [link["name"] for link in links] == ["Budget", "City hall"]


def test_microdata_read_only_where_an_item_is() -> None:
    marked = ('<html><body><div itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">A story'
              '</h1><span itemprop="author">Jo Park</span></div></body></html>')
    assert read_structured(marked, URL).microdata_value("author") == "Jo Park"
    assert read_structured("<html><body><h1>A story</h1></body></html>", URL).microdata_value("author") is None


def test_named_is_classed_by_any_character_but_space() -> None:
    # (spaces of every kind str.isspace and the pattern's \s share: no-break, em, ideographic, line separator)
    html = HTML.replace("<h1", '<i class="\u00a0\u2003"></i><i id="\u3000\u2028"></i><i class="\u200b"></i><h1')
    page = reader(html)
    assert page.named() == page.classed(re.compile(r"\S"))
    assert len(page.named()) == len(page.classed(re.compile(r"\S"))) > 3


@pytest.mark.parametrize(("printed", "credit"), [
    ("By Ann Smith | Staff Writer | Tuesday, 25 November 2014 | 255 views", "By Ann Smith"),
    ("Posted at 10:00 am on June 19, 2019 by Brandon Morse", "by Brandon Morse"),
    ("By TPN, in News, Portugal, Business", "By TPN"),
    ("Oliver Gettell • @ogettell", "Oliver Gettell"),
    ("Mon, 6/3/2019 - by Ann Smith", "by Ann Smith"),
])
def test_clean_byline_with_its_expressions_compiled_once(printed: str, credit: str) -> None:
    assert clean_byline(printed) == credit


def test_furniture_tags_weighed_only_where_their_weight_decides() -> None:
    # a <nav> left open around the article stays, its buttons and captions go; a <form> of running text becomes text
    words = " ".join(["word"] * 50)
    page = reader(f'<html><body><nav><h1>A story</h1><p>{words}.</p><button>{words}</button>'
                  f'<figure><figcaption>A caption</figcaption></figure></nav><form><p>{words}.</p></form></body></html>')
    page._drop_furniture()
    assert [e.tag for e in page.root.iter("nav", "button", "figcaption", "form", "div")] == ["nav", "div"]
