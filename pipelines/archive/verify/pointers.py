"""What points at a WARC record: each item line's `warc` pointer and each index line must name a whole record,
with its offset, length, id, type and payload digest; and each response or revisit must have its index line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pipelines.archive.cdxj import CdxjEntry, read_cdxj
from pipelines.archive.verify.members import Record, gzip_members
from pipelines.archive.verify.report import OnFault

__all__ = ["Pointers", "check_index", "check_items"]

_POINTED_TYPES = ("response", "revisit")  # what an item or an index line may point at


@dataclass
class Pointers:
    """The crawl's WARC records by (file name, offset), for what points at them."""

    warc_keys: dict[str, str]
    records: dict[str, dict[int, Record]]
    listed: dict[str, str]
    """WARC file name → key, as the manifest lists them (to name a missing file by its key)."""
    elsewhere: dict[tuple[str, int], CdxjEntry] = field(default_factory=dict)
    """Records of the outlet's other crawls, by (file name, offset), from their indexes."""

    def problem(self, filename: str, offset: int, length: int, *, record_id: str, digest: str,
                kinds: tuple[str, ...] = _POINTED_TYPES) -> str | None:
        key = self.warc_keys.get(filename)
        if key is None and (filename, offset) in self.elsewhere:
            entry = self.elsewhere[(filename, offset)]
            return _differs(f"the record at offset {offset} of {filename} (an earlier crawl's, by its index)",
                            (entry.length, entry.record_id, entry.record_type, entry.digest),
                            (length, record_id, kinds, digest))
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
        return _differs(where, (record.length, record.record_id, record.record_type, record.payload_digest),
                        (length, record_id, kinds, digest))


def check_items(key: str, data: bytes, pointers: Pointers, fault: OnFault) -> int:
    """An items batch (`data`, read from `key`): its faults go to `fault`; returns how many lines it holds."""
    parts: list[bytes] = []
    damaged = False
    for member in gzip_members(data):
        parts.append(member.data)
        if member.error:
            damaged = True
            whole = sum(part.count(b"\n") for part in parts)
            fault(key, f"{member.error}: lines after line {whole} lost", f"offset {member.offset}")
    lines = b"".join(parts).split(b"\n")
    tail = lines.pop()  # empty after the last newline; when damaged, a line cut short (reported above)
    if tail and not damaged:
        lines.append(tail)
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
        except ValueError:
            fault(key, "not a JSON line", f"line {number}")
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
            fault(key, problem, f"line {number}")
        revisit = item.get("warc_revisit") if isinstance(item, dict) else None
        if isinstance(revisit, dict):
            problem = pointers.problem(revisit.get("filename", ""), revisit.get("offset", -1),
                                       revisit.get("length", -1), record_id=revisit.get("record_id", ""),
                                       digest=revisit.get("payload_digest", ""), kinds=("revisit",)) \
                if _is_pointer(revisit) else "warc_revisit is no pointer"
            if problem:
                fault(key, f"warc_revisit {problem}", f"line {number}")
    return len(lines)


def _differs(where: str, found: tuple[int, str, str, str], wanted: tuple[int, str, tuple[str, ...], str]) -> str | None:
    """How a record (length, id, type, payload digest) differs from what points at it, or None."""
    (length, record_id, record_type, digest), (want_length, want_id, kinds, want_digest) = found, wanted
    if length != want_length:
        return f"{where} is {length} bytes long, not {want_length}"
    if record_id != want_id:
        return f"{where} is {record_id}, not {want_id}"
    if record_type not in kinds:
        return f"{where} is a {record_type} record, not {' or '.join(kinds)}"
    if digest != want_digest:
        return f"{where} has payload digest {digest}, not {want_digest}"
    return None


def _is_pointer(ref: dict[str, Any]) -> bool:
    return (isinstance(ref.get("filename"), str) and isinstance(ref.get("record_id"), str)
            and isinstance(ref.get("payload_digest"), str)
            and all(isinstance(ref.get(n), int) and not isinstance(ref.get(n), bool) for n in ("offset", "length")))


def check_index(key: str, data: bytes, pointers: Pointers, fault: OnFault) -> int:
    """A crawl's CDXJ index (`data`, read from `key`), and the records it should list: its faults go to `fault`;
    returns how many lines it holds."""
    indexed: set[tuple[str, int]] = set()
    previous, in_order, count = b"", True, 0
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        count += 1
        if in_order and line < previous:  # reported once: the lines after it are out of place too
            in_order = False
            fault(key, "out of order from here: pywb finds lines by binary search", f"line {number}")
        previous = line
        entries = list(read_cdxj(line))
        if not entries:
            fault(key, "not a CDXJ line of ours", f"line {number}")
            continue
        entry = entries[0]
        indexed.add((entry.filename, entry.offset))
        problem = pointers.problem(entry.filename, entry.offset, entry.length, record_id=entry.record_id,
                                   digest=entry.digest, kinds=(entry.record_type,))
        if problem:
            fault(key, problem, f"line {number}")
    for name, records in pointers.records.items():
        for offset, record in records.items():
            if record.record_type in _POINTED_TYPES and (name, offset) not in indexed:
                fault(pointers.warc_keys[name], f"{record.record_type} record missing from {key}", f"offset {offset}")
    return count
