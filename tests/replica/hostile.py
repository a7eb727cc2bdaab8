"""A hostile outlet: one of each broken, huge or malicious response a crawler of the open web meets.

Standard library (plus brotli, a Scrapy extra) only. The outlet is ``hostile`` of
``tests/fixtures/hostile/outlets.toml``: its feed, sitemap index and listing link to every case of
:data:`CASES`. A second server on 127.0.0.2 stands for "another site": the cross-domain redirect points
there, and it records the headers it was sent, so tests can check that no cookie or credential followed.

Run it in the foreground (the bench does this with bigger bombs)::

    python -m tests.replica.hostile --port 8000 [--bomb-mib 900] [--oversize-mib 300]

or from tests with :class:`HostileServer`, which serves from threads of the calling process.
"""

from __future__ import annotations

import argparse
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import brotli

__all__ = ["CASES", "Case", "HostileServer", "HostileSite"]

HERE = Path(__file__).resolve().parent
PDF = HERE / "assets" / "some-report.pdf"
MIB = 1024 * 1024
COOKIE = "hostile_session=cookie-for-127-0-0-1-only"
SITEMAP_URLS = 50_000
NESTING = 200_000


@dataclass(frozen=True)
class Case:
    """One hostile article URL and what the crawler must say about it."""

    name: str
    path: str
    outcome: str
    """'item': extracted despite the damage; 'failed': the fetch fails; 'not_extracted': archived only;
    'dropped': extracted, then dropped by validation."""
    reason: str = ""
    """A fragment of the one log line the crawler writes about it (empty for 'item')."""


CASES: tuple[Case, ...] = (
    Case("ok", "/ok-article/10000", "item"),
    Case("gzip_bomb", "/gzip-bomb/10001", "failed", "during decompression"),
    Case("deflate_bomb", "/deflate-bomb/10002", "failed", "during decompression"),
    Case("brotli_bomb", "/brotli-bomb/10003", "failed", "during decompression"),
    Case("oversize", "/oversize/10004", "not_extracted", "truncated"),
    Case("oversize_no_length", "/oversize-no-length/10005", "not_extracted", "truncated"),
    Case("redirect_loop", "/redirect-loop/10006", "failed", "max redirections"),
    Case("redirect_file", "/to-file/10007", "failed", "file:"),
    Case("redirect_data", "/to-data/10008", "failed", "data:"),
    Case("cross_domain", "/cross-domain/10009", "failed", "offsite"),
    Case("short_body", "/short-body/10010", "not_extracted", "truncated"),
    Case("empty", "/empty/10011", "not_extracted", "empty body"),
    Case("nul_bytes", "/nul-bytes/10012", "item"),
    Case("bad_utf8", "/bad-utf8/10013", "item"),
    Case("wrong_charset", "/wrong-charset/10014", "item"),
    Case("deep_nesting", "/deep-nesting/10015", "dropped", "no body"),
    Case("pdf", "/pdf-article/10016", "not_extracted", "application/pdf"),
    Case("slow_drip", "/slow-drip/10017", "not_extracted", "truncated"),
)

# Listed on the listing page: they match the outlet's article pattern and are served as plain articles;
# they exist to show that no URL reaches a storage key.
DANGEROUS_HREFS: tuple[str, ...] = (
    "/..%2f..%2f..%2fetc%2fpasswd/10020",
    "/%2e%2e%2f%2e%2e%2ftmp/10021",
    "/ctl%0d%0aX-Injected:%20yes/10022",
    "/nul%00byte/10023",
    "/tab\tand\x01ctl/10024",
    "../../../../../etc/passwd",
    "/..\\..\\windows\\win.ini/10025",
)


def _article(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
        f'<meta property="og:title" content="{title}"><meta name="author" content="A. Writer">'
        f'<meta property="article:published_time" content="2026-11-20T10:00:00+00:00"></head>'
        f"<body><article><h1>{title}</h1><p>{body}</p><p>A second paragraph so that there is a body."
        f"</p></article></body></html>"
    )


def _zeros(total: int, compress: Any) -> bytes:
    chunk = b"\0" * MIB
    parts = [compress.compress(chunk) for _ in range(total // MIB)]
    parts.append(compress.flush() if hasattr(compress, "flush") else compress.finish())
    return b"".join(parts)


class _Brotli:
    def __init__(self) -> None:
        self._c = brotli.Compressor(quality=5)

    def compress(self, data: bytes) -> bytes:
        out: bytes = self._c.process(data)
        return out

    def finish(self) -> bytes:
        out: bytes = self._c.finish()
        return out


@dataclass
class HostileSite:
    """What the hostile servers serve, and what they were asked."""

    bomb_bytes: int = 256 * MIB
    oversize_bytes: int = 48 * MIB
    drip_seconds: float = 120.0
    marker_path: Path | None = None
    """A local file that must never appear in any output: the XXE entities and redirects point at it."""
    other_origin: str = ""
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _bombs: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def bomb(self, encoding: str) -> bytes:
        with self._lock:
            if encoding not in self._bombs:
                if encoding == "gzip":
                    compressor: Any = zlib.compressobj(9, zlib.DEFLATED, 31)
                elif encoding == "deflate":
                    compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
                else:
                    compressor = _Brotli()
                self._bombs[encoding] = _zeros(self.bomb_bytes, compressor)
            return self._bombs[encoding]

    def prepare(self) -> None:
        """Build the bombs now, so that the first crawl does not wait on them."""
        for encoding in ("gzip", "deflate", "br"):
            self.bomb(encoding)

    @property
    def marker_uri(self) -> str:
        return (self.marker_path or Path("/etc/passwd")).resolve().as_uri()


def feed_xml(origin: str, site: HostileSite) -> bytes:
    items = "".join(
        f"<item><title>{case.name} &xxe;</title><link>{origin}{case.path}</link>"
        f"<pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>"
        for case in CASES
    )
    items += (f"<item><title>file</title><link>{site.marker_uri}</link></item>"
              "<item><title>data</title><link>data:text/html,&lt;p&gt;x&lt;/p&gt;</link></item>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{site.marker_uri}">]>\n'
        f'<rss version="2.0"><channel><title>Hostile</title>{items}</channel></rss>'
    ).encode()


def broken_feed_xml(origin: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Broken & <b>bold'
        f"<item><link>{origin}/ok-article/10000</link><pubDate>not a date</pubDate>"
        "<item><title>\x00\x01 unclosed<link>http://[::1/broken</link></channel>"
    ).encode("latin-1") + b"\xff\xfe garbage \x00 <rss"


def sitemap_index_xml(origin: str) -> bytes:
    parts = "".join(f"<sitemap><loc>{origin}/{name}</loc></sitemap>"
                    for name in ("sitemap-big.xml", "sitemap-xxe.xml", "sitemap-lol.xml"))
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{parts}</sitemapindex>').encode()


def big_sitemap_xml(origin: str) -> bytes:
    urls = "".join(f"<url><loc>{origin}/archive/entry-{n}.html</loc><lastmod>2026-11-20</lastmod></url>"
                   for n in range(SITEMAP_URLS))
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def xxe_sitemap_xml(origin: str, site: HostileSite) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{site.marker_uri}">]>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{origin}/xxe-&xxe;/10030</loc></url></urlset>"
    ).encode()


def billion_laughs_xml() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [{entities}]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol9;</loc></url></urlset>'
    ).encode()


def listing_html(origin: str) -> bytes:
    links = "".join(f'<li><a href="{xml_escape(href)}">dangerous</a></li>' for href in DANGEROUS_HREFS)
    links += "".join(f'<li><a href="{case.path}">{case.name}</a></li>' for case in CASES)
    links += '<li><a href="file:///etc/passwd">passwd</a></li><li><a href="data:text/html,x">data</a></li>'
    return f"<!DOCTYPE html><html><head><title>Latest</title></head><body><ul>{links}</ul></body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: HostileSite, *, other: bool = False) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.other = other

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the crawler hangs up on bombs, oversize bodies and drips on purpose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "hostile"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        host = self.headers.get("Host", "")
        site.requests.append((host, self.path, {k.lower(): v for k, v in self.headers.items()}))
        try:
            self._route(urlsplit(self.path).path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    @property
    def origin(self) -> str:
        return "http://{}:{}".format(*self.server.server_address[:2])

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              extra: Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"<p>moved</p>", extra=[("Location", location)])

    def _route(self, path: str) -> None:
        site, origin = self.server.site, self.origin
        if self.server.other:
            self._send(200, _article("Elsewhere", "Another site.").encode())
            return
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/feed":
            self._send(200, feed_xml(origin, site), "application/rss+xml; charset=utf-8",
                       extra=[("Set-Cookie", COOKIE + "; Path=/")])
        elif path == "/feed-broken":
            self._send(200, broken_feed_xml(origin), "application/rss+xml; charset=utf-8")
        elif path == "/sitemap.xml":
            self._send(200, sitemap_index_xml(origin), "application/xml")
        elif path == "/sitemap-big.xml":
            self._send(200, big_sitemap_xml(origin), "application/xml")
        elif path == "/sitemap-xxe.xml":
            self._send(200, xxe_sitemap_xml(origin, site), "application/xml")
        elif path == "/sitemap-lol.xml":
            self._send(200, billion_laughs_xml(), "application/xml")
        elif path == "/listing/":
            self._send(200, listing_html(origin))
        elif path in ("/gzip-bomb/10001", "/deflate-bomb/10002", "/brotli-bomb/10003"):
            encoding = {"g": "gzip", "d": "deflate", "b": "br"}[path[1]]
            self._send(200, site.bomb(encoding), extra=[("Content-Encoding", encoding)])
        elif path == "/oversize/10004":
            self._stream(site.oversize_bytes, with_length=True)
        elif path == "/oversize-no-length/10005":
            self._stream(site.oversize_bytes, with_length=False)
        elif path == "/redirect-loop/10006":
            hop = int(urlsplit(self.path).query.partition("=")[2] or 0)
            self._redirect(f"/redirect-loop/10006?hop={hop + 1}")
        elif path == "/to-file/10007":
            self._redirect(site.marker_uri)
        elif path == "/to-data/10008":
            self._redirect("data:text/html;base64,PHA+ZGF0YTwvcD4=")
        elif path == "/cross-domain/10009":
            self._redirect(f"{site.other_origin}/landing/10009")
        elif path == "/short-body/10010":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(_article("Short", "Cut off here")[:300].encode())
            self.close_connection = True
        elif path == "/empty/10011":
            self._send(200, b"")
        elif path == "/nul-bytes/10012":
            self._send(200, _article("Nul\x00bytes", "Text\x00with\x00NULs.").encode())
        elif path == "/bad-utf8/10013":
            self._send(200, _article("Bad UTF-8", "Broken \xff\xfe bytes").encode("utf-8")
                       .replace(b"\xc3\xbf\xc3\xbe", b"\xff\xfe\xc3\x28"))
        elif path == "/wrong-charset/10014":
            self._send(200, _article("Caf\u00e9 cr\u00e8me", "Na\u00efve r\u00e9sum\u00e9", charset="shift_jis")
                       .encode("cp1252"), "text/html; charset=utf-8")
        elif path == "/deep-nesting/10015":
            self._send(200, b"<html><body><article><h1>Deep</h1>" + b"<div>" * NESTING + b"deep"
                       + b"</div>" * NESTING + b"</article></body></html>")
        elif path == "/pdf-article/10016":
            self._send(200, PDF.read_bytes(), "application/pdf")
        elif path == "/slow-drip/10017":
            self._drip(site.drip_seconds)
        elif path.rstrip("/").rsplit("/", 1)[-1].isdigit():
            self._send(200, _article("Odd URL", f"Served for any article-shaped path: {xml_escape(path)}").encode())
        else:
            self._send(404, b"<p>not found</p>")

    def _stream(self, total: int, *, with_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"a" * (64 * 1024 - 7) + b"</p>\n"
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            self.wfile.write(piece)
            sent += len(piece)
        self.close_connection = True

    def _drip(self, seconds: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(10 * MIB))
        self.end_headers()
        self.wfile.write(b"<html><body>")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.wfile.write(b".")
            self.wfile.flush()
            time.sleep(0.2)
        self.close_connection = True


class HostileServer:
    """The hostile outlet on 127.0.0.1 and "another site" on 127.0.0.2, served from threads."""

    def __init__(self, site: HostileSite | None = None, host: str = "127.0.0.1", port: int = 0,
                 other_host: str = "127.0.0.2") -> None:
        self.site = site or HostileSite()
        self.main = _Server((host, port), self.site)
        self.other = _Server((other_host, 0), self.site, other=True)
        self.site.other_origin = "http://{}:{}".format(*self.other.server_address[:2])
        self.url = "http://{}:{}".format(*self.main.server_address[:2])
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self.main, self.other)]

    def __enter__(self) -> HostileServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for server in (self.main, self.other):
            server.shutdown()
            server.server_close()

    def requests_to_other(self) -> Iterator[dict[str, str]]:
        other = urlsplit(self.site.other_origin).netloc
        return (headers for host, _, headers in self.site.requests if host == other)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bomb-mib", type=int, default=256)
    parser.add_argument("--oversize-mib", type=int, default=48)
    args = parser.parse_args(argv)
    site = HostileSite(bomb_bytes=args.bomb_mib * MIB, oversize_bytes=args.oversize_mib * MIB)
    site.prepare()
    with HostileServer(site, port=args.port) as server:
        print(server.url, flush=True)
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
