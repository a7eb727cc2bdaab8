"""The archive's files, by crawl: what `survey` finds under the store's keys, and the keys that fit no crawl."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.storage.base import Store

__all__ = ["CrawlFiles", "survey"]

_BATCH_RE = re.compile(r"^(?P<crawl>.+)-\d{5}\.(?:warc|jsonl)\.gz$")


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
    for by_id in crawls.values():
        _fold_workers(by_id)
    return crawls, strays


_WORKER_RE = re.compile(r"^(?P<crawl>.+)-w\d+$")


def _fold_workers(by_id: dict[str, CrawlFiles]) -> None:
    """A shared crawl's workers name their files `{crawl_id}-w{n}-{seq}` (crawler/extensions/shared_crawl.py);
    its one manifest and index carry the crawl id: their WARCs and batches are the crawl's."""
    for name in list(by_id):
        match = _WORKER_RE.match(name)
        crawl = by_id.get(match["crawl"]) if match else None
        worker = by_id[name]
        if crawl is None or crawl.manifest is None or worker.manifest is not None or worker.index is not None:
            continue
        crawl.warcs = sorted([*crawl.warcs, *worker.warcs])
        crawl.items = sorted([*crawl.items, *worker.items])
        del by_id[name]
