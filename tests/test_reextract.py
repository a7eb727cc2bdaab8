"""reextract reads bodies as archived: brotli and gzip decoded, a bomb refused in bounded memory."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.crawl_runner import ROOT, scrapy_env

PAGE = Path(__file__).parent / "fixtures" / "globalresearch" / "seed-fake-videos-aleppo.html"
ORIGIN = "http://127.0.0.1:9"


def write_warc(path: Path, responses: list[tuple[str, str, bytes]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {
            "outlet": "globalresearch", "fetch-origin": ORIGIN, "isPartOf": "test-crawl"}))
        for url_path, encoding, body in responses:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8"),
                                                  ("Content-Encoding", encoding)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(ORIGIN + url_path, "response", payload=BytesIO(body),
                                                          length=len(body), http_headers=headers))


def test_brotli_and_gzip_bodies_reextract_and_a_bomb_is_refused(tmp_path: Path) -> None:
    page = PAGE.read_bytes()
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    warc = tmp_path / "t.warc.gz"
    write_warc(warc, [
        ("/fake-videos-of-alleged-russian-strikes-firing-squads-in-aleppo-staged-by-militants/5564321", "br",
         brotli.compress(page)),
        ("/a-gzip-copy/5564322", "gzip", gzip.compress(page)),
        ("/a-bomb/5564323", "gzip", bomb),
    ])
    done = subprocess.run([sys.executable, "-m", "scrapy", "reextract", str(warc), "-s", "DOWNLOAD_MAXSIZE=8000000"],
                          cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert [i["fetched_url"].rsplit("/", 1)[-1] for i in items] == ["5564321", "5564322"]
    assert items[0]["title"].startswith("Fake Videos")
    assert items[0]["crawl_id"] == "test-crawl"
    assert "Traceback" not in done.stderr
    assert "not re-extracted: http://127.0.0.1:9/a-bomb/5564323 (larger than 8000000 bytes once decoded (gzip))" \
        in done.stderr
