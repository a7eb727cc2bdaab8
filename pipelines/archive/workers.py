"""One archive from the several workers of a shared crawl: their files as one crawl's.

Each worker writes files of its own, named by its file stem (`{crawl_id}-{worker}`: WARCs, item batches, its
part of the index, `indexes/{outlet}/{crawl_id}-{worker}.cdxj`). The worker that closes last makes them one
crawl: the index parts merged into `indexes/{outlet}/{crawl_id}.cdxj` (the parts then deleted), the workers'
stats summed for the one manifest. A worker killed on this host leaves open files: recovery finishes them
(pipelines/archive/recovery.py), then the items of the requests taken back from it, which another worker
fetched and archived again, are dropped from its batches, so that each article has one item.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipelines.storage.spool import ACTIVE_DIR, OPEN_SUFFIX, open_new

__all__ = ["count_items", "drop_items", "merge_indexes", "stem_files", "sum_stats"]


def stem_files(spool_dir: Path, stem: str) -> list[tuple[Path, str]]:
    """The closed files of one worker waiting in a spool, with their keys."""
    found = []
    for path in sorted(spool_dir.rglob(f"{stem}[-.]*")):
        if not path.is_file() or path.name.endswith((OPEN_SUFFIX, ".part")):
            continue
        key = path.relative_to(spool_dir).as_posix()
        if not key.startswith(ACTIVE_DIR + "/"):
            found.append((path, key))
    return found


def drop_items(spool_dir: Path, stem: str, urls: set[str]) -> int:
    """Remove from a worker's batches in the spool the items of these fetched URLs; how many were removed."""
    dropped = 0
    if not urls:
        return 0
    for path in sorted(spool_dir.glob(f"items/*/*/*/*/{stem}-*.jsonl.gz")):
        with gzip.open(path, "rb") as handle:
            lines = handle.read().splitlines(keepends=True)
        kept = [line for line in lines if _fetched_url(line) not in urls]
        if len(kept) == len(lines):
            continue
        dropped += len(lines) - len(kept)
        if not kept:
            path.unlink()
            continue
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
                out.writelines(kept)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    return dropped


def count_items(batches: Iterable[bytes]) -> int:
    """The items (lines) of gzip JSON Lines batches."""
    return sum(gzip.decompress(data).count(b"\n") for data in batches)


def _fetched_url(line: bytes) -> str | None:
    try:
        item = json.loads(line)
    except ValueError:
        return None
    return item.get("fetched_url") if isinstance(item, dict) else None


def merge_indexes(parts: Iterable[bytes], destination: Path) -> int:
    """The workers' index parts as one sorted CDXJ file; its number of lines.

    A part is a sorted file of ~400-byte lines, as each worker's own index is: one sort in memory, like theirs.
    """
    lines: set[str] = set()
    for data in parts:
        lines.update(data.decode("utf-8").splitlines(keepends=True))
    partial = destination.with_name(destination.name + ".part")
    with open_new(partial, "w", encoding="utf-8") as out:
        out.writelines(sorted(lines))
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, destination)
    return len(lines)


def sum_stats(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The workers' stats as one crawl's: numbers added up, times the earliest start and the latest finish,
    anything else the last worker's."""
    total: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "start_time":
                total[key] = min(total.get(key, value), value)
            elif key == "finish_time":
                total[key] = max(total.get(key, value), value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and key in total \
                    and isinstance(total[key], (int, float)):
                total[key] = total[key] + value
            else:
                total[key] = value
    return total
