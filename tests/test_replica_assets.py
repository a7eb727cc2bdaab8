"""The replica serves its pages' requisites: real stylesheets, scripts, images, favicons and a web font.

Every requisite a replica page names on its outlet's own hosts (and every ``@import`` and ``url()`` of the
stylesheets it serves) answers 200 with a real file of the right Content-Type; the request log says what was
asked; what is on other hosts is listed in tests/replica/assets/site/README.md.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.replica.requisites import (
    all_requisites,
    css_references,
    html_pages,
    html_references,
    outlet_domains,
    page_requisites,
    requisite_paths,
    served_requisite_paths,
)
from tests.replica.server import HERE, SITE_ASSETS_DIR, ReplicaServer, Site, load_site, request_log

OUTLETS = ("globalresearch", "sputnik", "rt", "consortiumnews")
GR_ARTICLE = "/the-arithmetic-of-austerity/5664411"
THEME = "/wp-content/themes/globalresearch"

# Expected by the URL's suffix, independently of the server's own table.
TYPES = {
    ".css": ("text/css",),
    ".js": ("application/javascript", "text/javascript"),
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".ico": ("image/x-icon", "image/vnd.microsoft.icon"),
    ".woff2": ("font/woff2",),
}


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes  # decoded from gzip when the server sent it so


def fetch(base: str, target: str, *, method: str = "GET", gzip_ok: bool = False) -> Reply:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(method, target, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.msg["Content-Encoding"] == "gzip":
        body = gzip.decompress(body)
    return Reply(response.status, response.msg, body)


def target(url: str) -> str:
    """Path and query of a URL: what the crawler asks the replica for, whatever the host."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def site_of(outlet: str) -> Site:
    return load_site(HERE / f"{outlet}.toml")


@pytest.fixture(scope="module")
def replicas() -> Iterator[dict[str, str]]:
    servers = {outlet: ReplicaServer(outlet=outlet) for outlet in OUTLETS}
    try:
        yield {outlet: server.start() for outlet, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


# ------------------------------------------------------------------------------------------------
# Real files
# ------------------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a valid PNG: every chunk's CRC checked, the image data inflated."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size, chunks = 8, b"", (0, 0), []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        chunks.append(kind)
        if kind == b"IHDR":
            size = struct.unpack(">II", payload[:8])
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    assert chunks[0] == b"IHDR"
    assert chunks[-1] == b"IEND"
    assert zlib.decompress(idat)
    return size


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the frame header of a JPEG that starts and ends as one should."""
    assert data[:3] == b"\xff\xd8\xff"
    assert data.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, pos
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    raise AssertionError("no frame header")


def ico_sizes(data: bytes) -> list[tuple[int, int]]:
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    assert count >= 1
    sizes = []
    for n in range(count):
        width, height, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * n : 22 + 16 * n])
        assert offset + length <= len(data)
        image = data[offset : offset + length]
        assert image.startswith((b"\x89PNG", b"\x28\x00\x00\x00"))  # PNG, or a BMP header
        sizes.append((width or 256, height or 256))
    return sizes


def check_body(content_type: str, body: bytes) -> None:
    """The body is a real file of its type."""
    if content_type.startswith("image/png"):
        assert min(png_size(body)) > 0
    elif content_type.startswith("image/jpeg"):
        assert min(jpeg_size(body)) > 0
    elif content_type.startswith(("image/x-icon", "image/vnd.microsoft.icon")):
        assert ico_sizes(body)
    elif content_type.startswith("font/woff2"):
        signature, flavor, length, tables = struct.unpack(">4sIIH", body[:14])
        assert signature == b"wOF2"
        assert flavor == 0x00010000  # TrueType outlines
        assert length == len(body)
        assert tables >= 8
    elif content_type.startswith("text/css"):
        text = body.decode("utf-8")
        assert re.search(r"[#.\w\]]\s*\{[^}]*:[^}]*\}", text), "no CSS rule"
    elif content_type.startswith(("application/javascript", "text/javascript")):
        text = body.decode("utf-8")
        assert "function" in text
        assert text.count("(") == text.count(")")
        assert text.count("{") == text.count("}")
    else:
        raise AssertionError(f"unexpected type {content_type}")


# ------------------------------------------------------------------------------------------------
# Every requisite answers
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outlet", OUTLETS)
def test_every_requisite_of_every_page_on_the_outlet_answers_200_with_its_type(
    outlet: str, replicas: dict[str, str]
) -> None:
    base = replicas[outlet]
    pages = all_requisites(outlet)
    assert set(pages) >= set(html_pages(outlet)), "every fixture page and listing page is read"
    checked: dict[str, str] = {}
    for page, requisites in pages.items():
        for requisite in requisites:
            if not requisite.on_outlet:
                continue
            asked = target(requisite.url)
            if asked in checked:
                continue
            reply = fetch(base, asked)
            assert reply.status == 200, f"{outlet} {page}: {requisite.kind} {requisite.url}"
            content_type = reply.headers["Content-Type"]
            suffix = Path(requisite.path).suffix.lower()
            assert content_type.startswith(TYPES[suffix]), f"{requisite.url}: {content_type}"
            check_body(content_type, reply.body)
            assert int(reply.headers["Content-Length"]) == len(reply.body)
            checked[asked] = content_type
    assert checked, f"{outlet}: no requisite on the outlet's hosts"
    assert {target(u).split("?")[0] for u in checked} == served_requisite_paths(outlet)


@pytest.mark.parametrize("outlet", OUTLETS)
def test_stylesheet_imports_and_urls_answer_200(outlet: str, replicas: dict[str, str]) -> None:
    """Read from the served stylesheets themselves (not from requisites.py's walk), relative to each path."""
    base = replicas[outlet]
    site = site_of(outlet)
    domains = outlet_domains(outlet)
    sheets = {path: asset for path, asset in site.assets.items() if asset.content_type.startswith("text/css")}
    for path in sheets:
        sheet_url = site.origin + path
        css = fetch(base, path).body.decode("utf-8")
        for ref, kind in css_references(css):
            url = urljoin(sheet_url, ref)
            host = urlsplit(url).hostname or ""
            assert any(host == d or host.endswith("." + d) for d in domains), f"{path}: {ref} leaves the outlet"
            reply = fetch(base, target(url))
            assert reply.status == 200, f"{path}: {kind} {ref}"
            assert reply.headers["Content-Type"].startswith(TYPES[Path(urlsplit(url).path).suffix.lower()])
            check_body(reply.headers["Content-Type"], reply.body)


def test_the_theme_stylesheet_reaches_font_and_images_only_through_css() -> None:
    shallow = requisite_paths("globalresearch", GR_ARTICLE, deep=False)
    deep = requisite_paths("globalresearch", GR_ARTICLE)
    only_in_css = {
        f"{THEME}/css/typography.css",
        f"{THEME}/fonts/dejavu-serif-bold-latin1.woff2",
        f"{THEME}/images/header-stripe.png",
        f"{THEME}/images/logo-globalresearch.png",
    }
    assert only_in_css <= deep
    assert not only_in_css & shallow
    kinds = {r.path: r.kind for r in page_requisites("globalresearch", GR_ARTICLE)}
    assert kinds[f"{THEME}/css/typography.css"] == "css-import"
    assert kinds[f"{THEME}/fonts/dejavu-serif-bold-latin1.woff2"] == "css-url"
    theme = (SITE_ASSETS_DIR / "css" / "theme.css").read_text(encoding="utf-8")
    typography = (SITE_ASSETS_DIR / "css" / "typography.css").read_text(encoding="utf-8")
    for css in (theme, typography):  # relative URLs: a crawler must resolve them against the sheet
        assert all(not ref.startswith(("/", "http")) for ref, _ in css_references(css))


def test_the_stylesheets_really_style_the_page() -> None:
    theme = (SITE_ASSETS_DIR / "css" / "theme.css").read_text(encoding="utf-8")
    typography = (SITE_ASSETS_DIR / "css" / "typography.css").read_text(encoding="utf-8")
    body = re.search(r"(?m)^body\s*\{([^}]*)\}", theme)
    assert body
    assert re.search(r"background-color:\s*rgb\(250, 248, 240\)", body.group(1))
    face = re.search(r"@font-face\s*\{([^}]*)\}", typography)
    assert face
    assert 'font-family: "GR Headline"' in face.group(1)
    headings = re.search(r"(?m)^h1, h2, h3[^{]*\{([^}]*)\}", typography)
    assert headings
    assert re.search(r'font-family:\s*"GR Headline", Georgia, serif', headings.group(1))


def test_every_asset_file_is_served_and_the_set_is_small() -> None:
    served = {asset.file for outlet in OUTLETS for asset in site_of(outlet).assets.values()}
    served |= {asset.file for outlet in OUTLETS for _, asset in site_of(outlet).asset_globs}
    kept = {p.relative_to(SITE_ASSETS_DIR).as_posix() for p in SITE_ASSETS_DIR.rglob("*")
            if p.is_file() and p.parent != SITE_ASSETS_DIR and not p.name.startswith("LICENSE")}
    assert kept == served
    total = sum(p.stat().st_size for p in SITE_ASSETS_DIR.rglob("*") if p.is_file())
    assert total < 150_000, total
    for name in served:
        check_body(TYPES[Path(name).suffix][0], (SITE_ASSETS_DIR / name).read_bytes())
    sizes = {
        "img/favicon.png": (192, 192),
        "img/photo.jpg": (800, 450),
        "img/photo-400x225.jpg": (400, 225),
        "img/photo-120x80.jpg": (120, 80),
    }
    for name, size in sizes.items():
        data = (SITE_ASSETS_DIR / name).read_bytes()
        assert (png_size(data) if name.endswith(".png") else jpeg_size(data)) == size, name
    assert sorted(ico_sizes((SITE_ASSETS_DIR / "img" / "favicon.ico").read_bytes())) == [(16, 16), (32, 32)]


@pytest.mark.parametrize("outlet", OUTLETS)
def test_assets_shadow_no_page_feed_or_sitemap(outlet: str) -> None:
    site = site_of(outlet)
    taken = {a.path.rstrip("/") for a in site.articles} | {a.old_path.rstrip("/") for a in site.articles if a.old_path}
    taken |= {site.feed_path.rstrip("/"), site.sitemap_path.rstrip("/"), site.listing_path.rstrip("/"), "/robots.txt"}
    assert not {p.rstrip("/") for p in site.assets} & taken
    for path in site.assets:
        assert "?" not in path
        assert not re.fullmatch(r"/sitemap-posts-\d+\.xml", path)


@pytest.mark.parametrize("outlet", OUTLETS)
def test_requisites_on_other_hosts_are_listed_in_the_readme(outlet: str) -> None:
    readme = (SITE_ASSETS_DIR / "README.md").read_text(encoding="utf-8")
    for page, requisites in all_requisites(outlet).items():
        for requisite in requisites:
            if not requisite.on_outlet:
                assert requisite.url in readme, f"{outlet} {page}: {requisite.url}"


# ------------------------------------------------------------------------------------------------
# The API: requisite paths of a page
# ------------------------------------------------------------------------------------------------


def test_requisite_paths_of_an_article() -> None:
    paths = requisite_paths("globalresearch", GR_ARTICLE)
    assert {
        f"{THEME}/all.css",
        f"{THEME}/style.css",
        "/wp-content/plugins/jetpack/css/jetpack.css",
        "/wp-includes/js/jquery/jquery.js",
        "/favicon2.ico",
        "/wp-content/uploads/2017/04/favicon.png",
        "/wp-content/uploads/2019/02/calculator.jpg",  # og:image
        "/store/images/101/cover.jpg",  # store.globalresearch.ca
        "/images/submit-icon.jpg",  # protocol-relative //www.globalresearch.ca/...
    } <= paths
    assert all("?" not in p and p.startswith("/") for p in paths)
    assert "/pagead/js/adsbygoogle.js" not in paths
    assert "/wp-includes/js/wp-emoji-release.min.js" not in paths  # only a script asks for it
    scripted = requisite_paths("globalresearch", GR_ARTICLE, scripted=True)
    assert scripted - paths == {"/wp-includes/js/wp-emoji-release.min.js", "/store/images/102/cover.jpg",
                                "/store/images/103/cover.jpg", "/store/images/104/cover.jpg"}
    assert requisite_paths("globalresearch", GR_ARTICLE + "/") == paths
    with pytest.raises(KeyError):
        requisite_paths("globalresearch", "/no-such-page/1")
    with pytest.raises(KeyError):
        requisite_paths("globalresearch", "/feed")


def test_requisite_paths_of_listing_pages_follow_what_is_listed() -> None:
    before = requisite_paths("globalresearch", "/latest-news-and-top-stories/")
    after = requisite_paths("globalresearch", "/latest-news-and-top-stories/", later=True)
    assert f"{THEME}/all.css" in before
    assert "/wp-content/uploads/replica/5670002-120x80.jpg" not in before
    assert "/wp-content/uploads/replica/5670002-120x80.jpg" in after
    assert len([p for p in before if p.endswith("-120x80.jpg")]) == 5


def test_other_outlets_requisites_on_their_cdn_subdomains() -> None:
    assert requisite_paths("rt", "/uk/512345-island-ferry-fares-protest/") == {
        "/files/2021.02/article/602504a1203027aa1e3c9a11.jpg",
        "/files/2021.02/xxs/602504a1203027aa1e3c9a11.jpg",
        "/files/2021.02/xxs/602504a1203027aa1e3c9a12.jpg",
        "/static/img/logo-bottom.png",
    }
    assert requisite_paths("sputnik", "/europe/202104020109876543-baltic-dock-workers-strike/") == {
        "/images/109876/54/1098765400.jpg"
    }


def test_html_references_reads_every_kind() -> None:
    page = """<html><head><base href="https://www.example.org/a/">
<link rel="stylesheet" href="s.css?ver=1"><link rel="alternate stylesheet" href="alt.css">
<link rel="shortcut icon" href="/favicon.ico"><link rel="apple-touch-icon" href="//cdn.example.org/t.png">
<link rel="canonical" href="/page"><link rel="preconnect" href="https://fonts.example">
<meta property="og:image" content="https://www.example.org/og.jpg"><meta name="twitter:image" content="tw.jpg">
<style>@import "imp.css"; .x { background: url('bg.png') } .y { background: url(data:image/png;base64,AA==) }</style>
<script src="app.js"></script><script>var s = "<img src='no.png'>", u = "https:\\/\\/www.example.org\\/e.js?v=2";
var d = "//cdn.example.org/dir/"; // https://not.a.file.example/</script></head>
<body><img src="i.jpg" srcset="i-1x.jpg 1x, i,2x.jpg 2x"><picture><source srcset="p.webp 100w, p2.webp 200w">
<img src="p.jpg"></picture><source srcset="not-in-picture.webp"><input type="image" src="go.png">
<input type="text" src="no.png"><div style="background-image: url(&quot;div.png&quot;)"></div>
<a href="link.html">a</a><iframe src="frame.html"></iframe></body></html>"""
    found = html_references(page, "https://www.example.org/x/page")
    root = "https://www.example.org"
    assert found == [
        (f"{root}/a/s.css?ver=1", "stylesheet"),
        (f"{root}/favicon.ico", "icon"),
        ("https://cdn.example.org/t.png", "icon"),
        (f"{root}/og.jpg", "meta-image"),
        (f"{root}/a/tw.jpg", "meta-image"),
        (f"{root}/a/imp.css", "stylesheet"),
        (f"{root}/a/bg.png", "style-url"),
        (f"{root}/a/app.js", "script"),
        (f"{root}/a/i.jpg", "img"),
        (f"{root}/a/i-1x.jpg", "srcset"),
        (f"{root}/a/i,2x.jpg", "srcset"),
        (f"{root}/a/p.webp", "srcset"),
        (f"{root}/a/p2.webp", "srcset"),
        (f"{root}/a/p.jpg", "img"),
        (f"{root}/a/go.png", "input-image"),
        (f"{root}/a/div.png", "style-url"),
    ]
    scripted = html_references(page, "https://www.example.org/x/page", scripted=True)
    assert [r for r in scripted if r not in found] == [(f"{root}/e.js?v=2", "script-url")]


def test_css_references_reads_imports_and_urls() -> None:
    css = """/* url(commented.png) */ @import url("a.css") screen; @import 'b.css';
@font-face { src: url(../f.woff2) format("woff2"), url( 'f.ttf' ) }
.a { background: url(data:image/svg+xml;utf8,x) } .b { filter: url(#f) } .c { background: url("/root.png") }"""
    assert css_references(css) == [
        ("a.css", "css-import"), ("b.css", "css-import"),
        ("../f.woff2", "css-url"), ("f.ttf", "css-url"), ("/root.png", "css-url"),
    ]


# ------------------------------------------------------------------------------------------------
# Serving: headers, and the request log
# ------------------------------------------------------------------------------------------------


def test_assets_headers_gzip_and_head(replicas: dict[str, str]) -> None:
    base = replicas["globalresearch"]
    css = fetch(base, f"{THEME}/all.css?t=002", gzip_ok=True)
    assert css.headers["Content-Encoding"] == "gzip"
    assert css.body == (SITE_ASSETS_DIR / "css" / "theme.css").read_bytes()
    assert css.headers["ETag"]
    assert css.headers["Last-Modified"]
    image = fetch(base, "/wp-content/uploads/2019/02/calculator.jpg", gzip_ok=True)
    assert image.headers["Content-Encoding"] is None
    assert image.body == (SITE_ASSETS_DIR / "img" / "photo.jpg").read_bytes()
    head = fetch(base, "/favicon2.ico", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["Content-Length"]) == (SITE_ASSETS_DIR / "img" / "favicon.ico").stat().st_size
    assert fetch(base, "/wp-content/themes/globalresearch/missing.css").status == 404
    assert fetch(base, "/wp-json/").status == 404  # a link, not a requisite: still not served


def test_the_request_log() -> None:
    with ReplicaServer() as base:
        assert request_log(base) == [], "the start-up probe is not logged"
        fetch(base, GR_ARTICLE)
        fetch(base, f"{THEME}/all.css?t=002")
        fetch(base, "/no-such-page/1")
        fetch(base, "/favicon2.ico", method="HEAD")
        fetch(base, "/__replica__/requests")
        assert request_log(base) == [
            {"method": "GET", "path": GR_ARTICLE, "query": "", "status": 200},
            {"method": "GET", "path": f"{THEME}/all.css", "query": "t=002", "status": 200},
            {"method": "GET", "path": "/no-such-page/1", "query": "", "status": 404},
            {"method": "HEAD", "path": "/favicon2.ico", "query": "", "status": 200},
        ]
        raw = json.loads(fetch(base, "/__replica__/requests").body)
        assert raw["dropped"] == 0
        assert len(raw["requests"]) == 4
        assert fetch(base, "/__replica__/clear-requests", method="POST").status == 200
        assert request_log(base) == []
        fetch(base, "/robots.txt")
        assert fetch(base, "/__replica__/reset", method="POST").status == 200
        assert request_log(base) == []


def test_replica_server_helpers() -> None:
    server = ReplicaServer(outlet="rt")
    base = server.start()
    try:
        fetch(base, "/static/img/logo-bottom.png")
        assert server.requests() == [{"method": "GET", "path": "/static/img/logo-bottom.png", "query": "",
                                      "status": 200}]
        server.clear_requests()
        assert server.requests() == []
    finally:
        server.stop()
