"""CDXJ index lines, in the form pywb reads: `<surt> <14-digit timestamp> <json>`.

Besides pywb's own fields, each line keeps the record's WARC-Record-ID and full WARC-Date, so that a later
crawl can write revisit records that name the capture they refer to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import surt

__all__ = ["CdxjEntry", "cdxj_line", "read_cdxj"]


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


def _timestamp(warc_date: str) -> str:
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
    return f"{surt.surt(entry.url)} {_timestamp(entry.warc_date)} {json.dumps(fields, ensure_ascii=False)}\n"


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
            )
        except (ValueError, KeyError, TypeError):
            continue
