"""What-if patches for the benchmark only: each one applies, inside a measured crawl process, a change the
profiles suggest, so that RESULTS.md can say what the change would save before anyone makes it.

Nothing here is imported by the crawler; `python -m bench.child --patch NAME[,NAME]` applies them.

- sync-warc    WARC records are written on the reactor's thread, not handed to the writer thread (two
               executor round trips per page: futures, call_soon_threadsafe, self-pipe wake-ups, GIL
               hand-offs that also slow the extractor running beside the writer).
- items-level1 the JSON Lines batches at gzip level 1 instead of the shipped 6.

(warc-levels, measured here before, shipped: pipelines/warc/writer.py stores already-compressed bodies at level 0.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["PATCHES", "apply"]

def _sync_warc() -> None:
    from pipelines.warc.writer import WarcFiles

    async def _run(self: Any, func: Any, *args: Any) -> Any:
        self._loop = asyncio.get_running_loop()
        return func(*args)

    WarcFiles._run = _run  # type: ignore[method-assign]


def _items_level1() -> None:
    from pipelines.items.item_writer import ItemWriterPipeline

    ItemWriterPipeline.GZIP_LEVEL = 1


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
