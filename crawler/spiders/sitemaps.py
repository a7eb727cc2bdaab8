"""The spider's side of sitemaps: one sitemap read a batch of entries at a time, gunzipped as it is parsed.

A sitemap holds up to 50,000 URLs (7 MB of XML). Read whole before its first request was made (its body gunzipped
whole, its article URLs listed), one such sitemap cost 10 MB of Python objects at once above what the crawl keeps
of it (its articles' paths), and a crawl reads as many at once as it fetches (CONCURRENT_REQUESTS). So a
SitemapReader gunzips the body as lxml's iterparse asks for it, lets each entry go once read, and hands over at most
`count` URLs per call: the spider makes their requests, which go to the scheduler's disk queue, before it asks for
more (0.2 MB above the paths for the same sitemap; tests/test_sitemap_discovery.py checks the batches).

Scrapy's own `scrapy.utils.sitemap.Sitemap` iterates the same way, but takes the whole body as bytes (a gzipped
sitemap would be gunzipped whole first): the loop below is its loop over a stream, with its parser options and
its rules (an entry is a <url> or <sitemap> element with a <loc>; names compared without their namespace).
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.etree
from dateutil import parser as date_parser

__all__ = ["SitemapBatch", "SitemapError", "SitemapReader", "loose_date"]

# As scrapy.utils.sitemap.Sitemap parses: hostile XML recovered from, no entity expanded, comments and
# processing instructions dropped.
_PARSER_OPTIONS = {"recover": True, "remove_comments": True, "resolve_entities": False, "remove_blank_text": True,
                   "collect_ids": False, "remove_pis": True}
_ENTRIES = frozenset(("url", "sitemap"))


class SitemapError(Exception):
    """A sitemap that cannot be read (further): `error` is the log line's head, `detail` what went wrong."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(f"{error} ({detail})")
        self.error = error
        self.detail = detail


@dataclass
class SitemapBatch:
    """The next entries of one sitemap: of an index, its sitemaps' URLs; else its article URLs with lastmod."""

    urls: list[tuple[str, date | None]] = field(default_factory=list)
    entries: int = 0  # entries read for this batch (those with a <loc>), article or not
    done: bool = False


class _Bounded(io.RawIOBase):
    """A gunzipped stream that fails past `limit` bytes (0: none), as Scrapy's gunzip(max_size=) does."""

    def __init__(self, stream: gzip.GzipFile, limit: int) -> None:
        super().__init__()
        self.stream = stream
        self.limit = limit
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.stream.read1(size)  # as gunzip reads: what a cut stream gave before its cut is kept
        except (OSError, EOFError, struct.error):
            # As Scrapy's gunzip: a stream cut short or with a bad checksum ends where its good data ends; only one
            # that gives no data at all is broken.
            if self.size:
                return b""
            raise
        self.size += len(data)
        if self.limit and self.size > self.limit:
            raise SitemapError("sitemap is too large once decompressed", f"more than {self.limit} bytes")
        return data


class SitemapReader:
    """One sitemap's entries, `count` at a time (read(count)). Not thread-safe: one thread reads it, as lxml
    asks of a parser (the spider keeps one thread for all sitemaps)."""

    def __init__(self, body: bytes, url: str, *, max_size: int, is_article_path: Callable[[str], bool]) -> None:
        self.url = url
        self.gzipped = body[:2] == b"\x1f\x8b"
        raw = io.BytesIO(body)
        self._stream: io.RawIOBase | io.BytesIO = _Bounded(gzip.GzipFile(fileobj=raw), max_size) if self.gzipped \
            else raw
        self._is_article_path = is_article_path
        self._entries: Iterator[dict[str, str]] | None = None
        self.index = False

    @property
    def xml_read(self) -> int:
        """Bytes of XML read so far (gunzipped): less than the sitemap's while entries remain."""
        return self._stream.size if isinstance(self._stream, _Bounded) else self._stream.tell()

    def read(self, count: int) -> SitemapBatch:
        """Up to `count` more URLs; raises SitemapError when the sitemap cannot be read (further)."""
        batch = SitemapBatch()
        try:
            if self._entries is None:
                self._entries = self._open()
            for entry in self._entries:
                loc = entry.get("loc", "").strip()
                if not loc:
                    continue
                batch.entries += 1
                absolute = loc if loc.startswith(("http://", "https://")) else urljoin(self.url, loc)
                if self.index:
                    batch.urls.append((absolute, None))
                elif self._is_article_path(urlsplit(absolute).path):  # the cheap test first: most URLs fail it
                    batch.urls.append((absolute, loose_date(entry.get("lastmod"))))
                if len(batch.urls) >= count:
                    return batch
        except SitemapError:
            raise
        except Exception as exc:  # lxml raises several kinds on hostile XML; a cut or forged gzip, others
            detail = str(exc) or type(exc).__name__
            if self.gzipped and isinstance(exc, OSError | EOFError | zlib.error | struct.error):
                raise SitemapError("sitemap is not valid gzip", detail) from None
            raise SitemapError("sitemap cannot be parsed", detail) from None
        batch.done = True
        return batch

    def _open(self) -> Iterator[dict[str, str]]:
        events = lxml.etree.iterparse(self._stream, events=("start", "end"), **_PARSER_OPTIONS)
        _, root = next(events)  # no root element at all: StopIteration, a sitemap that cannot be parsed
        kind = _local_name(root)
        if kind not in ("urlset", "sitemapindex"):  # lxml recovers from anything: an HTML page parses
            raise SitemapError("not a sitemap", f"root element <{kind}>")
        self.index = kind == "sitemapindex"
        return _entries(events)


def _entries(events: Iterator[tuple[str, lxml.etree._Element]]) -> Iterator[dict[str, str]]:
    """Each <url> or <sitemap> element's children by name, the element then let go (scrapy's Sitemap.__iter__)."""
    for event, element in events:
        if event != "end" or _local_name(element) not in _ENTRIES:
            continue
        entry: dict[str, str] = {}
        for child in element:
            name = _local_name(child)
            if name and name != "link":  # <xhtml:link> alternates: not needed here
                entry[name] = child.text.strip() if child.text else ""
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        if "loc" in entry:
            yield entry


def _local_name(element: lxml.etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.partition("}")[2] or tag


def loose_date(text: str | None) -> date | None:
    """A discovery hint (a sitemap's lastmod, a feed's Atom dates): ISO 8601 only; anything else means 'unknown'."""
    if not text:
        return None
    try:
        return date_parser.isoparse(text.strip()).date()
    except (ValueError, OverflowError):
        return None
