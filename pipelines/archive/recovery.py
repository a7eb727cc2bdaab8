"""The files a killed crawl left open in a spool, finished so that they are stored like any other.

A crawl ended by SIGKILL, the OOM killer or a power cut never renames its `.open` files, and the spool would
keep them for ever. At the start of every crawl and in `scrapy archive-sync`, each `.open` file whose crawl
no longer runs (its spool lock is free, see pipelines.storage.spool.SpoolLock) is finished here:

- a WARC keeps its complete records. Each record is one gzip member, flushed whole, so the file is cut
  after the last member whose gzip trailer was written (its CRC checked), then renamed;
- an item batch keeps its complete JSON lines (the writer flushes the gzip stream after every item), which
  are written out again as a whole gzip file;
- the crawl's index (`{crawl_id}.cdxj.unsorted.open`, one line per record) keeps the lines of WARC files
  that were closed and stored, gets the lines of the WARC files still in the spool from their records, and
  is sorted into indexes/{outlet}/{crawl_id}.cdxj, so later crawls see these captures (revisits,
  incremental crawls).

No manifest is written: a manifest says that a crawl ended and lists every file it stored, and the files a
killed crawl stored before it died are known only to the store. The log names each recovered file and what
was cut from it.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator

from pipelines.archive.cdxj import CdxjEntry, cdxj_line
from pipelines.archive.orphans import ItemAt, complete_items
from pipelines.storage.base import Store
from pipelines.storage.spool import ACTIVE_DIR, OPEN_SUFFIX, active_crawls

__all__ = ["Recovered", "recover_spool", "warc_index_entries", "whole_members_end"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
# {crawl_id}-{seq:05d}.warc.gz / .jsonl.gz, and {crawl_id}.cdxj.unsorted (pipelines.warc.writer, item_writer).
_NUMBERED = re.compile(r"^(?P<crawl>.+)-\d{5}\.(?P<kind>warc|jsonl)\.gz$")
_INDEX = re.compile(r"^(?P<crawl>.+)\.cdxj\.unsorted$")
# A sorted run of the index being merged when the crawl was killed (pipelines/warc/writer.py sort_lines): the
# unsorted lines are still there, and recovery rebuilds the index from them.
_INDEX_RUN = re.compile(r"^(?P<crawl>.+)\.cdxj\.run\d+$")


@dataclass(frozen=True)
class Recovered:
    key: str
    """The key the finished file is stored under ('' when nothing in it could be kept)."""
    kept: int
    """Records (WARC), items (batch) or index lines kept."""
    cut_bytes: int
    """What was not kept: the bytes of the WARC record (compressed), item line or index line the kill cut."""


def recover_spool(spool_dir: Path, *, own_crawl: str | None = None, store: Store | None = None,
                  extract: ItemAt | None = None) -> list[Recovered]:
    """Finish every `.open` file of the crawls that no longer run; `own_crawl` (the caller's) counts as dead.

    Then each such crawl's responses left without an item get theirs (pipelines/archive/orphans.py), matched
    against its batches in the spool and in `store`, from the WARC's metadata records or from `extract`.
    """
    if not spool_dir.is_dir():
        return []
    running = active_crawls(spool_dir) - {own_crawl}
    orphans: dict[str, list[Path]] = {}
    for path in sorted(spool_dir.rglob("*" + OPEN_SUFFIX)):
        if not path.is_file() or path.relative_to(spool_dir).parts[0] == ACTIVE_DIR:
            continue
        name = path.name.removesuffix(OPEN_SUFFIX)
        run = _INDEX_RUN.match(name)
        if run is not None:
            if run["crawl"] not in running:
                path.unlink()
                logger.warning("removed a sorted run of killed crawl %s's index: %s", run["crawl"], path.name)
            continue
        match = _NUMBERED.match(name) or _INDEX.match(name)
        if match is None:
            logger.warning("left in the spool, not a file this crawler writes: %s", path)
            continue
        if match["crawl"] not in running:
            orphans.setdefault(match["crawl"], []).append(path)
    done: list[Recovered] = []
    for crawl_id, paths in sorted(orphans.items()):
        # WARCs first: the index is rebuilt from what they keep.
        for path in sorted(paths, key=lambda p: (not p.name.endswith(".warc.gz" + OPEN_SUFFIX), p.name)):
            try:
                if path.name.endswith(".warc.gz" + OPEN_SUFFIX):
                    result = _recover_warc(path)
                elif path.name.endswith(".jsonl.gz" + OPEN_SUFFIX):
                    result = _recover_items(path)
                else:
                    result = _recover_index(path, spool_dir, crawl_id)
            except Exception as exc:  # one bad file must not stop this crawl or the next
                logger.error("could not recover %s, left in the spool: %s: %s",  # noqa: TRY400
                             path, type(exc).__name__, exc)
                continue
            done.append(result)
            key = result.key and _key(spool_dir, result.key)
            logger.warning("recovered from killed crawl %s: %s (%d kept, %d bytes cut)", crawl_id,
                           key or f"{path.name}: nothing whole, removed", result.kept, result.cut_bytes)
        try:
            batch = complete_items(spool_dir, crawl_id, store=store, extract=extract)
        except Exception as exc:  # the files are recovered all the same; the log says what is still missing
            logger.error("the missing items of killed crawl %s were not recovered: %s: %s",  # noqa: TRY400
                         crawl_id, type(exc).__name__, exc)
            continue
        if batch is not None:
            done.append(Recovered(str(batch), -1, 0))
    return done


def _key(spool_dir: Path, path: str) -> str:
    return Path(path).relative_to(spool_dir).as_posix()


# WARC files.

def _member_ends(handle: IO[bytes]) -> Iterator[int]:
    """The offsets at which gzip members end, in order, for as long as they are whole.

    Written here because neither gzip nor warcio says where the last whole member of a cut file ends: gzip
    raises EOFError with no offset, warcio may hand over a short last record. Memory stays at _CHUNK however
    far a member inflates; a member ends when zlib reaches its trailer, CRC and length checked.
    """
    offset = 0
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while chunk := handle.read(_CHUNK):
        data = chunk
        while data:
            try:
                inflater.decompress(data, _CHUNK)
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            except zlib.error:
                return  # not gzip from here on (a power cut can leave zeros): nothing further is whole
            if not inflater.eof:
                offset += len(data)
                break
            rest = inflater.unused_data
            offset += len(data) - len(rest)
            yield offset
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            data = rest


def whole_members_end(path: Path) -> tuple[int, int]:
    """Where the last whole gzip member of a file ends, and the file's size: a cut WARC ends short of its size."""
    with path.open("rb") as handle:
        end = 0
        for end in _member_ends(handle):  # noqa: B007 - the last one is the answer
            pass
    return end, path.stat().st_size


def _recover_warc(path: Path) -> Recovered:
    size = path.stat().st_size
    with path.open("rb") as handle:
        ends = list(_member_ends(handle))
    keep = ends[-1] if ends else 0
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if keep == 0:
        path.unlink()
        return Recovered("", 0, size)
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(path, final)
    return Recovered(str(final), len(ends), size - keep)


def warc_index_entries(path: Path, filename: str | None = None) -> Iterator[CdxjEntry]:
    """The index entries of a WARC file's response and revisit records (as pipelines.warc.writer writes them)."""
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            if record.rec_type not in ("response", "revisit"):
                continue
            headers = record.rec_headers
            http = record.http_headers
            mime = (http.get_header("Content-Type") or "") if http is not None else ""
            status = int(http.get_statuscode() or 0) if http is not None else 0
            iterator.read_to_end(record)
            yield CdxjEntry(
                url=headers.get_header("WARC-Target-URI") or "", warc_date=headers.get_header("WARC-Date") or "",
                status=status, mime=mime.split(";")[0].strip(),
                digest=headers.get_header("WARC-Payload-Digest") or "",
                length=iterator.get_record_length(), offset=iterator.get_record_offset(),
                filename=filename or path.name, record_id=headers.get_header("WARC-Record-ID") or "",
                record_type=record.rec_type, truncated=headers.get_header("WARC-Truncated") or None,
            )


# Item batches.

def _recover_items(path: Path) -> Recovered:
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    partial = final.with_name(final.name + ".part")
    size = path.stat().st_size
    kept = 0
    kept_bytes = 0
    pending = b""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with path.open("rb") as source, partial.open("wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as out:
            while chunk := source.read(_CHUNK):
                try:
                    data = inflater.decompress(chunk)
                except zlib.error:
                    break
                lines = (pending + data).split(b"\n")
                pending = lines.pop()  # after the last newline: a line the kill may have cut
                for line in lines:
                    if _is_json_object(line):
                        out.write(line + b"\n")
                        kept += 1
                        kept_bytes += len(line) + 1
                if inflater.eof:
                    break
        raw.flush()
        os.fsync(raw.fileno())
    if not kept:
        partial.unlink()
        path.unlink()
        return Recovered("", 0, size)
    os.replace(partial, final)
    path.unlink()
    return Recovered(str(final), kept, len(pending))


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


# The crawl's index.

def _recover_index(path: Path, spool_dir: Path, crawl_id: str) -> Recovered:
    """indexes/{outlet}/{crawl_id}.cdxj from the lines of stored WARCs and the records of spooled ones."""
    outlet = path.parent.name
    local = {p.name: p for p in sorted((spool_dir / "warc" / outlet).rglob(f"{crawl_id}-*.warc.gz"))}
    lines: list[str] = []
    cut = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                cut += len(raw)
                continue
            line = raw.decode("utf-8", "replace")
            filename = _filename_of(line)
            if filename is None:
                cut += len(raw)
            elif filename not in local:  # stored before the kill: its lines were written after its records
                lines.append(line)
    for name, warc in local.items():
        lines.extend(cdxj_line(entry) for entry in warc_index_entries(warc, name))
    final = path.with_name(path.name.removesuffix(".unsorted" + OPEN_SUFFIX))
    partial = final.with_name(final.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        out.writelines(sorted(set(lines)))
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    path.unlink()
    return Recovered(str(final), len(set(lines)), cut)


def _filename_of(line: str) -> str | None:
    parts = line.split(" ", 2)
    if len(parts) != 3:
        return None
    try:
        fields = json.loads(parts[2])
    except ValueError:
        return None
    name = fields.get("filename") if isinstance(fields, dict) else None
    return name if isinstance(name, str) else None
