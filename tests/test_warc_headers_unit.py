"""pipelines.warc.records.WireHeaders: header bytes written back as they came."""

from __future__ import annotations

from pipelines.warc.writer import WireHeaders


def test_wire_bytes_round_trip() -> None:
    raw = 'inline; filename="lettre-\u00e0.html"'.encode()
    headers = WireHeaders("200 OK", [("Content-Disposition", raw.decode("latin-1")), ("Set-Cookie", "a=1")],
                          protocol="HTTP/1.1")
    headers.compute_headers_buffer()
    assert headers.headers_buff == (b"HTTP/1.1 200 OK\r\nContent-Disposition: " + raw
                                    + b"\r\nSet-Cookie: a=1\r\n\r\n")


def test_text_that_did_not_come_from_the_wire_is_written_as_utf8() -> None:
    headers = WireHeaders("GET /caf\u00e9\u2013x HTTP/1.1", [("Host", "example.org")], is_http_request=True)
    headers.compute_headers_buffer()
    assert headers.headers_buff.startswith("GET /caf\u00e9\u2013x HTTP/1.1\r\n".encode())
