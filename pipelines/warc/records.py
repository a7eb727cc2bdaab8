"""warcio, adjusted in two places: header blocks written back as the wire's bytes, and a gzip level per record.

Both reach into warcio: WireHeaders overrides `StatusAndHeaders.compute_headers_buffer`, LeveledWARCWriter
wraps the private `WARCWriter._write_warc_record`. They live here alone, and tests/test_warc_records.py fails
loudly if a warcio release changes either.
"""

from __future__ import annotations

import zlib
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import GzippingWrapper, WARCWriter

__all__ = ["LeveledWARCWriter", "WireHeaders"]


class WireHeaders(StatusAndHeaders):  # type: ignore[misc]
    """An HTTP header block written back as the bytes that came over the wire.

    The WARC capture decodes header bytes as latin-1, one character per byte. warcio would percent-encode
    any value that is not ASCII (a UTF-8 filename, a Location with a non-ASCII path), so the record would
    hold a header the server never sent, and a redirect would replay to another URL. Encoding back as
    latin-1 gives the original bytes; the block digest is computed over them.
    """

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        text = self.to_str(header_filter)
        try:
            self.headers_buff = text.encode("latin-1") + b"\r\n"
        except UnicodeEncodeError:  # not from the wire (wire text is latin-1 by construction): ours, as UTF-8
            self.headers_buff = text.encode("utf-8") + b"\r\n"


class LeveledWARCWriter(WARCWriter):  # type: ignore[misc]
    """warcio's writer with a chosen gzip level: level 9 costs much CPU for little on compressed bodies."""

    def __init__(self, filebuf: IO[bytes], *args: Any, level: int = 6, **kwargs: Any) -> None:
        super().__init__(filebuf, *args, **kwargs)
        self.level = level
        self.gzip: bool = self.gzip

    def _write_warc_record(self, out: Any, record: Any) -> Any:
        if not self.gzip:
            return super()._write_warc_record(out, record)
        # A body that came compressed (gzip, br) does not shrink again: it is stored (level 0, still a valid
        # gzip member; measured in bench/ at +2% size for a twentieth of the time); the item JSON of a metadata
        # record compresses well at level 1.
        encoded = record.http_headers is not None and record.http_headers.get_header("Content-Encoding")
        level = 0 if encoded else 1 if record.rec_type == "metadata" else self.level
        wrapper = GzippingWrapper(out)
        wrapper.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.gzip = False
        try:
            return super()._write_warc_record(wrapper, record)
        finally:
            self.gzip = True
