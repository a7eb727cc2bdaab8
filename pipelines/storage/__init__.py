"""Storage: where finished archive files go, picked by the scheme of ARCHIVE_URI (as Scrapy's FEED_STORAGES).

Each backend is one class with a `from_uri(uri, settings)` constructor, named in STORE_SCHEMES by its import
path so that no backend imports another: adding gs:// later is one class and one row.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from pipelines.storage.base import Store, StoreError

__all__ = ["STORE_SCHEMES", "default_spool_dir", "store_from_uri", "uri_scheme"]

# scheme -> backend class; "" is a plain path.
STORE_SCHEMES: dict[str, str] = {
    "": "pipelines.storage.file.FileStore",
    "file": "pipelines.storage.file.FileStore",
    "s3": "pipelines.storage.s3.S3Store",
}


def uri_scheme(uri: str) -> str:
    """The scheme of an ARCHIVE_URI; "" for a plain path (a Windows drive letter is not a scheme)."""
    scheme = urlsplit(uri).scheme.lower()
    return "" if len(scheme) == 1 else scheme


def store_from_uri(uri: str, settings: BaseSettings | None) -> Store:
    scheme = uri_scheme(uri)
    path = STORE_SCHEMES.get(scheme)
    if path is None:
        raise StoreError(f"ARCHIVE_URI: unsupported scheme {scheme!r} (supported: file, s3, or a plain path)")
    return cast("Store", load_object(path).from_uri(uri, settings))


def default_spool_dir(settings: BaseSettings, store: Store) -> Path:
    """Where a crawl with these settings spools its files: ARCHIVE_SPOOL_DIR, else `<folder>/.spool` for a
    folder archive (the same disk: moving a finished file is a rename), else ./spool."""
    spool = settings.get("ARCHIVE_SPOOL_DIR")
    if spool:
        return Path(spool).resolve()
    if uri_scheme(store.uri) in ("", "file"):
        return (Path(store.uri.removeprefix("file://")) / ".spool").resolve()
    return Path("spool").resolve()
