"""The archive in a local folder: `file:///path` or a plain path."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.settings import BaseSettings

from pipelines.storage.base import StoredObject, StoreError, check_key, file_sha256

__all__ = ["FileStore"]


class FileStore:
    """A local folder. Files land by hard link or copy, then fsync and an atomic rename."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.uri = self.root.as_uri()

    @classmethod
    def from_uri(cls, uri: str, settings: BaseSettings | None) -> FileStore:
        parts = urlsplit(uri)
        path = unquote(parts.path) if parts.scheme == "file" else uri
        return cls(Path(path).expanduser())

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def check_writable(self) -> None:
        # A name of its own: two crawls starting together into one folder must not remove each other's probe.
        probe = self.root / f".write-check-{os.getpid()}-{secrets.token_hex(4)}"
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

    def create(self, key: str, data: bytes) -> bool:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
        try:
            partial.write_bytes(data)
            os.link(partial, target)  # atomic, and refuses an existing name: O_EXCL for a whole file
        except FileExistsError:
            return False
        except OSError as exc:
            raise StoreError(f"cannot write {self.uri}/{key}: {exc.strerror}", transient=True) from None
        finally:
            partial.unlink(missing_ok=True)
        return True

    def overwrite(self, key: str, data: bytes) -> None:
        target = self._path(key)
        partial = target.with_name(f"{target.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"cannot write {self.uri}/{key}: {exc.strerror}", transient=True) from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete {self.uri}/{key}: {exc.strerror}", transient=True) from None

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
