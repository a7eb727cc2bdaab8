"""`scrapy verify`'s checks: every file of a crawl read back whole and checked against what points at it.

Per crawl: each WARC gzip member inflates whole (zlib checks CRC and ISIZE; `warcio check` passes a file with
a corrupt member) and holds one record whose digests FastWARC verifies; each item line and each index line
points at a whole record with its id and digest; the manifest lists every stored file, with its size and
sha256. Each fault is one line naming the file and the offset or line. Pure functions over a Store.

Here the Verifier, which runs the checks of one crawl in order; the checks are in the modules beside it:
`members` (a WARC's gzip members and records), `revisits`, `pointers` (items and index lines), `manifest`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.archive.verify.crawls import CrawlFiles, survey
from pipelines.archive.verify.manifest import Manifests, check_manifest
from pipelines.archive.verify.members import Member, Record, WarcScan, gzip_members, scan_warc
from pipelines.archive.verify.pointers import Pointers, check_index, check_items
from pipelines.archive.verify.report import Counts, Fault, Progress
from pipelines.archive.verify.revisits import Revisits
from pipelines.storage.base import Store, StoredObject, StoreError

__all__ = ["Counts", "CrawlFiles", "Fault", "Member", "Progress", "Verifier", "gzip_members", "survey"]


class Verifier:
    """Checks crawls one after the other; faults go to `report` as they are found, counts add up."""

    def __init__(self, store: Store, tmp: Path, report: Callable[[Fault], None],
                 progress: Progress | None = None) -> None:
        self.store = store
        self.tmp = tmp
        self.report = report
        self.progress = progress
        self.counts = Counts()
        # Both handed `self.fault`, which looks `report` up at each fault: the command swaps it for its bar's.
        self._revisits = Revisits(store, self.fault)
        self._manifests = Manifests(store)

    def fault(self, key: str, problem: str, where: str = "") -> None:
        self.counts.faults += 1
        self.report(Fault(key, problem, where))

    def expected_bytes(self, crawls: list[CrawlFiles]) -> int:
        """The size of the crawls' WARCs as their manifests give it, for a progress bar's total. The manifests
        are read here, a few at a time (round trips add up on a remote store), and kept (their file lists)."""
        self._manifests.read_all(crawls)
        return sum(size for crawl in crawls for key in crawl.warcs
                   if isinstance(size := self._manifests.of(crawl).files.get(key, {}).get("size"), int))

    def verify(self, crawl: CrawlFiles) -> None:
        self.counts.crawls += 1
        read: dict[str, StoredObject] = {}  # what was read of each file: the manifest is checked against it
        warc_keys = {PurePosixPath(k).name: k for k in crawl.warcs}
        manifest = self._manifests.of(crawl)
        records: dict[str, dict[int, Record]] = {}
        for key, scan in self._scans(crawl.warcs, manifest.files):
            self.counts.warcs += 1
            self.counts.records += len(scan.records)
            read[key] = StoredObject(key, scan.size, scan.sha256)
            for fault in scan.faults:
                self.fault(fault.key, fault.problem, fault.where)
            records[PurePosixPath(key).name] = scan.records
            self._revisits.check(crawl.outlet, key, scan.records)
        listed = {PurePosixPath(k).name: k for k in manifest.files if k.startswith("warc/")}
        # Other crawls' records, by their indexes: an unchanged page's item points at an earlier capture. This
        # crawl's own files are checked by their bytes alone (a deleted one must not pass by its index).
        elsewhere = {where: entry for where, entry in self._revisits.elsewhere(crawl.outlet).items()
                     if not where[0].startswith(crawl.crawl_id + "-")}
        pointers = Pointers(warc_keys, records, listed, elsewhere)
        for key in crawl.items:
            if (data := self._read(key, read)) is not None:
                self.counts.items += check_items(key, data, pointers, self.fault)
        if crawl.index is None:
            if crawl.warcs:
                self.fault(f"indexes/{crawl.outlet}/{crawl.crawl_id}.cdxj", "no index for the crawl's WARCs")
        elif (data := self._read(crawl.index, read)) is not None:
            self.counts.index_lines += check_index(crawl.index, data, pointers, self.fault)
        self.counts.manifest_entries += check_manifest(self.store, crawl, manifest, read, self.fault)

    def _scans(self, keys: list[str], listed: dict[str, dict[str, Any]]) -> Iterator[tuple[str, WarcScan]]:
        """Each WARC scanned from a local copy; the next one downloads meanwhile (a remote store)."""
        def fetch(index: int, key: str) -> Path:
            return self.store.download(key, self.tmp / f"{index}-{PurePosixPath(key).name}")

        advance = self.progress.advance if self.progress else (lambda n: None)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-download") as pool:
            pending: list[Future[Path]] = [pool.submit(fetch, i, k) for i, k in enumerate(keys[:1])]
            for index, key in enumerate(keys):
                if index + 1 < len(keys):
                    pending.append(pool.submit(fetch, index + 1, keys[index + 1]))
                try:
                    path = pending[index].result()
                except (StoreError, OSError) as exc:
                    self.fault(key, f"cannot read: {exc}")
                    continue
                try:
                    if self.progress and not isinstance(listed.get(key, {}).get("size"), int):
                        self.progress.expect(path.stat().st_size)
                    scan = scan_warc(path, key, advance)
                except OSError as exc:  # gone since the listing
                    self.fault(key, f"cannot read: {exc.strerror or exc}")
                    continue
                finally:
                    if path.parent == self.tmp:  # a copy of ours (a folder store hands over its own file)
                        path.unlink(missing_ok=True)
                if self.progress:
                    self.progress.checked(key)
                yield key, scan

    def _read(self, key: str, read: dict[str, StoredObject]) -> bytes | None:
        """An items batch or an index, whole: what was read is kept for the manifest's check."""
        try:
            data = self.store.read(key)
        except (StoreError, OSError) as exc:
            self.fault(key, f"cannot read: {exc}")
            return None
        read[key] = StoredObject(key, len(data), hashlib.sha256(data).hexdigest())
        return data
