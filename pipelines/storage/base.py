"""What every store is: the Store protocol, its error, and the key rules all backends share.

A store knows keys and bytes, nothing of articles or crawls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

__all__ = ["Store", "StoreError", "StoredObject", "check_key", "file_sha256"]


class StoreError(Exception):
    """A store operation failed. `transient` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None


class Store(Protocol):
    """A place for archive files under one root; keys are relative POSIX paths."""

    uri: str
    """The root, printable: never holds a secret."""

    def check_writable(self) -> None:
        """Raise StoreError unless a file can be written (and removed) under the root."""

    def put(self, local: Path, key: str, *, size: int, sha256: str) -> StoredObject:
        """Store a closed local file under key and verify it; idempotent for the same content.

        Never overwrites a different file already under key: that raises StoreError.
        """

    def head(self, key: str) -> StoredObject | None:
        """Size and sha256 of a stored file, or None when there is none."""

    def read(self, key: str) -> bytes:
        """The whole content of a stored file (small files: indexes, manifests)."""

    def keys(self, prefix: str) -> Iterator[str]:
        """Keys under a prefix, in no particular order."""

    def download(self, key: str, dest: Path) -> Path:
        """A local file with the content of key (large files: WARCs); dest is used when a copy is needed."""

    def create(self, key: str, data: bytes) -> bool:
        """Write a small object only if none is under key (atomically); False when one already is."""

    def overwrite(self, key: str, data: bytes) -> None:
        """Write a small object under key, replacing what is there (leases: only their holder writes them)."""

    def delete(self, key: str) -> None:
        """Remove the object under key, if any."""


def check_key(key: str) -> str:
    """A key as given, or ValueError when it could escape the root or carries control characters."""
    path = PurePosixPath(key)
    if (not key or key.startswith("/") or "\\" in key or any(part in ("..", ".", "") for part in key.split("/"))
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in key) or path.is_absolute()):
        raise ValueError(f"unsafe storage key {key!r}")
    return key


def file_sha256(path: Path, chunk: int = 1 << 20) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
