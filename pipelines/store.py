"""Where finished archive files go, picked by the scheme of ARCHIVE_URI (as Scrapy's FEED_STORAGES).

A store knows keys and bytes, nothing of articles. Each backend is one class in STORE_SCHEMES:
adding gs:// later is one class and one row.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

__all__ = [
    "STORE_SCHEMES",
    "FileStore",
    "Store",
    "StoreError",
    "StoredObject",
    "check_key",
    "file_sha256",
    "store_from_uri",
]


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


class FileStore:
    """A local folder. Files land by hard link or copy, then fsync and an atomic rename."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.uri = self.root.as_uri()

    @classmethod
    def from_uri(cls, uri: str, settings: Any) -> FileStore:
        parts = urlsplit(uri)
        path = unquote(parts.path) if parts.scheme == "file" else uri
        return cls(Path(path).expanduser())

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def check_writable(self) -> None:
        probe = self.root / ".write-check"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"cannot write to {self.uri}: {exc.strerror}") from None

    def put(self, local: Path, key: str, *, size: int, sha256: str) -> StoredObject:
        target = self._path(key)
        existing = self.head(key)
        if existing is not None:
            if existing.sha256 == sha256:
                return existing
            raise StoreError(f"{self.uri}/{key} already holds a different file: not overwritten")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        try:
            # The spool usually sits on the same disk: a hard link is the file itself, no copy of a 1 GB WARC.
            linked = _try_link(local, partial)
            if not linked:
                shutil.copyfile(local, partial)
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"cannot write {self.uri}/{key}: {exc.strerror}", transient=True) from None
        if linked and target.stat().st_size == size:
            return StoredObject(key, size, sha256)  # the same inode as the file hashed: nothing to re-read
        stored = self.head(key)
        if stored is None or stored.size != size or stored.sha256 != sha256:
            raise StoreError(f"{self.uri}/{key} does not match the file written", transient=True)
        return stored

    def head(self, key: str) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        size, digest = file_sha256(path)
        return StoredObject(key, size, digest)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def download(self, key: str, dest: Path) -> Path:
        return self._path(key)  # already a local file: no copy

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return
        for path in base.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                yield path.relative_to(self.root).as_posix()


def _try_link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _s3_store(uri: str, settings: Any) -> Store:
    from pipelines.s3_store import S3Store

    return S3Store.from_uri(uri, settings)


# scheme -> factory(uri, settings); "" is a plain path.
STORE_SCHEMES: dict[str, Any] = {
    "": FileStore.from_uri,
    "file": FileStore.from_uri,
    "s3": _s3_store,
}


def store_from_uri(uri: str, settings: Any) -> Store:
    scheme = urlsplit(uri).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        scheme = ""
    factory = STORE_SCHEMES.get(scheme)
    if factory is None:
        raise StoreError(f"ARCHIVE_URI: unsupported scheme {scheme!r} (supported: file, s3, or a plain path)")
    return cast("Store", factory(uri, settings))
