"""A revisit replays from the capture it refers to: that capture must be in one of the outlet's indexes, with
the payload digest the revisit gives."""

from __future__ import annotations

from pipelines.archive.cdxj import CdxjEntry, read_indexes
from pipelines.archive.verify.members import Record
from pipelines.archive.verify.report import OnFault
from pipelines.storage.base import Store, StoreError

__all__ = ["Revisits"]


class Revisits:
    """Checks a WARC's revisits; each outlet's indexes are read once, at its first revisit."""

    def __init__(self, store: Store, fault: OnFault) -> None:
        self.store = store
        self.fault = fault
        self._captures: dict[str, dict[str, str] | None] = {}
        self._entries: dict[str, dict[tuple[str, int], CdxjEntry]] = {}

    def check(self, outlet: str, key: str, records: dict[int, Record]) -> None:
        for offset, record in records.items():
            if record.record_type != "revisit" or not record.refers_to:
                continue
            captures = self._outlet_captures(outlet)
            if captures is None:
                return
            digest = captures.get(record.refers_to)
            if digest is None:
                self.fault(key, f"revisit refers to {record.refers_to}, which no index of {outlet} holds",
                           f"offset {offset}")
            elif digest != record.payload_digest:
                self.fault(key, f"revisit's payload digest {record.payload_digest} differs from {digest} of the "
                                f"record it refers to ({record.refers_to})", f"offset {offset}")

    def elsewhere(self, outlet: str) -> dict[tuple[str, int], CdxjEntry]:
        """(WARC file name, offset) → index entry, over every crawl of the outlet: an unchanged page's item points
        at the record of an earlier crawl, checked here against that crawl's (verified) index."""
        self._outlet_captures(outlet)
        return self._entries.get(outlet, {})

    def _outlet_captures(self, outlet: str) -> dict[str, str] | None:
        """Record id → payload digest of every response the outlet's indexes hold; None when unreadable."""
        if outlet not in self._captures:
            try:
                entries = [e for _, found in read_indexes(self.store, f"indexes/{outlet}/") for e in found]
            except (StoreError, OSError) as exc:
                self.fault(f"indexes/{outlet}/", f"cannot read the indexes, revisits not checked: {exc}")
                self._captures[outlet] = None
            else:
                self._captures[outlet] = {e.record_id: e.digest for e in entries if e.record_type == "response"}
                self._entries[outlet] = {(e.filename, e.offset): e for e in entries}
        return self._captures[outlet]
