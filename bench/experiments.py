"""What-if patches for the benchmark only: each one applies, inside a measured crawl process, a change the
profiles suggest, so that RESULTS.md can say what the change would save before anyone makes it.

Nothing here is imported by the crawler; `python -m bench.child --patch NAME[,NAME]` applies them.

- sync-warc    WARC records are written on the reactor's thread, not handed to the writer thread (two
               executor round trips per page: futures, call_soon_threadsafe, self-pipe wake-ups, GIL
               hand-offs that also slow the extractor running beside the writer).
- items-level1 the JSON Lines batches at gzip level 1 instead of the shipped 6.

(warc-levels, measured here before, shipped: pipelines/warc_writer.py stores already-compressed bodies at level 0.)
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["PATCHES", "apply"]

def _sync_warc() -> None:
    from pipelines.warc_writer import WarcFiles

    async def _run(self: Any, func: Any, *args: Any) -> Any:
        self._loop = asyncio.get_running_loop()
        return func(*args)

    WarcFiles._run = _run  # type: ignore[method-assign]


def _items_level1() -> None:
    from pipelines.item_writer import ItemWriterPipeline, items_key
    from pipelines.publisher import OPEN_SUFFIX

    def _open(self: Any) -> None:
        self._key = items_key(self.archive.outlet, self.archive.crawl_id, self.seq, datetime.now(UTC))
        self.seq += 1
        self._path = self.archive.publisher.spool_path(self._key)
        self._raw = self._path.with_name(self._path.name + OPEN_SUFFIX).open("wb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0, compresslevel=1)
        self._count = 0

    ItemWriterPipeline._open = _open  # type: ignore[method-assign]


PATCHES: dict[str, Callable[[], None]] = {
    "sync-warc": _sync_warc,
    "items-level1": _items_level1,
}


def apply(names: str) -> list[str]:
    applied = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name not in PATCHES:
            raise SystemExit(f"unknown patch {name!r} (known: {', '.join(PATCHES)})")
        PATCHES[name]()
        applied.append(name)
    return applied
