"""Responses a killed crawl archived without their item: each gets its item, once.

A kill lands between a response's record and its item's batch line: the WARC keeps the response, the batch
never gets the line, and the rebuilt index says 200, so no later crawl fetches the article again. After
recovery has finished a crawl's files, every 200 response record of its WARCs still in the spool is matched
against the item lines of its batches (in the spool and, when given, in the store). For each response left
without one, the item comes from the WARC itself: the metadata record the crawl wrote beside the response
(the item as it was), else the response extracted again (`extract`, ARCHIVE_RECOVERY_EXTRACT). They are
written as one more batch of the crawl, `{crawl_id}-9NNNN.jsonl.gz` (a number no writer reaches), stored with
the rest. Revisit records are left alone: their payload, and its item, were archived by an earlier crawl.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.items import ITEM_URI_PREFIX
from pipelines.storage.base import Store, StoreError

__all__ = ["RECOVERED_SEQ", "ItemAt", "complete_items"]

logger = logging.getLogger(__name__)

ItemAt = Callable[[Path, int], dict[str, Any] | None]
"""The item of the response record at this offset of a WARC file, extracted again; None when no article."""

RECOVERED_SEQ = 90_000
"""Batches of recovered items are numbered from here: far above any batch a crawl writes itself."""


@dataclass(frozen=True)
class _Response:
    path: Path
    offset: int
    url: str


def complete_items(spool_dir: Path, crawl_id: str, *, store: Store | None = None,
                   extract: ItemAt | None = None) -> Path | None:
    """Write the items missing for the crawl's responses as one batch in the spool; its path, or None."""
    warcs = sorted(spool_dir.glob(f"warc/*/*/*/*/{crawl_id}-[0-9][0-9][0-9][0-9][0-9].warc.gz"))
    if not warcs:
        return None
    outlet = warcs[0].relative_to(spool_dir).parts[1]
    responses: dict[str, _Response] = {}
    written: dict[str, dict[str, Any]] = {}
    for path in warcs:
        try:
            _read_warc(path, responses, written)
        except (OSError, ArchiveLoadFailed) as exc:  # recovery has said what is wrong with the file itself
            logger.warning("%s not read for missing items: %s: %s", path, type(exc).__name__, exc)
    known, known_batches = _items_known(spool_dir, outlet, crawl_id, store)
    missing = [record_id for record_id in responses if record_id not in known]
    items = []
    for record_id in missing:
        item = written.get(record_id)
        if item is None and extract is not None:
            response = responses[record_id]
            try:
                item = extract(response.path, response.offset)
            except Exception as exc:  # one page that no longer parses must not stop the recovery
                logger.warning("item of %s not extracted again: %s: %s", response.url, type(exc).__name__, exc)
        if item is not None:
            items.append(item)
    if not items:
        return None
    path = _write_batch(spool_dir, outlet, crawl_id, items, taken=known_batches)
    logger.warning("recovered from killed crawl %s: %d item(s) its batches missed (%d from the WARC's metadata "
                   "records, %d extracted again): %s", crawl_id, len(items),
                   sum(1 for r in missing if r in written), len(items) - sum(1 for r in missing if r in written),
                   path.relative_to(spool_dir).as_posix())
    return path


def _read_warc(path: Path, responses: dict[str, _Response], written: dict[str, dict[str, Any]]) -> None:
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            headers = record.rec_headers
            if record.rec_type == "response" and record.http_headers is not None \
                    and record.http_headers.get_statuscode() == "200" and not headers.get_header("WARC-Truncated"):
                responses[headers.get_header("WARC-Record-ID")] = _Response(
                    path, iterator.get_record_offset(), headers.get_header("WARC-Target-URI") or "")
            elif record.rec_type == "metadata" and \
                    (headers.get_header("WARC-Target-URI") or "").startswith(ITEM_URI_PREFIX):
                try:
                    item = json.loads(record.content_stream().read())
                except ValueError:
                    continue
                written[headers.get_header("WARC-Concurrent-To") or ""] = item


def _items_known(spool_dir: Path, outlet: str, crawl_id: str, store: Store | None) -> tuple[set[str], set[str]]:
    """The WARC record ids the crawl's item lines point at, from its batches in the spool and in the store;
    and the names of those batches."""
    known: set[str] = set()
    names: set[str] = set()
    for path in spool_dir.glob(f"items/{outlet}/*/*/*/{crawl_id}-*.jsonl.gz"):
        known |= _record_ids(path.read_bytes())
        names.add(path.name)
    if store is not None:
        try:
            keys = [k for k in store.keys(f"items/{outlet}/") if Path(k).name.startswith(crawl_id + "-")]
            for key in keys:
                known |= _record_ids(store.read(key))
                names.add(Path(key).name)
        except StoreError as exc:
            # Without the stored batches, an item could be written twice: leave the completion for later.
            logger.warning("the stored items of crawl %s cannot be read (%s): missing items not recovered yet",
                           crawl_id, exc)
            raise
    return known, names


def _record_ids(data: bytes) -> set[str]:
    found: set[str] = set()
    try:
        text = gzip.decompress(data).decode("utf-8", "replace")
    except (OSError, EOFError):
        return found
    for line in text.splitlines():
        try:
            ref = json.loads(line).get("warc") or {}
        except (ValueError, AttributeError):
            continue
        if ref.get("record_id"):
            found.add(ref["record_id"])
    return found


def _write_batch(spool_dir: Path, outlet: str, crawl_id: str, items: Iterable[dict[str, Any]], *,
                 taken: set[str]) -> Path:
    day = datetime.now(UTC)
    folder = spool_dir.joinpath("items", outlet, f"{day:%Y}", f"{day:%m}", f"{day:%d}")
    folder.mkdir(parents=True, exist_ok=True)
    seq = RECOVERED_SEQ
    while f"{crawl_id}-{seq:05d}.jsonl.gz" in taken:
        seq += 1
    final = folder / f"{crawl_id}-{seq:05d}.jsonl.gz"
    partial = final.with_name(final.name + ".part")
    with partial.open("wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            for item in items:
                out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(partial, final)
    return final
