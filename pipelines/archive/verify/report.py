"""What the checks hand back: one fault a line, the counts of the summary line, progress over the WARC bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Counts", "Fault", "OnFault", "Progress"]


@dataclass(frozen=True)
class Fault:
    key: str
    problem: str
    where: str = ""
    """`offset N` or `line N`; empty for the file as a whole."""

    def __str__(self) -> str:
        return f"{self.key} {self.where}: {self.problem}" if self.where else f"{self.key}: {self.problem}"


class OnFault(Protocol):
    """Where a check sends each fault as it finds it (the Verifier's `fault`: it counts, then reports)."""

    def __call__(self, key: str, problem: str, where: str = "") -> None: ...


@dataclass
class Counts:
    crawls: int = 0
    warcs: int = 0
    records: int = 0
    items: int = 0
    index_lines: int = 0
    manifest_entries: int = 0
    faults: int = 0

    def summary(self) -> str:
        return (f"verified {self.crawls} crawl(s): {self.warcs} WARCs, {self.records} records, {self.items} items, "
                f"{self.index_lines} index lines, {self.manifest_entries} manifest entries; {self.faults} fault(s)")


class Progress(Protocol):
    def expect(self, size: int) -> None:
        """More bytes to check than announced so far."""

    def advance(self, size: int) -> None:
        """Bytes checked."""

    def checked(self, key: str) -> None:
        """A file is done."""
