"""The replica behaves like the parts of globalresearch.ca a crawler sees."""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

import pytest

from tests.replica.server import ROUTES_FILE, Article, ReplicaServer, load_site

ORIGIN = "https://www.globalresearch.ca"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
DC = "{http://purl.org/dc/elements/1.1/}creator"

SITE = load_site(ROUTES_FILE)
LATER = [a for a in SITE.articles if a.later]
CURRENT = [a for a in SITE.articles if not a.later]


def _one(predicate_name: str) -> Article:
    found = [a for a in SITE.articles if getattr(a, predicate_name)]
    assert found, f"the route table has no article with {predicate_name}"
    return found[0]


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes  # as sent on the wire, after de-chunking, before any decompression


def fetch(base: str, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Reply:
    """One request with http.client: no redirect following, no decompression."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return Reply(response.status, response.msg, body)
    finally:
        conn.close()


def local(url: str) -> str:
    """Path (with query) of an absolute globalresearch.ca link."""
    assert url.startswith(ORIGIN + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with ReplicaServer() as url:
        yield url


@pytest.fixture
def fresh() -> Iterator[str]:
    """A server of its own, for tests that change or count state."""
    with ReplicaServer() as url:
        yield url


def sitemap_urls(base: str) -> list[str]:
    index = fetch(base, "/sitemap.xml")
    assert index.status == 200
    assert index.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(index.body)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    children = [loc.text or "" for loc in root.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert [local(c) for c in children] == ["/sitemap-posts-1.xml", "/sitemap-posts-2.xml"]
    urls: list[str] = []
    for child in children:
        reply = fetch(base, local(child))
        assert reply.status == 200
        urlset = ET.fromstring(reply.body)
        for entry in urlset.findall("sm:url", SITEMAP_NS):
            loc = entry.findtext("sm:loc", namespaces=SITEMAP_NS)
            lastmod = entry.findtext("sm:lastmod", namespaces=SITEMAP_NS)
            assert loc
            assert lastmod
            assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", lastmod)
            urls.append(loc)
    return urls


def feed_items(base: str) -> list[ET.Element]:
    reply = fetch(base, "/feed")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(reply.body)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    return root.findall("channel/item")


def listing_links(body: bytes) -> list[str]:
    return re.findall(r'<strong class="title"><a href="([^"]+)"', body.decode())


def test_start_prints_url_and_every_response_has_date_and_server(base: str) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
    for path in ("/robots.txt", "/feed", "/no-such-page/123", CURRENT[0].path):
        reply = fetch(base, path)
        assert reply.headers["Server"] == "replica"
        assert reply.headers["Date"]


def test_robots_txt(base: str) -> None:
    reply = fetch(base, "/robots.txt")
    assert reply.status == 200
    text = reply.body.decode()
    assert "User-agent: *" in text
    assert "Disallow: /wp-admin/" in text
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in text


def test_feed_lists_the_newest_ten_with_dates_and_creators(base: str) -> None:
    items = feed_items(base)
    assert len(items) == 10
    current_paths = {a.path for a in CURRENT if a.is_page}
    old_paths = {a.old_path: a.path for a in CURRENT if a.old_path}
    seen = []
    for item in items:
        link = item.findtext("link") or ""
        path = local(link)
        assert path in current_paths or path in old_paths
        seen.append(old_paths.get(path, path))
        assert item.findtext("title")
        assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$", item.findtext("pubDate") or "")
        assert item.findtext(DC)
    newest = sorted((a for a in CURRENT if a.is_page), key=lambda a: a.published, reverse=True)[:10]
    assert seen == [a.path for a in newest]
    assert any(local(item.findtext("link") or "") in old_paths for item in items), "feed should link an old URL"


def test_sitemap_index_and_children_list_every_article(base: str) -> None:
    urls = sitemap_urls(base)
    assert sorted(local(u) for u in urls) == sorted(a.path for a in CURRENT)
    assert len(urls) == len(set(urls))


def test_every_listed_article_answers_as_configured(base: str) -> None:
    for url in sitemap_urls(base):
        article = SITE.by_path(local(url))
        assert article is not None
        if article.fail_first:
            continue  # counted per process; see test_fails_first_then_recovers
        reply = fetch(base, local(url))
        assert reply.status == article.status, url
        if article.status == 200:
            assert reply.headers["Content-Type"] == article.content_type


def test_gzip_when_accepted(base: str) -> None:
    article = next(a for a in CURRENT if a.is_page and a.gzip and not a.chunked and not a.fail_first)
    zipped = fetch(base, article.path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) == len(zipped.body)
    assert gzip.decompress(zipped.body) == article.body
    plain = fetch(base, article.path)
    assert plain.headers["Content-Encoding"] is None
    assert plain.body == article.body
    assert int(plain.headers["Content-Length"]) == len(article.body)


def test_page_without_gzip_flag_is_sent_identity(base: str) -> None:
    article = next(a for a in CURRENT if a.is_page and not a.gzip)
    reply = fetch(base, article.path, headers={"Accept-Encoding": "gzip"})
    assert reply.headers["Content-Encoding"] is None
    assert reply.body == article.body


def test_chunked_transfer(base: str) -> None:
    article = _one("chunked")
    for accept in ("identity", "gzip"):
        reply = fetch(base, article.path, headers={"Accept-Encoding": accept})
        assert reply.status == 200
        assert reply.headers["Transfer-Encoding"] == "chunked"
        assert reply.headers["Content-Length"] is None
        body = gzip.decompress(reply.body) if reply.headers["Content-Encoding"] == "gzip" else reply.body
        assert body == article.body


def test_old_url_redirects_with_a_relative_location(base: str) -> None:
    article = _one("old_path")
    assert article.old_path
    reply = fetch(base, article.old_path)
    assert reply.status == 301
    assert reply.headers["Location"] == article.path
    with urllib.request.urlopen(base + article.old_path, timeout=10) as response:
        assert response.status == 200
        assert response.url == base + article.path


def test_unknown_path_is_404(base: str) -> None:
    missing = ("/no-such-article/1234567", "/wp-admin/", "/sitemap-posts-9.xml", "/latest-news-and-top-stories/page/9/")
    for path in missing:
        reply = fetch(base, path)
        assert reply.status == 404, path
        assert b"Page not found" in reply.body


def test_listed_article_that_is_gone_is_404(base: str) -> None:
    gone = [a for a in CURRENT if a.status == 404]
    assert gone
    assert fetch(base, gone[0].path).status == 404
    assert gone[0].path in {local(u) for u in sitemap_urls(base)}


def test_fails_first_then_recovers(fresh: str) -> None:
    article = _one("fail_first")
    assert fetch(fresh, article.path).status == 500
    reply = fetch(fresh, article.path)
    assert reply.status == 200
    assert reply.body == article.body


def test_windows_1252_page(base: str) -> None:
    article = next(a for a in CURRENT if "windows-1252" in a.content_type)
    reply = fetch(base, article.path)
    assert reply.headers["Content-Type"] == "text/html; charset=windows-1252"
    with pytest.raises(UnicodeDecodeError):
        reply.body.decode("utf-8")
    text = reply.body.decode("cp1252")
    assert "Café" in text
    assert "“" in text


def test_pdf_on_an_article_url(base: str) -> None:
    article = next(a for a in CURRENT if a.content_type == "application/pdf")
    assert re.fullmatch(r"/[a-z0-9-]+/\d{7}", article.path)
    reply = fetch(base, article.path, headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.body.startswith(b"%PDF-1.4")
    assert reply.body.rstrip().endswith(b"%%EOF")


def test_two_set_cookie_headers(base: str) -> None:
    article = _one("cookies")
    reply = fetch(base, article.path)
    cookies = reply.headers.get_all("Set-Cookie") or []
    assert len(cookies) == 2


def test_listing_pages(base: str) -> None:
    pages = [a for a in CURRENT if a.is_page]
    first = fetch(base, "/latest-news-and-top-stories/")
    assert first.status == 200
    text = first.body.decode()
    assert len(listing_links(first.body)) == 5
    assert f'href="{ORIGIN}/latest-news-and-top-stories/page/2/"' in text
    assert "next page" in text
    for kind in ("author", "theme", "region"):
        assert f'href="{ORIGIN}/{kind}/' in text
    seen: list[str] = []
    path: str | None = "/latest-news-and-top-stories/"
    while path:
        reply = fetch(base, path)
        assert reply.status == 200
        seen += [local(u) for u in listing_links(reply.body)]
        nxt = re.search(r'class="next page-numbers" rel="next" href="([^"]+)"', reply.body.decode())
        path = local(nxt.group(1)) if nxt else None
    newest = sorted(pages, key=lambda a: a.published, reverse=True)
    assert seen == [a.path for a in newest]
    with_query = fetch(base, "/latest-news-and-top-stories/page/2/?utm_source=feed")
    assert with_query.status == 200
    assert listing_links(with_query.body) == [ORIGIN + a.path for a in newest[5:10]]


def test_head_request(base: str) -> None:
    article = next(a for a in CURRENT if a.is_page and not a.chunked)
    reply = fetch(base, article.path, method="HEAD")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["Content-Length"]) == len(article.body)


def test_later_articles_hidden_until_published(fresh: str) -> None:
    assert len(LATER) == 2
    later_paths = {a.path for a in LATER}
    for article in LATER:
        assert fetch(fresh, article.path).status == 404
    assert not later_paths & {local(i.findtext("link") or "") for i in feed_items(fresh)}
    assert not later_paths & {local(u) for u in sitemap_urls(fresh)}
    assert not later_paths & {local(u) for u in listing_links(fetch(fresh, "/latest-news-and-top-stories/").body)}

    assert fetch(fresh, "/__replica__/publish-later", method="POST").status == 200

    for article in LATER:
        reply = fetch(fresh, article.path)
        assert reply.status == 200
        assert reply.body == article.body
    assert later_paths <= {local(i.findtext("link") or "") for i in feed_items(fresh)}
    assert later_paths <= {local(u) for u in sitemap_urls(fresh)}
    assert later_paths <= {local(u) for u in listing_links(fetch(fresh, "/latest-news-and-top-stories/").body)}


def test_with_later_flag() -> None:
    with ReplicaServer(with_later=True) as url:
        for article in LATER:
            assert fetch(url, article.path).status == 200
        assert len(feed_items(url)) == 10


def test_link_origin_self() -> None:
    server = ReplicaServer(link_origin="self")
    url = server.start()
    try:
        items = feed_items(url)
        assert all((i.findtext("link") or "").startswith(url + "/") for i in items)
        assert f"Sitemap: {url}/sitemap.xml" in fetch(url, "/robots.txt").body.decode()
    finally:
        server.stop()
    assert server.url is None
