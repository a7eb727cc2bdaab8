"""warcio, adjusted in three places: header blocks written back as the wire's bytes, each record compressed as one
gzip member in one call at a level chosen per record, and digests computed once per record in one call.

All three reach into warcio: WireHeaders overrides `StatusAndHeaders.compute_headers_buffer`, LeveledWARCWriter
calls the private `WARCWriter._write_warc_record` (to build the record uncompressed in memory) and overrides
`RecordBuilder.ensure_digest`. They live here alone, and tests/test_house.py and tests/test_warc_records.py fail
loudly if a warcio release changes any of them.
"""

from __future__ import annotations

import base64
import hashlib
from io import BytesIO
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

__all__ = ["LeveledWARCWriter", "WireHeaders", "sha1_digest"]

_GZIP_MEMBER = 16 + 15
"""zlib's wbits for a gzip member (header and trailer) with the largest window."""
_STREAM_SHA1 = "_outlet_archive_stream_sha1"
METADATA_LEVEL = 2
"""The item JSON of a metadata record: zlib-ng's level 2 compresses it as well as zlib's level 1, faster."""
COMPRESSED_MEDIA = frozenset({
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/heif", "image/jxl",
    "font/woff", "font/woff2", "application/font-woff", "application/zip", "application/gzip", "application/x-gzip",
    "application/zstd", "application/x-7z-compressed", "application/x-bzip2", "application/x-xz",
    "application/vnd.rar",
})
"""Media types whose bodies are compressed formats: deflate gains ~0.3% on them (bench's JPEGs) for ~20x the CPU."""
_UNCOMPRESSED_AV = frozenset({"audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave", "audio/aiff", "audio/x-aiff"})


def sha1_digest(*parts: bytes | memoryview) -> str:
    """WARC's digest of the bytes of `parts`, in order: sha1, base32 (warcio's Digester, in one call)."""
    digest = hashlib.sha1(parts[0])  # noqa: S324 - WARC's digest
    for part in parts[1:]:
        digest.update(part)
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


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
    """warcio's writer, each record one gzip member compressed in one call, at a level chosen for the record.

    warcio's own gzip path (GzippingWrapper) compresses each piece of a record as it is written, header by
    header, then flushes: many small calls into zlib per record. Here warcio writes the record uncompressed into
    memory, and the whole record is deflated at once by zlib-ng: the same record, the same kind of gzip member
    (pywb, warcio and the recovery read it as they read warcio's), for a fraction of the CPU.
    """

    def __init__(self, filebuf: IO[bytes], *args: Any, level: int = 6, **kwargs: Any) -> None:
        super().__init__(filebuf, *args, **kwargs)
        self.level = level
        self.gzip: bool = self.gzip

    def level_for(self, record: Any) -> int:
        # A body that came compressed (gzip, br), or is a compressed format (JPEG, WOFF2, video), does not shrink
        # again: it is stored (level 0, still a valid gzip member; measured in bench/ at +2% size for a twentieth
        # of the time on gzip pages); the item JSON of a metadata record compresses well at a low level.
        http = record.http_headers
        if http is not None:
            if http.get_header("Content-Encoding"):
                return 0
            media = (http.get_header("Content-Type") or "").split(";", 1)[0].strip().lower()
            if media in COMPRESSED_MEDIA or (media.startswith(("video/", "audio/")) and media not in _UNCOMPRESSED_AV):
                return 0
        return METADATA_LEVEL if record.rec_type == "metadata" else self.level

    def record_bytes(self, record: Any) -> bytes:
        """The record as it goes into the file: one gzip member (or the plain record when gzip is off)."""
        plain = BytesIO()
        gzip, self.gzip = self.gzip, False
        try:
            super()._write_warc_record(plain, record)
        finally:
            self.gzip = gzip
        data = plain.getvalue()
        return zlib_ng.compress(data, self.level_for(record), wbits=_GZIP_MEMBER) if gzip else data

    def write_record(self, record: Any, params: Any = None) -> None:
        self.out.write(self.record_bytes(record))
        self.out.flush()

    def ensure_digest(self, record: Any, block: bool = True, payload: bool = True) -> None:
        """warcio's digests, each over the record's bytes in one call, and the payload's reused for the block
        when the block is the payload (a record without HTTP headers): the same headers, in the same order."""
        stream = record.raw_stream
        if record.length is None or type(stream) is not BytesIO:
            super().ensure_digest(record, block=block, payload=payload)
            return
        headers = record.rec_headers
        block = block and not headers.get_header("WARC-Block-Digest")
        payload = payload and not (headers.get_header("WARC-Payload-Digest")
                                   or record.rec_type in self.NO_PAYLOAD_DIGEST_TYPES)
        if not (block or payload):
            return
        pos = stream.tell()
        whole = stream.getvalue()  # the BytesIO's own bytes object, not a copy, while nothing writes to it
        body = whole[pos:] if pos else whole
        # The stream's digest, kept on the record: the payload's (at creation) is the block's (at writing) when
        # the record has no HTTP headers.
        http = record.http_headers
        if payload or (block and http is None):
            known = getattr(record, _STREAM_SHA1, None)
            if known is not None and known[0] is whole and known[1] == pos:
                stream_digest = known[2]
            else:
                stream_digest = sha1_digest(body)
                setattr(record, _STREAM_SHA1, (whole, pos, stream_digest))
            if payload:
                headers.add_header("WARC-Payload-Digest", stream_digest)
            if block and http is None:
                headers.add_header("WARC-Block-Digest", stream_digest)
                return
        if block:
            if not http.headers_buff:
                http.compute_headers_buffer(self.header_filter)
            headers.add_header("WARC-Block-Digest", sha1_digest(http.headers_buff, body))
