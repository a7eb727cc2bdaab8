"""A WARC read whole: each gzip member inflated with zlib, then each member's one record read with FastWARC.

zlib checks each member's CRC and ISIZE (`warcio check` passes a file with a corrupt member), names the
offset of a damaged member and reads on past it; FastWARC verifies the record's block and payload digests.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastwarc import ArchiveIterator, WarcRecord, WarcRecordType

from pipelines.archive.verify.report import Fault

__all__ = ["Member", "Record", "WarcScan", "gzip_members", "scan_warc"]

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
# By value: FastWARC 0.14's record types print as numbers, 2.x's as names.
_TYPE_NAMES = {int(getattr(WarcRecordType, name)): name for name in (
    "warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation")}


# Gzip members, read with zlib: the offset of a damaged member is found, and the members after it are read.

@dataclass(frozen=True)
class Member:
    offset: int
    length: int
    data: bytes
    """What inflated (up to the damage, for a damaged member)."""
    error: str | None = None


def gzip_members(buf: bytes | mmap.mmap, resync: bytes = b"") -> Iterator[Member]:
    """Consecutive pieces covering `buf`: whole gzip members, and damaged stretches (`error` set).

    After a damaged stretch, reading goes on at the next whole member whose content starts with `resync`
    (b"WARC/" for a WARC: a stored record may hold a gzip body, which is no member of the file).
    """
    pos = 0
    while pos < len(buf):
        member = _inflate(buf, pos)
        if member.error is None:
            yield member
            pos += member.length
            continue
        nxt = _next_whole_member(buf, pos + 1, resync)
        end = len(buf) if nxt is None else nxt
        yield Member(pos, end - pos, member.data, member.error)
        pos = end


def _inflate(buf: bytes | mmap.mmap, start: int) -> Member:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)  # gzip framing: the trailer's CRC32 and ISIZE checked
    view = memoryview(buf)
    out: list[bytes] = []
    pos = start
    try:
        while not inflater.eof:
            if pos >= len(buf):
                out.append(inflater.flush())
                return Member(start, pos - start, b"".join(out), "gzip member cut short (no trailer)")
            # Small first reads, growing: zlib copies what follows a member's end, a 1 MB chunk per record.
            chunk = view[pos:pos + min(_CHUNK, 16384 << len(out))]
            out.append(inflater.decompress(chunk))
            pos += len(chunk) - len(inflater.unused_data)
    except zlib.error as exc:
        return Member(start, pos - start, b"".join(out), f"corrupt gzip member ({exc})")
    finally:
        view.release()
    return Member(start, pos - start, b"".join(out))


def _next_whole_member(buf: bytes | mmap.mmap, start: int, resync: bytes) -> int | None:
    pos = buf.find(_GZIP_MAGIC, start)
    while pos != -1:
        member = _inflate(buf, pos)
        if member.error is None and member.data.startswith(resync):
            return pos
        pos = buf.find(_GZIP_MAGIC, pos + 1)
    return None


# WARC records, read with FastWARC from each member.

@dataclass(frozen=True)
class Record:
    length: int
    record_id: str
    record_type: str
    payload_digest: str
    refers_to: str = ""
    sound: bool = True
    """Whole, with verified digests."""


def _record(member: Member) -> tuple[Record | None, list[str]]:
    """The member's one record and what is wrong with it."""
    found: list[Record] = []
    problems: list[str] = []
    try:
        for rec in ArchiveIterator(io.BytesIO(member.data), parse_http=False):
            if found:
                problems.append("more than one record in one gzip member")
                break
            kind = _TYPE_NAMES.get(int(rec.record_type), "unknown")
            payload = rec.headers.get("WARC-Payload-Digest") or ""
            problems += _digest_problems(rec, kind, payload)
            refers_to = rec.headers.get("WARC-Refers-To") or "" if kind == "revisit" else ""
            found.append(Record(member.length, rec.record_id or "", kind, payload, refers_to))
    except Exception as exc:  # a header FastWARC cannot parse: OSError in 2.x, its own StreamError in 0.14
        problems.append(f"not a WARC record ({exc})")
    if not found:
        return None, problems or ["no WARC record in this gzip member"]
    return replace(found[0], sound=not problems), problems


def _digest_problems(rec: WarcRecord, kind: str, payload: str) -> list[str]:
    problems = []
    block = rec.headers.get("WARC-Block-Digest") or ""
    if not block:
        problems.append(f"{kind} record without WARC-Block-Digest")
    elif not rec.verify_block_digest():  # keeps the record readable for the payload's check
        problems.append(f"{kind} record: WARC-Block-Digest {block} does not match its block")
    # A revisit's payload digest is the earlier capture's: its own block holds headers only.
    if not payload or kind == "revisit":
        return problems
    if not (rec.headers.get("Content-Type") or "").startswith("application/http"):
        # Not HTTP: the payload is the block, checked above.
        if payload != block:
            problems.append(f"{kind} record: payload digest {payload} differs from its block digest")
        return problems
    try:
        rec.parse_http()
        if not rec.verify_payload_digest():
            problems.append(f"{kind} record: WARC-Payload-Digest {payload} does not match its payload")
    except Exception as exc:  # OSError in FastWARC 2.x, StreamError in 0.14
        problems.append(f"{kind} record: HTTP headers unreadable ({exc})")
    return problems


# One WARC file: both passes, and its sha256 for the manifest's check.

@dataclass
class WarcScan:
    size: int = 0
    sha256: str = ""
    records: dict[int, Record] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)


def scan_warc(path: Path, key: str, advance: Callable[[int], None] = lambda n: None) -> WarcScan:
    """Every member and record of a local WARC file, hashed as it is read."""
    scan = WarcScan()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        scan.size = path.stat().st_size
        if scan.size == 0:
            scan.faults.append(Fault(key, "empty file"))
            scan.sha256 = digest.hexdigest()
            return scan
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            for member in gzip_members(buf, resync=b"WARC/"):
                digest.update(memoryview(buf)[member.offset:member.offset + member.length])
                advance(member.length)
                where = f"offset {member.offset}"
                if member.error:
                    scan.faults.append(Fault(key, f"{member.error}; {member.length} bytes unreadable", where))
                    scan.records[member.offset] = Record(member.length, "", "", "", sound=False)
                    continue
                record, problems = _record(member)
                scan.faults += [Fault(key, problem, where) for problem in problems]
                if record is not None:
                    scan.records[member.offset] = record
    scan.sha256 = digest.hexdigest()
    return scan
