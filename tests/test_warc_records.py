"""pipelines.warc.records.LeveledWARCWriter: each record built by warcio, deflated in one call, digested once."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from pipelines.warc.records import LeveledWARCWriter, WireHeaders, sha1_digest

Build = Callable[[Any], Any]
PAGE = b"<html><body>" + b"<p>Lorem ipsum dolor sit amet.</p>" * 300 + b"</body></html>"
ENCODED = gzip.compress(PAGE)


def _response(writer: Any) -> Any:
    headers = WireHeaders("200 OK", [("Content-Type", "text/html"), ("X-Name", "caf\xe9")], protocol="HTTP/1.1")
    return writer.create_warc_record("http://h.example/a", "response", payload=BytesIO(PAGE), length=len(PAGE),
                                     http_headers=headers, warc_headers_dict=_ids(writer, 1))


def _encoded_response(writer: Any) -> Any:
    headers = WireHeaders("200 OK", [("Content-Encoding", "gzip")], protocol="HTTP/1.1")
    return writer.create_warc_record("http://h.example/b", "response", payload=BytesIO(ENCODED),
                                     length=len(ENCODED), http_headers=headers,
                                     warc_headers_dict={**_ids(writer, 2), "WARC-Payload-Digest": sha1_digest(ENCODED)})


def _request(writer: Any) -> Any:
    headers = WireHeaders("GET /a?x=1 HTTP/1.1", [("Host", "h.example")], is_http_request=True)
    return writer.create_warc_record("http://h.example/a", "request", payload=BytesIO(b""), length=0,
                                     http_headers=headers, warc_headers_dict=_ids(writer, 3))


def _revisit(writer: Any) -> Any:
    headers = WireHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    return writer.create_revisit_record("http://h.example/a", sha1_digest(PAGE), "http://h.example/a",
                                        "2026-11-30T00:00:00Z", http_headers=headers,
                                        warc_headers_dict=_ids(writer, 4))


def _metadata(writer: Any) -> Any:
    payload = b'{"title": "T", "body": "' + b"text " * 2000 + b'"}'
    return writer.create_warc_record("urn:x-item:http://h.example/a", "metadata", payload=BytesIO(payload),
                                     length=len(payload), warc_content_type="application/json",
                                     warc_headers_dict=_ids(writer, 5))


def _warcinfo(writer: Any) -> Any:
    return writer.create_warcinfo_record("x.warc.gz", {"software": "test", "isPartOf": "crawl"})


def _ids(writer: Any, n: int) -> dict[str, str]:
    return {"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-00000000000{n}>",
            "WARC-Date": "2026-11-30T12:00:00.000001Z"}


BUILDS = [_response, _encoded_response, _request, _revisit, _metadata, _warcinfo]


@pytest.mark.parametrize("build", BUILDS, ids=lambda b: b.__name__.strip("_"))
def test_a_record_is_warcios_own_record_in_one_gzip_member(build: Build) -> None:
    ours = LeveledWARCWriter(BytesIO(), gzip=True, warc_version="1.1", level=6)
    member = ours.record_bytes(build(ours))
    plain = BytesIO()
    theirs = WARCWriter(plain, gzip=False, warc_version="1.1")  # warcio's serialization, its digests its own
    theirs.write_record(build(theirs))
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    data = inflater.decompress(member)
    assert inflater.eof and inflater.unused_data == b""  # exactly one whole member
    if build is _warcinfo:  # its WARC-Date and Record-ID are the writer's clock and a fresh uuid
        data, expected = data.split(b"\r\n", 5)[5], plain.getvalue().split(b"\r\n", 5)[5]
    else:
        expected = plain.getvalue()
    assert data == expected  # byte for byte: headers in the same order, the same digests, the same block


def test_records_read_back_with_their_digests_checked() -> None:
    out = BytesIO()
    writer = LeveledWARCWriter(out, gzip=True, warc_version="1.1", level=6)
    for build in BUILDS:
        writer.write_record(build(writer))
    read = []
    iterator = ArchiveIterator(BytesIO(out.getvalue()), check_digests=True)
    for record in iterator:
        body = record.content_stream().read()
        iterator.read_to_end(record)
        assert record.digest_checker.passed is not False, record.digest_checker.problems
        read.append((record.rec_type, body))
    assert [t for t, _ in read] == ["response", "response", "request", "revisit", "metadata", "warcinfo"]
    assert read[0][1] == read[1][1] == PAGE  # the encoded body decodes to the page


def test_a_body_that_came_compressed_is_stored_and_the_metadata_block_digest_is_its_payload_digest() -> None:
    writer = LeveledWARCWriter(BytesIO(), gzip=True, warc_version="1.1", level=6)
    assert ENCODED[10:-8] in writer.record_bytes(_encoded_response(writer))  # level 0: the bytes show through
    plain = writer.record_bytes(_response(writer))
    assert PAGE[:200] not in plain and len(plain) < len(PAGE) // 4  # a plain body is deflated
    record = _metadata(writer)
    writer.record_bytes(record)
    payload = record.raw_stream.getvalue()
    expected = "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()
    assert record.rec_headers.get_header("WARC-Payload-Digest") == expected
    assert record.rec_headers.get_header("WARC-Block-Digest") == expected


def test_a_body_of_a_compressed_format_is_stored_and_text_is_deflated() -> None:
    writer = LeveledWARCWriter(BytesIO(), gzip=True, warc_version="1.1", level=6)
    jpeg = b"\xff\xd8\xff\xe0" + hashlib.sha512(b"x").digest() * 200  # repetitive: deflated, it would not show
    for media, stored in (("image/jpeg", True), ("font/woff2", True), ("video/mp4", True),
                          ("audio/wav", False), ("image/svg+xml", False), ("text/css", False)):
        headers = WireHeaders("200 OK", [("Content-Type", f"{media}; x=1")], protocol="HTTP/1.1")
        record = writer.create_warc_record("http://h.example/i", "response", payload=BytesIO(jpeg),
                                           length=len(jpeg), http_headers=headers)
        member = writer.record_bytes(record)
        assert (jpeg[100:400] in member) is stored, media
        assert gzip.decompress(member).endswith(jpeg + b"\r\n\r\n")
