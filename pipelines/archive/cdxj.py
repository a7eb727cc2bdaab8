"""CDXJ index lines, in the form pywb reads: `<surt> <14-digit timestamp> <json>`.

Besides pywb's own fields, each line keeps the record's WARC-Record-ID and full WARC-Date, so that a later
crawl can write revisit records that name the capture they refer to.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import surt

if TYPE_CHECKING:
    from pipelines.storage.base import Store

__all__ = ["CdxjEntry", "cdxj_line", "read_cdxj", "read_indexes", "surt_key", "timestamp14"]

_PLAIN_URL = re.compile(r"(https?://[A-Za-z0-9.-]+(?::[0-9]+)?)"
                        r"((?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*/?)")
"""An http(s) URL that surt changes in its host only, and in its path only by case and a trailing slash: a plain
host (a name or an IP address, a port or none), path segments of letters, digits and `_.~-` that need no escaping
and are neither `.` nor `..` nor empty; no user, query or fragment."""


@dataclass(frozen=True, kw_only=True)
class CdxjEntry:
    url: str
    warc_date: str
    status: int
    mime: str
    digest: str
    length: int
    offset: int
    filename: str
    record_id: str
    record_type: str = "response"
    truncated: str | None = None
    """WARC-Truncated of the record ('length', 'time'): a cut body, which no later crawl counts as archived."""


def timestamp14(warc_date: str) -> str:
    """The 14-digit timestamp pywb keys captures by: 2026-11-30T16:00:11.5Z → 20261130160011."""
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def cdxj_line(entry: CdxjEntry) -> str:
    fields = {
        "url": entry.url,
        "mime": "warc/revisit" if entry.record_type == "revisit" else (entry.mime or "unk"),
        "status": str(entry.status),
        "digest": entry.digest.removeprefix("sha1:"),
        "length": str(entry.length),
        "offset": str(entry.offset),
        "filename": entry.filename,
        "record_id": entry.record_id,
        "warc_date": entry.warc_date,
    }
    if entry.truncated:
        fields["truncated"] = entry.truncated
    return f"{surt_key(entry.url)} {timestamp14(entry.warc_date)} {json.dumps(fields, ensure_ascii=False)}\n"


def surt_key(url: str) -> str:
    """`surt.surt(url)`, the index's key (tests check it against the library on many URLs, odd ones too). surt parses
    and canonicalizes the whole URL in Python, ~30 µs a record, its host resolved as an address when it is one; a
    plain URL (_PLAIN_URL) takes its host's key from surt once per host, and its path lowercased, without a trailing
    slash. Any other URL is surt's."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None:
        return str(surt.surt(url))
    origin, path = plain.groups()
    host = _host_key(origin)
    if host is None:
        return str(surt.surt(url))
    path = path.lower()
    return host + (path[:-1] if len(path) > 1 and path.endswith("/") else path or "/")


@lru_cache(maxsize=256)
def _host_key(origin: str) -> str | None:
    """surt's key of `origin`'s host, up to its `)`: 'http://www.Example.org:80' → 'org,example)'."""
    key = str(surt.surt(origin + "/"))
    return key[:-1] if key.endswith(")/") else None


def read_cdxj(data: bytes) -> Iterator[CdxjEntry]:
    """Entries of a CDXJ index; lines that are not ours (no JSON block) are skipped."""
    for raw in data.decode("utf-8", "replace").splitlines():
        parts = raw.split(" ", 2)
        if len(parts) != 3:
            continue
        try:
            fields = json.loads(parts[2])
            yield CdxjEntry(
                url=fields["url"], warc_date=fields.get("warc_date", ""), status=int(fields.get("status", 0)),
                mime=fields.get("mime", ""), digest="sha1:" + fields.get("digest", ""),
                length=int(fields.get("length", 0)), offset=int(fields.get("offset", 0)),
                filename=fields.get("filename", ""), record_id=fields.get("record_id", ""),
                record_type="revisit" if fields.get("mime") == "warc/revisit" else "response",
                truncated=fields.get("truncated") or None,
            )
        except (ValueError, KeyError, TypeError):
            continue


def read_indexes(store: Store, prefix: str, *, workers: int = 8) -> Iterator[tuple[str, list[CdxjEntry]]]:
    """Every CDXJ index under `prefix` with its entries, in key order (crawl ids sort by time).

    An outlet crawled every hour has thousands of indexes after some months; read one after the other
    from a remote store, each crawl's start would wait minutes on round trips. They are fetched and parsed
    `workers` at a time, a bounded window ahead, so memory holds a few indexes, not all of them.
    """
    keys = sorted(key for key in store.keys(prefix) if key.endswith(".cdxj"))
    if not keys:
        return

    def load(key: str) -> tuple[str, list[CdxjEntry]]:
        return key, list(read_cdxj(store.read(key)))

    window = max(1, workers) * 4
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="index-read") as pool:
        pending: deque[Future[tuple[str, list[CdxjEntry]]]] = deque()
        for key in keys:
            pending.append(pool.submit(load, key))
            if len(pending) >= window:  # a sliding window: one read starts as the oldest is handed over
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
