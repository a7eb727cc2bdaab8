"""Page requisites found in HTML and CSS (crawler/requisites.py), and the spider's choices about them."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.crawl import CrawlIdentity
from crawler.requisites import css_requisites, html_requisites, script_requisites
from crawler.spiders.requisites import RequisiteScheduler
from settings import base

PAGE = """<html><head><base href="https://www.example.org/news/">
<link rel="stylesheet" href="/css/site.css?v=2"><link rel="Shortcut Icon" href="/favicon.ico">
<link rel="preload" as="font" href="/fonts/a.woff2"><link rel="alternate" href="/feed">
<link rel="stylesheet" href="data:text/css,body{}">
<meta property="og:image" content="https://cdn.example.net/lead.jpg">
<style>@import "print.css"; .hero { background: url('img/hero.png') }</style>
<script src="app.js"></script><script>var x = "not-a-src.js";</script></head>
<body style="background-image: url(/img/bg.gif)">
<img src="a.png" srcset="a-1x.png 1x, /b-2x.png 2x"><img data-src="lazy.jpg">
<picture><source srcset="p.webp 800w, p2.webp 1600w"><img src="p.jpg"></picture>
<video poster="/poster.jpg"></video><a href="/other-article/123">not a requisite</a>
<img src="javascript:void(0)"><img src="#top"><img src="/css/site.css?v=2">
</body></html>"""


def test_html_requisites_in_page_order_each_once() -> None:
    found = html_requisites(PAGE, "https://www.example.org/news/story/1")
    assert found == [
        "https://www.example.org/css/site.css?v=2", "https://www.example.org/favicon.ico",
        "https://www.example.org/fonts/a.woff2", "https://cdn.example.net/lead.jpg",
        "https://www.example.org/news/print.css", "https://www.example.org/news/img/hero.png",
        "https://www.example.org/news/app.js", "https://www.example.org/img/bg.gif",
        "https://www.example.org/news/a.png", "https://www.example.org/news/a-1x.png", "https://www.example.org/b-2x.png",
        "https://www.example.org/news/lazy.jpg", "https://www.example.org/news/p.webp",
        "https://www.example.org/news/p2.webp", "https://www.example.org/news/p.jpg",
        "https://www.example.org/poster.jpg",
    ]


def test_css_requisites_follow_imports_fonts_and_images_relative_to_the_sheet() -> None:
    css = """@charset "utf-8"; @import url("base.css"); @import 'print.css' print;
    /* url(commented-out.png) */
    @font-face { font-family: X; src: url(../fonts/x.woff2) format("woff2"), url('x.ttf') }
    @media screen { .a { background: #fff url(img/bg.png) no-repeat } }
    .b { background-image: url(data:image/png;base64,AAAA) } .c { cursor: url("/cur.cur"), auto }"""
    assert css_requisites(css, "https://h.example/theme/css/all.css?t=1") == [
        "https://h.example/theme/css/base.css", "https://h.example/theme/css/print.css",
        "https://h.example/theme/fonts/x.woff2", "https://h.example/theme/css/x.ttf",
        "https://h.example/theme/css/img/bg.png", "https://h.example/cur.cur",
    ]


def test_files_an_inline_script_loads_are_found_speculatively() -> None:
    """As Heritrix's ExtractorJS: quoted absolute URLs of assets, JSON-escaped slashes too; not other strings."""
    script = r"""var s = d.createElement("script"); s.src = "https://h.example/js/emoji.js?ver=4.7.3";
    var covers = ['https://store.h.example/images/1/cover.jpg', "https:\/\/h.example\/img\/a.PNG"];
    var page = "https://h.example/an-article/123"; var base = "https://s.w.org/images/";"""
    assert script_requisites(script) == ["https://h.example/js/emoji.js?ver=4.7.3",
                                         "https://store.h.example/images/1/cover.jpg", "https://h.example/img/a.PNG"]
    page = f"<html><head><script>{script}</script></head><body></body></html>"
    assert "https://h.example/js/emoji.js?ver=4.7.3" in html_requisites(page, "https://h.example/x")


def test_broken_markup_gives_what_it_can_and_never_raises() -> None:
    assert html_requisites("", "https://h.example/") == []
    assert html_requisites("\x00\x01<p><img src=a.png></p>", "https://h.example/") == ["https://h.example/a.png"]
    assert css_requisites("a { background: url(", "https://h.example/") == []


def _scheduler(mirror: bool = False, **settings: object) -> tuple[RequisiteScheduler, MemoryStatsCollector]:
    values = {name: getattr(base, name) for name in dir(base) if name.startswith("REQUISITES_")}
    stats = MemoryStatsCollector(get_crawler())
    identity = CrawlIdentity(outlet="gr", outlet_origin="https://www.example.org", domains=("example.org",),
                             crawl_id="c1", fetch_origin="http://127.0.0.1:9" if mirror else "https://www.example.org")
    return RequisiteScheduler(identity, ("cdn.example.net",), Settings({**values, **settings}), stats), stats


def _page(url: str = "https://www.example.org/news/story/1") -> tuple[list[str], str]:
    """What the spider hands the scheduler: the page's requisites (read_page finds them) and its URL."""
    return html_requisites(PAGE, url), url


def test_each_requisite_once_per_crawl_on_the_outlet_and_its_asset_hosts() -> None:
    scheduler, stats = _scheduler()
    first = list(scheduler.of_page(*_page(), lambda r: iter(()), lambda f: None))
    assert len(first) == 16
    assert all(r.meta["archive_kind"] == "requisite" and r.meta["dont_obey_robotstxt"] for r in first)
    assert list(scheduler.of_page(*_page("https://www.example.org/news/story/2"), lambda r: iter(()),
                                  lambda f: None)) == []  # the same requisites: fetched once per crawl
    assert stats.get_value("requisites/scheduled") == 16


def test_budgets_hold_requisites_back_with_stats() -> None:
    scheduler, stats = _scheduler(REQUISITES_PER_PAGE=5)
    assert len(list(scheduler.of_page(*_page(), lambda r: iter(()), lambda f: None))) == 5
    assert stats.get_value("requisites/skipped/page_budget") == 11
    scheduler, stats = _scheduler(REQUISITES_MAX_COUNT=3)
    assert len(list(scheduler.of_page(*_page(), lambda r: iter(()), lambda f: None))) == 3
    assert stats.get_value("requisites/skipped/crawl_budget") == 13


def test_a_mirror_crawl_fetches_the_outlet_s_requisites_from_the_mirror_only() -> None:
    scheduler, stats = _scheduler(mirror=True)
    requests = list(scheduler.of_page(*_page("http://127.0.0.1:9/news/story/1"), lambda r: iter(()),
                                      lambda f: None))
    assert {r.url.split("/")[2] for r in requests} == {"127.0.0.1:9"}
    assert stats.get_value("requisites/skipped/not_mirrored") == 1  # the CDN's lead image


def test_a_stylesheet_s_own_requisites_are_requested_and_other_files_are_not_parsed() -> None:
    scheduler, stats = _scheduler()
    css = HtmlResponse("https://www.example.org/css/site.css", body=b"body{background:url(bg.png)}",
                       headers={"Content-Type": "text/css"}, encoding="utf-8",
                       request=Request("https://www.example.org/css/site.css", meta={"requisite_depth": 1}))
    css.request.meta["requisite_depth"] = 1  # type: ignore[union-attr]
    (child,) = scheduler.of_stylesheet(css, lambda r: iter(()), lambda f: None)
    assert child.url == "https://www.example.org/css/bg.png" and child.meta["requisite_depth"] == 2
    image = HtmlResponse("https://www.example.org/a.png", body=b"\x89PNG", headers={"Content-Type": "image/png"},
                         request=Request("https://www.example.org/a.png"))
    assert list(scheduler.of_stylesheet(image, lambda r: iter(()), lambda f: None)) == []
    assert stats.get_value("requisites/fetched") == 2


def test_the_requisite_callback_is_no_generator_function_scrapy_would_read_the_source_of_per_response() -> None:
    """Scrapy checks a generator callback for a `return` with a value by reading its source and parsing it
    (scrapy.utils.misc.is_generator_with_return_value), cached by the callback object: a request's bound method is
    a new object, so every requisite response paid inspect.getsource and ast.parse (~0.1 ms) before its
    callback ran."""
    import inspect

    from crawler.spiders.outlet_spider import OutletSpider

    assert not inspect.isgeneratorfunction(OutletSpider.parse_requisite)
