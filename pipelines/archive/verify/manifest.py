"""A crawl's manifest against the store: each listed file is there, with its size and sha256; each stored file
of the crawl is listed."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipelines.archive.manifest import manifest_key
from pipelines.archive.verify.crawls import CrawlFiles
from pipelines.archive.verify.report import OnFault
from pipelines.storage.base import Store, StoredObject, StoreError

__all__ = ["Manifest", "Manifests", "check_manifest"]


@dataclass(frozen=True)
class Manifest:
    """What verify needs of a manifest: its files by key (small: a manifest also holds the crawl's stats)."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str | None = None
    entries: int = 0


_NO_MANIFEST = Manifest(problem="no manifest (the crawl was killed, or is still running)")


class Manifests:
    """Each crawl's manifest, read once: for the progress bar's total first, then for the crawl's checks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._read: dict[str, Manifest] = {}

    def read_all(self, crawls: list[CrawlFiles]) -> None:
        """A few at a time: round trips add up on a remote store."""
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="verify-manifest") as pool:
            for crawl, manifest in zip(crawls, pool.map(self._load, crawls), strict=True):
                if crawl.manifest:
                    self._read[crawl.manifest] = manifest

    def of(self, crawl: CrawlFiles) -> Manifest:
        if crawl.manifest is None:
            return _NO_MANIFEST
        if crawl.manifest not in self._read:
            self._read[crawl.manifest] = self._load(crawl)
        return self._read[crawl.manifest]

    def _load(self, crawl: CrawlFiles) -> Manifest:
        if crawl.manifest is None:
            return _NO_MANIFEST
        try:
            manifest = json.loads(self.store.read(crawl.manifest))
        except (StoreError, OSError) as exc:
            return Manifest(problem=f"cannot read: {exc}")
        except ValueError:
            return Manifest(problem="not JSON")
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, list):
            return Manifest(problem="no list of files")
        problems = [f"its {name} is {manifest.get(name)!r}, not {value!r}"
                    for name, value in (("outlet", crawl.outlet), ("crawl_id", crawl.crawl_id))
                    if manifest.get(name) != value]
        return Manifest({e["key"]: e for e in files if isinstance(e, dict) and isinstance(e.get("key"), str)},
                        "; ".join(problems) or None, entries=len(files))


def check_manifest(store: Store, crawl: CrawlFiles, manifest: Manifest, read: dict[str, StoredObject],
                   fault: OnFault) -> int:
    """The manifest's entries against what was read of each file (`read`), else against the store's listing;
    faults go to `fault`. Returns how many entries were checked."""
    key = crawl.manifest or manifest_key(crawl.outlet, crawl.crawl_id)
    if manifest.problem:
        fault(key, manifest.problem)
    if crawl.manifest is None or (manifest.problem and not manifest.files):
        return 0  # no list to check the files against: one fault said so
    if len(manifest.files) != manifest.entries:
        fault(key, f"{manifest.entries - len(manifest.files)} file entries without a key, or repeated")
    for entry in manifest.files.values():
        problem = _entry_problem(store, entry, read)
        if problem:
            fault(entry["key"], f"{problem} (manifest {key})")
    for stored in crawl.stored():
        if stored not in manifest.files:
            fault(stored, f"stored, but not listed in the manifest {key}")
    return len(manifest.files)


def _entry_problem(store: Store, entry: dict[str, Any], read: dict[str, StoredObject]) -> str | None:
    found = read.get(entry["key"])
    if found is None:
        try:
            found = store.head(entry["key"])
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
