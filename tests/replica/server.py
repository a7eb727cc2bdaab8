"""An offline replica of www.globalresearch.ca, standard library only.

Serves the fixture pages of ``tests/fixtures/globalresearch`` at their real paths, together with
``/robots.txt``, an RSS feed (``/feed``), a sitemap index with two children, and the
``/latest-news-and-top-stories/`` listing pages, with the awkward behaviours a crawler meets in
the wild (gzip, chunked transfer, a relative redirect, a listed article that is gone, a 500 that
heals, windows-1252, a PDF on an article URL, several Set-Cookie headers). The routes and their
behaviours are in ``globalresearch.toml``.

Other outlets are served from their own route table, ``tests/replica/<outlet>.toml``, which may move the
feed, the sitemap index and the listing pages (``feed_path``, ``sitemap_path``, ``listing_path``).

The pages' requisites (stylesheets, scripts, images, the web font, favicons) are served from
``tests/replica/assets/site/``: each table's ``[[assets]]`` maps the URL paths the pages ask for to a few
files there (query strings ignored). ``tests/replica/requisites.py`` says which paths each page needs.

Every GET and HEAD the server answers is logged (method, path, query, status): ``GET /__replica__/requests``
returns the log as JSON, ``POST /__replica__/clear-requests`` (or ``/__replica__/reset``) empties it.

Run it in the foreground::

    python -m tests.replica.server --port 8000 [--host 127.0.0.1] [--with-later] [--outlet sputnik]

or from tests with :class:`ReplicaServer`, which runs it in a subprocess.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import gzip
import hashlib
import html
import json
import math
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
ROUTES_FILE = HERE / "globalresearch.toml"
ASSETS_DIR = HERE / "assets"
SITE_ASSETS_DIR = ASSETS_DIR / "site"
LISTING_PREFIX = "/latest-news-and-top-stories/"
CONTROL_PREFIX = "/__replica__/"
CHUNK_SIZE = 4096
REQUEST_LOG_LIMIT = 200_000
"""The request log keeps the newest this many requests (a long bench run would otherwise grow it forever)."""

ASSET_TYPES = {
    ".css": "text/css",
    ".js": "application/javascript",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}
"""Content-Type of a requisite, by the suffix of its file under ``assets/site/``."""
ASSET_LAST_MODIFIED = "Tue, 04 Apr 2017 10:00:00 GMT"


RAW_UTF8_DISPOSITION = 'inline; filename="lettre-à-la-clinique.html"'.encode()


@dataclass(frozen=True)
class Article:
    """One route of the table, with what the feed, sitemap and listing need to know of it."""

    path: str
    published: datetime
    body: bytes
    content_type: str
    status: int = 200
    gzip: bool = True
    chunked: bool = False
    fail_first: int = 0
    cookies: tuple[str, ...] = ()
    old_path: str | None = None
    later: bool = False
    title: str = ""
    creator: str = ""
    summary: str = ""
    author_links: tuple[tuple[str, str], ...] = ()
    category_links: tuple[tuple[str, str], ...] = ()

    @property
    def is_page(self) -> bool:
        """A live HTML article: listed in the feed and on the listing pages."""
        return self.status == 200 and self.content_type.startswith("text/html")

    @property
    def article_id(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Asset:
    """One requisite file of ``assets/site/``, served at every path of its ``[[assets]]`` row."""

    file: str
    body: bytes
    content_type: str

    @property
    def gzip(self) -> bool:
        """Text (CSS, JS, SVG) goes gzipped when the client accepts it, as real servers send it."""
        return self.content_type.startswith(("text/", "application/javascript", "image/svg"))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    """The replica's content and its mutable, per-process state."""

    origin: str
    articles: list[Article]
    listing_per_page: int = 5
    feed_size: int = 10
    sitemap_per_file: int = 9
    later_published: bool = False
    link_origin: str | None = None
    title: str = "Global Research"
    feed_path: str = "/feed"
    sitemap_path: str = "/sitemap.xml"
    listing_path: str = LISTING_PREFIX
    assets: dict[str, Asset] = field(default_factory=dict)
    asset_globs: list[tuple[str, Asset]] = field(default_factory=list)
    _hits: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _requests: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=REQUEST_LOG_LIMIT)
    )
    _logged: int = 0

    # -- state ------------------------------------------------------------------------------
    def count_hit(self, path: str) -> int:
        """Count a request for `path`; returns how many came before this one."""
        with self._lock:
            seen = self._hits.get(path, 0)
            self._hits[path] = seen + 1
            return seen

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self.later_published = False
            self._requests.clear()
            self._logged = 0

    def log_request(self, method: str, target: str, status: int) -> None:
        """Note one answered request: method, path, query (raw, as sent) and status."""
        parts = urlsplit(target)
        entry = {"method": method, "path": parts.path or "/", "query": parts.query, "status": status}
        with self._lock:
            self._requests.append(entry)
            self._logged += 1

    def request_log(self) -> dict[str, Any]:
        """The log, oldest first; `dropped` counts the entries pushed out by REQUEST_LOG_LIMIT."""
        with self._lock:
            requests = list(self._requests)
            return {"requests": requests, "dropped": self._logged - len(requests)}

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._logged = 0

    # -- views ------------------------------------------------------------------------------
    def visible(self) -> list[Article]:
        """Articles that exist right now, oldest first."""
        items = [a for a in self.articles if self.later_published or not a.later]
        return sorted(items, key=lambda a: a.published)

    def newest_pages(self) -> list[Article]:
        return [a for a in reversed(self.visible()) if a.is_page]

    def by_path(self, path: str) -> Article | None:
        for article in self.visible():
            if article.path == path or article.path.rstrip("/") == path.rstrip("/"):
                return article
        return None

    def by_old_path(self, path: str) -> Article | None:
        for article in self.visible():
            if article.old_path is not None and article.old_path.rstrip("/") == path.rstrip("/"):
                return article
        return None

    def link(self, path: str) -> str:
        return (self.link_origin or self.origin).rstrip("/") + path

    def self_linked(self, body: bytes) -> bytes:
        """A page whose links to any host of the outlet's domain name the replica instead, when the replica
        links to itself (`link_origin="self"`): then what a crawl archives is what the page names, as on the
        real web, and a replay finds every requisite under the URL the page asks for."""
        if not self.link_origin or not body:
            return body
        domain = (urlsplit(self.origin).hostname or "").removeprefix("www.")
        pattern = re.compile(rb"(?:https?:)?//(?:[a-z0-9-]+\.)*" + re.escape(domain.encode()) + rb"(?=[/\"'\s?#]|$)",
                             re.IGNORECASE)
        return pattern.sub(self.link_origin.rstrip("/").encode(), body)

    def asset(self, path: str) -> Asset | None:
        """The requisite served at `path` (a URL path, without its query), if any."""
        found = self.assets.get(path)
        if found is not None:
            return found
        for pattern, asset in self.asset_globs:
            if fnmatch.fnmatchcase(path, pattern):
                return asset
        return None


# ------------------------------------------------------------------------------------------------
# Loading the route table
# ------------------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")


def _text(fragment: str) -> str:
    return _WS.sub(" ", html.unescape(_TAG.sub("", fragment))).strip()


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, re.S)
    return match.group(1) if match else None


def _charset(content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type)
    return match.group(1) if match else "utf-8"


def _page_metadata(body: bytes, charset: str) -> dict[str, Any]:
    text = body.decode(charset, errors="replace")
    title = _first(r'<h2 itemprop="headline">(.*?)</h2>', text) or _first(
        r'<meta property="og:title" content="([^"]*)"', text
    )
    byline = _first(r'<div class="author">(.*?)</div>', text)
    summary = _first(r'<meta property="og:description" content="([^"]*)"', text) or _first(
        r'<meta name="description" content="([^"]*)"', text
    )
    authors: list[tuple[str, str]] = []
    if byline:
        authors = [(href, _text(name)) for href, name in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', byline)]
    categories: list[tuple[str, str]] = []
    block = _first(r'<div class="catAndTag">(.*?)\n</div>', text)
    if block:
        categories = [(href, _text(name)) for href, name in re.findall(r'<a href="([^"]+)" rel="tag">(.*?)</a>', block)]
    creator = re.sub(r"^By\s+", "", _text(byline)) if byline else ""
    return {
        "title": _text(title) if title else "",
        "creator": creator,
        "summary": html.unescape(summary) if summary else "",
        "author_links": tuple(authors),
        "category_links": tuple(categories),
    }


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_assets(table: dict[str, Any]) -> tuple[dict[str, Asset], list[tuple[str, Asset]]]:
    """The route table's ``[[assets]]`` rows: each names a file of assets/site/ and the paths it answers.

    Keys: ``file`` (required), ``paths`` (exact URL paths), ``globs`` (fnmatch patterns, for paths the
    replica makes up, like the listing's thumbnails), ``content_type`` (default: by the file's suffix).
    """
    exact: dict[str, Asset] = {}
    globs: list[tuple[str, Asset]] = []
    bodies: dict[str, bytes] = {}
    for row in table.get("assets", []):
        name = str(row["file"])
        source = (SITE_ASSETS_DIR / name).resolve()
        if SITE_ASSETS_DIR.resolve() not in source.parents:
            raise ValueError(f"asset {name!r} is outside {SITE_ASSETS_DIR}")
        if name not in bodies:
            bodies[name] = source.read_bytes()
        content_type = str(row.get("content_type") or ASSET_TYPES[source.suffix.lower()])
        asset = Asset(file=name, body=bodies[name], content_type=content_type)
        for path in row.get("paths", []):
            if str(path) in exact:
                raise ValueError(f"asset path {path!r} is mapped twice")
            exact[str(path)] = asset
        globs += [(str(pattern), asset) for pattern in row.get("globs", [])]
    return exact, globs


def load_site(routes_file: Path = ROUTES_FILE) -> Site:
    """Read the TOML route table and the files it points at."""
    with routes_file.open("rb") as fh:
        table = tomllib.load(fh)
    assets, asset_globs = load_assets(table)
    fixtures = (routes_file.parent / table.get("fixtures", "../fixtures/globalresearch")).resolve()
    articles: list[Article] = []
    for row in table["articles"]:
        content_type = str(row.get("content_type", "text/html; charset=UTF-8"))
        if "file" in row:
            body = (fixtures / row["file"]).read_bytes()
        elif "asset" in row:
            body = (ASSETS_DIR / row["asset"]).read_bytes()
        else:
            body = b""
        meta: dict[str, Any] = {}
        if body and content_type.startswith("text/html"):
            meta = _page_metadata(body, _charset(content_type))
        for key in ("title", "creator", "summary"):
            if key in row:
                meta[key] = str(row[key])
        articles.append(
            Article(
                path=str(row["path"]),
                published=_parse_time(str(row["published"])),
                body=body,
                content_type=content_type,
                status=int(row.get("status", 200)),
                gzip=bool(row.get("gzip", True)),
                chunked=bool(row.get("chunked", False)),
                fail_first=int(row.get("fail_first", 0)),
                cookies=tuple(str(c) for c in row.get("cookies", [])),
                old_path=row.get("old_path"),
                later=bool(row.get("later", False)),
                **meta,
            )
        )
    return Site(
        origin=str(table.get("origin", "https://www.globalresearch.ca")),
        articles=articles,
        listing_per_page=int(table.get("listing_per_page", 5)),
        feed_size=int(table.get("feed_size", 10)),
        sitemap_per_file=int(table.get("sitemap_per_file", 9)),
        title=str(table.get("title", "Global Research")),
        feed_path=str(table.get("feed_path", "/feed")),
        sitemap_path=str(table.get("sitemap_path", "/sitemap.xml")),
        listing_path=str(table.get("listing_path", LISTING_PREFIX)),
        assets=assets,
        asset_globs=asset_globs,
    )


# ------------------------------------------------------------------------------------------------
# Generated documents
# ------------------------------------------------------------------------------------------------


def _gr_date(when: datetime) -> str:
    return f"{when:%B} {when.day:02d}, {when.year}"


def robots_txt(site: Site) -> bytes:
    return (
        "User-agent: *\n"
        "Disallow: /wp-admin/\n"
        "Allow: /wp-admin/admin-ajax.php\n"
        "Disallow: /__replica__/\n"
        "\n"
        f"Sitemap: {site.link(site.sitemap_path)}\n"
    ).encode()


def feed_xml(site: Site) -> bytes:
    items = site.newest_pages()[: site.feed_size]
    build = items[0].published if items else datetime(2019, 1, 1, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
        '\txmlns:atom="http://www.w3.org/2005/Atom"',
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
        "<channel>",
        f"\t<title>{xml_escape(site.title)}</title>",
        f'\t<atom:link href="{site.link(site.feed_path)}" rel="self" type="application/rss+xml" />',
        f"\t<link>{site.link('')}</link>",
        "\t<description>Centre for Research on Globalization</description>",
        f"\t<lastBuildDate>{format_datetime(build)}</lastBuildDate>",
        "\t<language>en-US</language>",
        "\t<sy:updatePeriod>hourly</sy:updatePeriod>",
        "\t<sy:updateFrequency>1</sy:updateFrequency>",
        "\t<generator>https://wordpress.org/?v=4.7.3</generator>",
    ]
    for article in items:
        link = site.link(article.old_path or article.path)
        out += [
            "\t<item>",
            f"\t\t<title>{xml_escape(article.title)}</title>",
            f"\t\t<link>{xml_escape(link)}</link>",
            f"\t\t<pubDate>{format_datetime(article.published)}</pubDate>",
            f"\t\t<dc:creator><![CDATA[{article.creator or site.title}]]></dc:creator>",
        ]
        out += [f"\t\t<category><![CDATA[{name}]]></category>" for _, name in article.category_links]
        out += [
            f'\t\t<guid isPermaLink="false">{site.link("/?p=" + article.article_id)}</guid>',
            f"\t\t<description><![CDATA[{article.summary}]]></description>",
            "\t</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out).encode()


def _sitemap_parts(site: Site) -> list[list[Article]]:
    items = site.visible()
    size = max(1, site.sitemap_per_file)
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def sitemap_index_xml(site: Site) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for number, part in enumerate(_sitemap_parts(site), 1):
        out.append("\t<sitemap>")
        out.append(f"\t\t<loc>{site.link(f'/sitemap-posts-{number}.xml')}</loc>")
        if part:
            out.append(f"\t\t<lastmod>{part[-1].published.isoformat()}</lastmod>")
        out.append("\t</sitemap>")
    out += ["</sitemapindex>", ""]
    return "\n".join(out).encode()


def sitemap_part_xml(site: Site, number: int) -> bytes | None:
    parts = _sitemap_parts(site)
    if not 1 <= number <= len(parts):
        return None
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for article in parts[number - 1]:
        out += [
            "\t<url>",
            f"\t\t<loc>{xml_escape(site.link(article.path))}</loc>",
            f"\t\t<lastmod>{article.published.isoformat()}</lastmod>",
            "\t\t<changefreq>monthly</changefreq>",
            "\t\t<priority>0.6</priority>",
            "\t</url>",
        ]
    out += ["</urlset>", ""]
    return "\n".join(out).encode()


def _shell(title: str, inner: str) -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="en-US">
<head>
<title>{html.escape(title)} - Global Research - Centre for Research on Globalization</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="all,index,follow" />
<link rel="stylesheet" type="text/css" media="all"
 href="https://www.globalresearch.ca/wp-content/themes/globalresearch/all.css?t=002" />
<link rel="alternate" type="application/rss+xml" title="Global Research &raquo; Feed"
 href="https://www.globalresearch.ca/feed" />
</head>
<body>
<div id="wrapper"><div class="w1"><div class="w2">
<div id="header"><h1 class="logo_en">
<a href="https://www.globalresearch.ca" title="Global Research">Global Research</a></h1></div>
<div id="main"><div class="main-c"><div class="main-content"><div id="content">
{inner}
</div></div></div></div>
<div id="footer"><div class="text-container">
<strong class="footer-logo"><a href="/">GlobalResearch Center for Research on Globalization</a></strong>
<a class="privacy" href="/privacy-policy/">Privacy Policy</a>
</div></div>
</div></div></div>
</body>
</html>
"""


def listing_html(site: Site, page: int) -> bytes | None:
    pages = site.newest_pages()
    per = max(1, site.listing_per_page)
    last = max(1, math.ceil(len(pages) / per))
    if not 1 <= page <= last:
        return None

    def page_url(n: int) -> str:
        prefix = site.listing_path
        return site.link(prefix if n == 1 else f"{prefix.rstrip('/')}/page/{n}/")

    blocks = []
    for article in pages[(page - 1) * per : page * per]:
        url = html.escape(site.link(article.path))
        title = html.escape(article.title)
        authors = " and ".join(
            f'<a href="{html.escape(site.link(urlsplit(href).path))}">{html.escape(name)}</a>'
            for href, name in article.author_links
        )
        byline = f"By {authors}" if authors else html.escape(article.creator)
        cats = ", ".join(
            f'<a href="{html.escape(site.link(urlsplit(href).path))}" rel="tag">{html.escape(name)}</a>'
            for href, name in article.category_links
        )
        blocks.append(
            f"""<div class="article" id="post-{article.article_id}">
<div class="thumbnail"><a href="{url}"><img width="120" height="80" alt=""
 src="https://www.globalresearch.ca/wp-content/uploads/replica/{article.article_id}-120x80.jpg" /></a></div>
<strong class="title"><a href="{url}" title="{title}">{title}</a></strong>
<div class="author">{byline}</div>
<div class="date">Global Research, {_gr_date(article.published)}</div>
<div class="cats">{cats}</div>
<p class="excerpt">{html.escape(article.summary)} <a class="more-link" href="{url}">Read more</a></p>
</div>"""
        )
    nav = []
    if page > 1:
        nav.append(f'<a class="prev page-numbers" href="{page_url(page - 1)}">&laquo; previous page</a>')
    for n in range(1, last + 1):
        if n == page:
            nav.append(f'<span class="page-numbers current">{n}</span>')
        else:
            nav.append(f'<a class="page-numbers" href="{page_url(n)}">{n}</a>')
    if page < last:
        nav.append(f'<a class="next page-numbers" rel="next" href="{page_url(page + 1)}">next page &raquo;</a>')
    inner = f"""<div class="archive-header"><h2 class="page-title">Latest News &amp; Top Stories</h2></div>
<div class="sidebar-links">
<a href="{site.link("/theme/global-economy")}">Global Economy</a> |
<a href="{site.link("/region/europe")}">Europe</a> |
<a href="{site.link("/author/global-research-news")}">Global Research News</a>
</div>
<div class="latestnews archive-list">
{chr(10).join(blocks)}
</div>
<div class="pagination">
{chr(10).join(nav)}
</div>"""
    return _shell("Latest News &amp; Top Stories", inner).encode()


def not_found_html() -> bytes:
    inner = """<div class="post"><h2>Page not found</h2>
<p>Sorry, the page you requested could not be found. It may have been moved or removed.</p>
<p><a href="https://www.globalresearch.ca/">Back to Global Research</a></p></div>"""
    return _shell("Page not found", inner).encode()


def error_html() -> bytes:
    return _shell("Error", "<h2>Internal Server Error</h2><p>Please try again later.</p>").encode()


# ------------------------------------------------------------------------------------------------
# HTTP
# ------------------------------------------------------------------------------------------------


class ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, *, verbose: bool = False) -> None:
        super().__init__(address, ReplicaHandler)
        self.site = site
        self.verbose = verbose


class ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "replica"

    server: ReplicaHTTPServer

    def version_string(self) -> str:
        return "replica"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- dispatch ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urlsplit(self.path).path
        site = self.server.site
        if path == CONTROL_PREFIX + "publish-later":
            site.later_published = True
        elif path == CONTROL_PREFIX + "reset":
            site.reset()
        elif path == CONTROL_PREFIX + "clear-requests":
            site.clear_requests()
        else:
            self._send(404, not_found_html(), "text/html; charset=UTF-8", head=False)
            return
        body = json.dumps({"later": site.later_published}).encode()
        self._send(200, body, "application/json", head=False, compress=False)

    def _dispatch(self, *, head: bool) -> None:
        site = self.server.site
        path = urlsplit(self.path).path or "/"
        if path == CONTROL_PREFIX + "requests":
            body = json.dumps(site.request_log()).encode()
            self._send(200, body, "application/json", head=head, compress=False)
            return
        if path == "/robots.txt":
            self._send(200, robots_txt(site), "text/plain; charset=utf-8", head=head)
            return
        if path.rstrip("/") in (site.feed_path.rstrip("/"), site.feed_path.rstrip("/") + "/rss2"):
            self._send(200, feed_xml(site), "application/rss+xml; charset=UTF-8", head=head)
            return
        if path == site.sitemap_path:
            self._send(200, sitemap_index_xml(site), "application/xml; charset=UTF-8", head=head)
            return
        match = re.fullmatch(r"/sitemap-posts-(\d+)\.xml", path)
        if match:
            part = sitemap_part_xml(site, int(match.group(1)))
            if part is not None:
                self._send(200, part, "application/xml; charset=UTF-8", head=head)
                return
        match = re.fullmatch(re.escape(site.listing_path.rstrip("/")) + r"(?:/page/(\d+))?/?", path)
        if match:
            listing = listing_html(site, int(match.group(1) or 1))
            if listing is not None:
                self._send(200, listing, "text/html; charset=UTF-8", head=head)
                return
        article = site.by_path(path)
        if article is not None:
            self._serve_article(article, head=head)
            return
        moved = site.by_old_path(path)
        if moved is not None:
            self._send(
                301,
                _shell("Moved", f'<p>Moved to <a href="{moved.path}">{moved.path}</a></p>').encode(),
                "text/html; charset=UTF-8",
                head=head,
                extra=[("Location", moved.path)],
            )
            return
        asset = site.asset(path)
        if asset is not None:
            self._send(
                200,
                asset.body,
                asset.content_type,
                head=head,
                compress=asset.gzip,
                extra=[
                    ("Last-Modified", ASSET_LAST_MODIFIED),
                    ("ETag", asset.etag),
                    ("Cache-Control", "public, max-age=31536000"),
                ],
            )
            return
        self._send(404, not_found_html(), "text/html; charset=UTF-8", head=head)

    def _serve_article(self, article: Article, *, head: bool) -> None:
        seen = self.server.site.count_hit(article.path)
        if seen < article.fail_first:
            self._send(500, error_html(), "text/html; charset=UTF-8", head=head)
            return
        if article.status != 200:
            self._send(article.status, not_found_html(), "text/html; charset=UTF-8", head=head)
            return
        self._send(
            200,
            self.server.site.self_linked(article.body),
            article.content_type,
            head=head,
            compress=article.gzip,
            chunked=article.chunked,
            extra=[("Set-Cookie", cookie) for cookie in article.cookies]
            + [("Last-Modified", format_datetime(article.published.astimezone(UTC), usegmt=True))]
            # Raw UTF-8 in a header value, as real servers send (http.server writes str as latin-1):
            # the WARC must keep these bytes, not warcio's percent-encoded rewrite of them.
            + ([("Content-Disposition", RAW_UTF8_DISPOSITION.decode("latin-1"))] if article.cookies else []),
        )

    # -- writing ----------------------------------------------------------------------------
    def _accepts_gzip(self) -> bool:
        for part in (self.headers.get("Accept-Encoding") or "").split(","):
            name, _, params = part.strip().partition(";")
            if name.strip().lower() in ("gzip", "x-gzip", "*"):
                return not re.search(r"q\s*=\s*0(\.0*)?\s*$", params)
        return False

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        head: bool,
        compress: bool = True,
        chunked: bool = False,
        extra: Sequence[tuple[str, str]] = (),
    ) -> None:
        if self.command in ("GET", "HEAD") and not urlsplit(self.path).path.startswith(CONTROL_PREFIX):
            self.server.site.log_request(self.command, self.path, status)
        encoded = body
        gzipped = compress and status == 200 and self._accepts_gzip()
        if gzipped:
            encoded = gzip.compress(body, mtime=0)
        self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else None)
        self.send_header("Content-Type", content_type)
        if compress:
            self.send_header("Vary", "Accept-Encoding")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        for name, value in extra:
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        if head:
            return
        if chunked:
            for start in range(0, len(encoded), CHUNK_SIZE):
                piece = encoded[start : start + CHUNK_SIZE]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(encoded)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    with_later: bool = False,
    link_origin: str | None = None,
    verbose: bool = False,
    routes_file: Path = ROUTES_FILE,
) -> ReplicaHTTPServer:
    """Build (bind, not start) a replica server; `link_origin="self"` makes links point at it."""
    site = load_site(routes_file)
    site.later_published = with_later
    server = ReplicaHTTPServer((host, port), site, verbose=verbose)
    if link_origin == "self":
        site.link_origin = f"http://{host}:{server.server_address[1]}"
    elif link_origin:
        site.link_origin = link_origin
    return server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.replica.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--with-later", action="store_true", help="publish the 'later' articles from the start")
    parser.add_argument(
        "--link-origin",
        default=None,
        help="origin used in generated links (feed, sitemap, listing, robots); 'self' = this server; "
        "default https://www.globalresearch.ca as on the real site",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--outlet", default="globalresearch", help="serve tests/replica/<outlet>.toml")
    parser.add_argument("--routes", type=Path, default=None, help="a route table elsewhere (overrides --outlet)")
    args = parser.parse_args(argv)
    routes = args.routes or HERE / f"{args.outlet}.toml"
    if not routes.is_file():
        parser.error(f"no route table {routes}")
    server = make_server(
        args.host, args.port, with_later=args.with_later, link_origin=args.link_origin, verbose=args.verbose,
        routes_file=routes,
    )
    print(f"serving http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


# ------------------------------------------------------------------------------------------------
# Test helpers
# ------------------------------------------------------------------------------------------------


def request_log(base_url: str) -> list[dict[str, Any]]:
    """The requests a running replica answered, oldest first (``GET /__replica__/requests``).

    Each is ``{"method": "GET", "path": "/wp-content/themes/globalresearch/all.css", "query": "t=002",
    "status": 200}``; the control requests under /__replica__/ are not logged.
    """
    with urllib.request.urlopen(base_url.rstrip("/") + CONTROL_PREFIX + "requests", timeout=10) as response:
        data = json.loads(response.read())
    return list(data["requests"])


def clear_requests(base_url: str) -> None:
    """Empty a running replica's request log (``POST /__replica__/clear-requests``)."""
    request = urllib.request.Request(base_url.rstrip("/") + CONTROL_PREFIX + "clear-requests", data=b"",
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


class ReplicaServer:
    """Runs the replica in a subprocess (so it shares no CPU or memory with the crawler).

    ``start()`` returns the base URL once the server answers; ``stop()`` ends it. Also a context
    manager::

        with ReplicaServer(with_later=False) as base_url:
            ...
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        with_later: bool = False,
        link_origin: str | None = None,
        startup_timeout: float = 20.0,
        outlet: str = "globalresearch",
        routes: Path | None = None,
    ) -> None:
        self.outlet = outlet
        self.routes = routes
        self.host = host
        self.port = port
        self.with_later = with_later
        self.link_origin = link_origin
        self.startup_timeout = startup_timeout
        self.url: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def start(self) -> str:
        if self._proc is not None and self.url is not None:
            return self.url
        cmd = [sys.executable, "-m", "tests.replica.server", "--host", self.host, "--port", str(self.port)]
        if self.with_later:
            cmd.append("--with-later")
        if self.link_origin:
            cmd += ["--link-origin", self.link_origin]
        cmd += ["--routes", str(self.routes)] if self.routes else ["--outlet", self.outlet]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._proc.stdout
        assert stdout is not None

        def pump() -> None:
            for line in stdout:
                lines.put(line)

        threading.Thread(target=pump, name="replica-stdout", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        first = ""
        while time.monotonic() < deadline:
            try:
                first = lines.get(timeout=0.1)
                break
            except queue.Empty:
                if self._proc.poll() is not None:
                    break
        match = re.match(r"serving (http://\S+)", first)
        if not match:
            self._fail(f"replica did not start (first line: {first!r})")
        url = match.group(1) if match else ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/robots.txt", timeout=2) as response:
                    if response.status == 200:
                        self.url = url
                        clear_requests(url)  # the log starts empty: without this probe
                        return url
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self._fail("replica did not answer in time")
        raise AssertionError("unreachable")

    def _fail(self, message: str) -> None:
        err = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            err = self._stderr.read()
        self.stop()
        raise RuntimeError(f"{message}\n{err}")

    def publish_later(self) -> None:
        """Make the 'later' articles appear (POST /__replica__/publish-later)."""
        if self.url is None:
            raise RuntimeError("replica not started")
        request = urllib.request.Request(self.url + CONTROL_PREFIX + "publish-later", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    def requests(self) -> list[dict[str, Any]]:
        """Every GET and HEAD answered since the start (or the last clear), oldest first."""
        if self.url is None:
            raise RuntimeError("replica not started")
        return request_log(self.url)

    def clear_requests(self) -> None:
        if self.url is None:
            raise RuntimeError("replica not started")
        clear_requests(self.url)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.url = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    raise SystemExit(main())
