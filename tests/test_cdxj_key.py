"""The CDXJ index's key (pipelines/archive/cdxj.py surt_key) is the surt library's, byte for byte: plain URLs take a
shorter way to it, every other URL goes to surt itself."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import surt

from pipelines.archive.cdxj import CdxjEntry, cdxj_line, surt_key

FIXTURES = Path(__file__).parent / "fixtures"

ODD = [
    "http://127.0.0.1:8800/some-article-title-here/5600001", "https://www.globalresearch.ca/the-article/5612345/",
    "https://WWW.GlobalResearch.CA/The-Article/", "http://example.org", "https://example.org/", "http://example.org:80/a",
    "https://example.org:443/a/b/", "http://example.org:8080/a/b.c", "http://www2.example.org/x", "http://localhost/x",
    "http://2130706433/x", "http://017700000001/x", "http://0x7f.1/x", "http://10.0.0.1:80/A/", "https://a.b.c.d.e/o.html",
    "http://example.org/.well-known/x", "http://example.org//double", "http://example.org/a/../b",
    "http://example.org/a/./b", "http://example.org/a/..", "http://example.org/a?b=c&a=d", "http://example.org/a#f",
    "http://user:pw@example.org/a", "http://example.org/%41%2f", "http://ex..ample.org/a", "http://.example.org./a",
    "http://EXAMPLE.org./a/", "HTTP://example.org/a", "https://xn--bcher-kva.example/b", "https://bücher.example/b",
    "https://example.org/caf\u00e9", "https://example.org/(S(abcdefghijklmnopqrstuvwx))/page.aspx",
    "https://example.org/a;jsessionid=0123456789abcdef0123456789abcdef", "https://example.org/~user/", "ftp://example.org/a",
    "dns:example.org", "filedesc://x.arc", "", "urn:outlet-archive:item:https://example.org/a", "https://[::1]:8080/a",
]


def _generated(count: int) -> list[str]:
    rng = random.Random(15)
    hosts = ["example.org", "WWW.example.org", "127.0.0.1", "127.0.0.1:8800", "www3.ex-ample.co.uk:443", "a.b",
             "10.0.0.1:80", "ex_ample.org", "example.org.", "xn--bcher-kva.example", "Example.ORG:8443"]
    alphabet = "abcXYZ019-_.~/%?#;=()&@:+ é"
    urls = []
    for _ in range(count):
        host = rng.choice(hosts)
        scheme = rng.choice(["http", "https", "HTTP"])
        urls.append(f"{scheme}://{host}/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))))
        segments = [rng.choice(["a", "B", "c.d", "..", ".", "", "x~y", "-_", "Article-Title-5600001"])
                    for _ in range(rng.randint(0, 5))]
        urls.append(f"{scheme}://{host}/" + "/".join(segments))
    return urls


def _fixture_links() -> list[str]:
    """Every absolute link of the saved pages: URLs as outlets print them."""
    found: set[str] = set()
    for page in FIXTURES.rglob("*.html"):
        found.update(re.findall(r"""(?:href|src)=["'](https?://[^"'\s<>]+)""", page.read_text(errors="replace")))
    return sorted(found)


@pytest.mark.parametrize("source", ["odd", "generated", "fixtures"])
def test_the_index_key_is_surt_s_own(source: str) -> None:
    urls = {"odd": ODD, "generated": _generated(5000), "fixtures": _fixture_links()}[source]
    assert len(urls) > 30
    assert [(u, surt_key(u)) for u in urls] == [(u, surt.surt(u)) for u in urls]


def test_an_index_line_is_keyed_by_surt() -> None:
    entry = CdxjEntry(url="http://127.0.0.1:8800/Some-Article/5600001/", warc_date="2026-11-30T07:00:00.123456Z",
                      status=200, mime="text/html", digest="sha1:ABC", length=100, offset=0, filename="c-00000.warc.gz",
                      record_id="<urn:uuid:1>")
    assert cdxj_line(entry).startswith("1,0,0,127:8800)/some-article/5600001 20261130070000 {")
