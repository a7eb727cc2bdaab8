"""`scrapy verify`'s checks: every file of a crawl read back whole and checked against what points at it.

Per crawl: each WARC gzip member inflates whole (zlib checks CRC and ISIZE; `warcio check` passes a file with
a corrupt member) and holds one record whose digests FastWARC verifies; each item line and each index line
points at a whole record with its id and digest; the manifest lists every stored file, with its size and
sha256. Each fault is one line naming the file and the offset or line. Pure functions over a Store.
"""

from __future__ import annotations

import hashlib
import io
import json
import mmap
import re
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from fastwarc import ArchiveIterator, WarcRecord, WarcRecordType

from pipelines.archive.cdxj import read_cdxj, read_indexes
from pipelines.archive.manifest import manifest_key
from pipelines.storage.base import Store, StoredObject, StoreError

__all__ = ["Counts", "CrawlFiles", "Fault", "Member", "Progress", "Verifier", "gzip_members", "survey"]

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_BATCH_RE = re.compile(r"^(?P<crawl>.+)-\d{5}\.(?:warc|jsonl)\.gz$")
_POINTED_TYPES = ("response", "revisit")  # what an item or an index line may point at
# By value: FastWARC 0.14's record types print as numbers, 2.x's as names.
_TYPE_NAMES = {int(getattr(WarcRecordType, name)): name for name in (
    "warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation")}


@dataclass(frozen=True)
class Fault:
    key: str
    problem: str
    where: str = ""
    """`offset N` or `line N`; empty for the file as a whole."""

    def __str__(self) -> str:
        return f"{self.key} {self.where}: {self.problem}" if self.where else f"{self.key}: {self.problem}"


@dataclass
class Counts:
    crawls: int = 0
    warcs: int = 0
    records: int = 0
    items: int = 0
    index_lines: int = 0
    manifest_entries: int = 0
    faults: int = 0

    def summary(self) -> str:
        return (f"verified {self.crawls} crawl(s): {self.warcs} WARCs, {self.records} records, {self.items} items, "
                f"{self.index_lines} index lines, {self.manifest_entries} manifest entries; {self.faults} fault(s)")


class Progress(Protocol):
    def expect(self, size: int) -> None:
        """More bytes to check than announced so far."""

    def advance(self, size: int) -> None:
        """Bytes checked."""

    def checked(self, key: str) -> None:
        """A file is done."""


# The archive's files, by crawl.

@dataclass
class CrawlFiles:
    outlet: str
    crawl_id: str
    manifest: str | None = None
    index: str | None = None
    warcs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    def stored(self) -> list[str]:
        """The crawl's data files (its manifest aside)."""
        return [*self.warcs, *self.items, *([self.index] if self.index else [])]


def survey(store: Store, outlet: str | None = None) -> tuple[dict[str, dict[str, CrawlFiles]], list[str]]:
    """outlet → crawl id → its files, from the store's keys; and the keys that belong to no crawl."""
    crawls: dict[str, dict[str, CrawlFiles]] = {}
    strays: list[str] = []
    for kind in ("crawls", "indexes", "warc", "items"):
        for key in sorted(store.keys(f"{kind}/{outlet}/" if outlet else f"{kind}/")):
            parts = key.split("/")
            name = parts[-1]
            batch = _BATCH_RE.match(name)
            if kind == "crawls" and len(parts) == 3 and name.endswith(".json"):
                crawl_id = name.removesuffix(".json")
            elif kind == "indexes" and len(parts) == 3 and name.endswith(".cdxj"):
                crawl_id = name.removesuffix(".cdxj")
            elif kind in ("warc", "items") and len(parts) == 6 and batch and name.endswith(
                    ".warc.gz" if kind == "warc" else ".jsonl.gz"):
                crawl_id = batch["crawl"]
            else:
                strays.append(key)
                continue
            files = crawls.setdefault(parts[1], {}).setdefault(crawl_id, CrawlFiles(parts[1], crawl_id))
            if kind == "crawls":
                files.manifest = key
            elif kind == "indexes":
                files.index = key
            else:
                (files.warcs if kind == "warc" else files.items).append(key)
    return crawls, strays


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


# One crawl.

class Verifier:
    """Checks crawls one after the other; faults go to `report` as they are found, counts add up."""

    def __init__(self, store: Store, tmp: Path, report: Callable[[Fault], None],
                 progress: Progress | None = None) -> None:
        self.store = store
        self.tmp = tmp
        self.report = report
        self.progress = progress
        self.counts = Counts()
        self._captures: dict[str, dict[str, str] | None] = {}
        self._manifests: dict[str, _Manifest] = {}

    def fault(self, key: str, problem: str, where: str = "") -> None:
        self.counts.faults += 1
        self.report(Fault(key, problem, where))

    def expected_bytes(self, crawls: list[CrawlFiles]) -> int:
        """The size of the crawls' WARCs as their manifests give it, for a progress bar's total. The manifests
        are read here, a few at a time (round trips add up on a remote store), and kept (their file lists)."""
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="verify-manifest") as pool:
            for crawl, manifest in zip(crawls, pool.map(self._read_manifest, crawls), strict=True):
                if crawl.manifest:
                    self._manifests[crawl.manifest] = manifest
        return sum(size for crawl in crawls for key in crawl.warcs
                   if isinstance(size := self._manifest(crawl).files.get(key, {}).get("size"), int))

    def verify(self, crawl: CrawlFiles) -> None:
        self.counts.crawls += 1
        read: dict[str, StoredObject] = {}  # what was read of each file: the manifest is checked against it
        warc_keys = {PurePosixPath(k).name: k for k in crawl.warcs}
        listed = self._manifest(crawl).files
        records: dict[str, dict[int, Record]] = {}
        for key, scan in self._scans(crawl.warcs, listed):
            self.counts.warcs += 1
            self.counts.records += len(scan.records)
            read[key] = StoredObject(key, scan.size, scan.sha256)
            for fault in scan.faults:
                self.fault(fault.key, fault.problem, fault.where)
            records[PurePosixPath(key).name] = scan.records
            self._check_revisits(crawl.outlet, key, scan.records)
        pointers = _Pointers(warc_keys, records, {PurePosixPath(k).name: k for k in listed if k.startswith("warc/")})
        for key in crawl.items:
            self._check_items(key, pointers, read)
        self._check_index(crawl, pointers, read)
        self._check_manifest(crawl, read)

    def _scans(self, keys: list[str], listed: dict[str, dict[str, Any]]) -> Iterator[tuple[str, WarcScan]]:
        """Each WARC scanned from a local copy; the next one downloads meanwhile (a remote store)."""
        def fetch(index: int, key: str) -> Path:
            return self.store.download(key, self.tmp / f"{index}-{PurePosixPath(key).name}")

        advance = self.progress.advance if self.progress else (lambda n: None)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-download") as pool:
            pending: list[Future[Path]] = [pool.submit(fetch, i, k) for i, k in enumerate(keys[:1])]
            for index, key in enumerate(keys):
                if index + 1 < len(keys):
                    pending.append(pool.submit(fetch, index + 1, keys[index + 1]))
                try:
                    path = pending[index].result()
                except (StoreError, OSError) as exc:
                    self.fault(key, f"cannot read: {exc}")
                    continue
                try:
                    if self.progress and not isinstance(listed.get(key, {}).get("size"), int):
                        self.progress.expect(path.stat().st_size)
                    scan = scan_warc(path, key, advance)
                except OSError as exc:  # gone since the listing
                    self.fault(key, f"cannot read: {exc.strerror or exc}")
                    continue
                finally:
                    if path.parent == self.tmp:  # a copy of ours (a folder store hands over its own file)
                        path.unlink(missing_ok=True)
                if self.progress:
                    self.progress.checked(key)
                yield key, scan

    def _check_revisits(self, outlet: str, key: str, records: dict[int, Record]) -> None:
        """A revisit replays from the capture it refers to: that capture must be in one of the outlet's indexes."""
        for offset, record in records.items():
            if record.record_type != "revisit" or not record.refers_to:
                continue
            captures = self._outlet_captures(outlet)
            if captures is None:
                return
            digest = captures.get(record.refers_to)
            if digest is None:
                self.fault(key, f"revisit refers to {record.refers_to}, which no index of {outlet} holds",
                           f"offset {offset}")
            elif digest != record.payload_digest:
                self.fault(key, f"revisit's payload digest {record.payload_digest} differs from {digest} of the "
                                f"record it refers to ({record.refers_to})", f"offset {offset}")

    def _outlet_captures(self, outlet: str) -> dict[str, str] | None:
        """Record id → payload digest of every response the outlet's indexes hold; None when unreadable."""
        if outlet not in self._captures:
            try:
                self._captures[outlet] = {e.record_id: e.digest for _, entries in read_indexes(
                    self.store, f"indexes/{outlet}/") for e in entries if e.record_type == "response"}
            except (StoreError, OSError) as exc:
                self.fault(f"indexes/{outlet}/", f"cannot read the indexes, revisits not checked: {exc}")
                self._captures[outlet] = None
        return self._captures[outlet]

    def _read(self, key: str, read: dict[str, StoredObject]) -> bytes | None:
        try:
            data = self.store.read(key)
        except (StoreError, OSError) as exc:
            self.fault(key, f"cannot read: {exc}")
            return None
        read[key] = StoredObject(key, len(data), hashlib.sha256(data).hexdigest())
        return data

    def _check_items(self, key: str, pointers: _Pointers, read: dict[str, StoredObject]) -> None:
        data = self._read(key, read)
        if data is None:
            return
        parts: list[bytes] = []
        damaged = False
        for member in gzip_members(data):
            parts.append(member.data)
            if member.error:
                damaged = True
                whole = sum(part.count(b"\n") for part in parts)
                self.fault(key, f"{member.error}: lines after line {whole} lost", f"offset {member.offset}")
        lines = b"".join(parts).split(b"\n")
        tail = lines.pop()  # empty after the last newline; when damaged, a line cut short (reported above)
        if tail and not damaged:
            lines.append(tail)
        for number, line in enumerate(lines, 1):
            self.counts.items += 1
            try:
                item = json.loads(line)
            except ValueError:
                self.fault(key, "not a JSON line", f"line {number}")
                continue
            ref = item.get("warc") if isinstance(item, dict) else None
            if not isinstance(item, dict):
                problem: str | None = "not a JSON object"
            elif not isinstance(ref, dict) or not _is_pointer(ref):
                problem = "no warc pointer {filename, offset, length, record_id, payload_digest}"
            else:
                problem = pointers.problem(ref["filename"], ref["offset"], ref["length"],
                                           record_id=ref["record_id"], digest=ref["payload_digest"])
            if problem:
                self.fault(key, problem, f"line {number}")

    def _check_index(self, crawl: CrawlFiles, pointers: _Pointers, read: dict[str, StoredObject]) -> None:
        if crawl.index is None:
            if crawl.warcs:
                self.fault(f"indexes/{crawl.outlet}/{crawl.crawl_id}.cdxj", "no index for the crawl's WARCs")
            return
        data = self._read(crawl.index, read)
        if data is None:
            return
        indexed: set[tuple[str, int]] = set()
        previous, in_order = b"", True
        for number, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            self.counts.index_lines += 1
            if in_order and line < previous:  # reported once: the lines after it are out of place too
                in_order = False
                self.fault(crawl.index, "out of order from here: pywb finds lines by binary search", f"line {number}")
            previous = line
            entries = list(read_cdxj(line))
            if not entries:
                self.fault(crawl.index, "not a CDXJ line of ours", f"line {number}")
                continue
            entry = entries[0]
            indexed.add((entry.filename, entry.offset))
            problem = pointers.problem(entry.filename, entry.offset, entry.length, record_id=entry.record_id,
                                       digest=entry.digest, kinds=(entry.record_type,))
            if problem:
                self.fault(crawl.index, problem, f"line {number}")
        for name, records in pointers.records.items():
            for offset, record in records.items():
                if record.record_type in _POINTED_TYPES and (name, offset) not in indexed:
                    self.fault(pointers.warc_keys[name], f"{record.record_type} record missing from {crawl.index}",
                               f"offset {offset}")

    def _manifest(self, crawl: CrawlFiles) -> _Manifest:
        if crawl.manifest is None:
            return _NO_MANIFEST
        if crawl.manifest not in self._manifests:
            self._manifests[crawl.manifest] = self._read_manifest(crawl)
        return self._manifests[crawl.manifest]

    def _read_manifest(self, crawl: CrawlFiles) -> _Manifest:
        if crawl.manifest is None:
            return _NO_MANIFEST
        try:
            manifest = json.loads(self.store.read(crawl.manifest))
        except (StoreError, OSError) as exc:
            return _Manifest(problem=f"cannot read: {exc}")
        except ValueError:
            return _Manifest(problem="not JSON")
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, list):
            return _Manifest(problem="no list of files")
        problems = [f"its {name} is {manifest.get(name)!r}, not {value!r}"
                    for name, value in (("outlet", crawl.outlet), ("crawl_id", crawl.crawl_id))
                    if manifest.get(name) != value]
        return _Manifest({e["key"]: e for e in files if isinstance(e, dict) and isinstance(e.get("key"), str)},
                         "; ".join(problems) or None, entries=len(files))

    def _check_manifest(self, crawl: CrawlFiles, read: dict[str, StoredObject]) -> None:
        manifest = self._manifest(crawl)
        key = crawl.manifest or manifest_key(crawl.outlet, crawl.crawl_id)
        if manifest.problem:
            self.fault(key, manifest.problem)
        if crawl.manifest is None or (manifest.problem and not manifest.files):
            return  # no list to check the files against: one fault said so
        if len(manifest.files) != manifest.entries:
            self.fault(key, f"{manifest.entries - len(manifest.files)} file entries without a key, or repeated")
        for entry in manifest.files.values():
            self.counts.manifest_entries += 1
            problem = self._entry_problem(entry, read)
            if problem:
                self.fault(entry["key"], f"{problem} (manifest {key})")
        for stored in crawl.stored():
            if stored not in manifest.files:
                self.fault(stored, f"stored, but not listed in the manifest {key}")

    def _entry_problem(self, entry: dict[str, Any], read: dict[str, StoredObject]) -> str | None:
        found = read.get(entry["key"])
        if found is None:
            try:
                found = self.store.head(entry["key"])
            except (StoreError, ValueError) as exc:
                return f"cannot read: {exc}"
        if found is None:
            spooled = " (kept in the crawl's spool: run `scrapy archive-sync`)" if entry.get("stored") is False else ""
            return f"listed in the manifest, not in the archive{spooled}"
        if found.size != entry.get("size"):
            return f"{found.size} bytes, the manifest says {entry.get('size')}"
        if found.sha256 is not None and found.sha256 != entry.get("sha256"):
            return f"sha256 {found.sha256}, the manifest says {entry.get('sha256')}"
        return None


@dataclass(frozen=True)
class _Manifest:
    """What verify needs of a manifest: its files by key (small: a manifest also holds the crawl's stats)."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str | None = None
    entries: int = 0


_NO_MANIFEST = _Manifest(problem="no manifest (the crawl was killed, or is still running)")


def _is_pointer(ref: dict[str, Any]) -> bool:
    return (isinstance(ref.get("filename"), str) and isinstance(ref.get("record_id"), str)
            and isinstance(ref.get("payload_digest"), str)
            and all(isinstance(ref.get(n), int) and not isinstance(ref.get(n), bool) for n in ("offset", "length")))


@dataclass
class _Pointers:
    """The crawl's WARC records by (file name, offset), for what points at them."""

    warc_keys: dict[str, str]
    records: dict[str, dict[int, Record]]
    listed: dict[str, str]
    """WARC file name → key, as the manifest lists them (to name a missing file by its key)."""

    def problem(self, filename: str, offset: int, length: int, *, record_id: str, digest: str,
                kinds: tuple[str, ...] = _POINTED_TYPES) -> str | None:
        key = self.warc_keys.get(filename)
        if key is None:
            return f"points at {self.listed.get(filename, filename)}, which is not in the archive"
        records = self.records.get(filename)
        if records is None:
            return f"points at {key}, which could not be read"
        record = records.get(offset)
        if record is None:
            return f"no record starts at offset {offset} of {key}"
        where = f"the record at offset {offset} of {key}"
        if not record.sound:
            return f"{where} is damaged"
        if record.length != length:
            return f"{where} is {record.length} bytes long, not {length}"
        if record.record_id != record_id:
            return f"{where} is {record.record_id}, not {record_id}"
        if record.record_type not in kinds:
            return f"{where} is a {record.record_type} record, not {' or '.join(kinds)}"
        if record.payload_digest != digest:
            return f"{where} has payload digest {record.payload_digest}, not {digest}"
        return None
