"""The archive in S3-compatible storage (AWS, MinIO, Ceph RGW, Garage): `s3://bucket/prefix`.

Connection settings use the names Scrapy and boto3 use (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION_NAME); whatever is unset falls back to boto3's own
chain (environment variables, AWS_PROFILE, ~/.aws, instance roles). The S3_* settings tune the client and
the transfer manager (see the "S3 storage" block of settings/base.py).

Every file is uploaded with our sha256 as object metadata and verified by HEAD (size and sha256) before
`put` returns. Keys are idempotent: the same content under a key is a no-op, a different one is refused.

No message or log line of this module holds a credential: errors carry the error code and the bucket and
prefix only, never the server's own message (a SignatureDoesNotMatch body echoes the signed request).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from scrapy.settings import BaseSettings, Settings

from pipelines.storage.base import StoredObject, StoreError, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = ["S3Store", "s3_client"]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
SHA256_META = "sha256"  # sent as x-amz-meta-sha256
PROBE_KEY = ".archive-write-check"

ADDRESSING_STYLES = ("auto", "path", "virtual")
CHECKSUM_MODES = ("when_supported", "when_required")

# Error codes that no retry can fix: a wrong bucket, a missing permission, bad credentials, a wrong region.
PERMANENT_CODES = frozenset({
    "AccessDenied", "AllAccessDisabled", "AccountProblem", "AuthorizationHeaderMalformed", "ExpiredToken",
    "InvalidAccessKeyId", "InvalidBucketName", "InvalidClientTokenId", "InvalidObjectState", "InvalidToken",
    "MethodNotAllowed", "NoSuchBucket", "NotSignedUp", "PermanentRedirect", "SignatureDoesNotMatch",
    "UnauthorizedAccess", "InvalidArgument", "InvalidRequest", "XAmzContentSHA256Mismatch",
})
# Error codes worth another try later, whatever their HTTP status.
TRANSIENT_CODES = frozenset({
    "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed", "Throttling",
    "ThrottlingException", "RequestLimitExceeded", "TooManyRequests", "OperationAborted",
    "ConditionalRequestConflict", "BadDigest", "IncompleteBody",
})
# HEAD answers carry no body, so no code: name the status.
STATUS_NAMES = {"400": "BadRequest", "401": "Unauthorized", "403": "AccessDenied (403 Forbidden)",
                "404": "NotFound", "301": "PermanentRedirect (wrong region?)"}
HINTS = {
    "NoSuchBucket": "the bucket does not exist",
    "InvalidAccessKeyId": "the endpoint does not know this access key",
    "SignatureDoesNotMatch": "the secret key does not match the access key",
    "AccessDenied": "the credentials lack a permission (s3:PutObject, s3:GetObject, s3:ListBucket)",
    "PermanentRedirect": "the bucket lives in another region: set AWS_REGION_NAME",
    "AuthorizationHeaderMalformed": "wrong region: set AWS_REGION_NAME",
    "ExpiredToken": "the session token has expired",
    "InvalidRequest": "the server may reject CRC checksums: try S3_CHECKSUM_MODE = when_required",
    "XAmzContentSHA256Mismatch": "the server may reject CRC checksums: try S3_CHECKSUM_MODE = when_required",
}

# Loggers that print request headers (x-amz-security-token among them) at DEBUG.
_CHATTY_LOGGERS = ("botocore", "boto3", "s3transfer")


def layered(settings: BaseSettings | Mapping[str, Any] | None) -> BaseSettings:
    """Scrapy settings as given, or a plain mapping (tools, tests) over the project's declared defaults
    (settings/base.py), so that no default is written twice."""
    if isinstance(settings, BaseSettings):
        return settings
    merged = Settings()
    merged.setmodule("settings.base", priority="default")
    merged.update(dict(settings or {}), priority="cmdline")
    return merged


def _get(settings: BaseSettings, name: str) -> Any:
    """A setting, where an empty value counts as unset."""
    value = settings.get(name)
    return None if value == "" else value


def redact_url(url: str) -> str:
    """An endpoint URL without any user:password@ part."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def quiet_boto_debug_logs() -> None:
    """Keep boto's DEBUG output (request headers, session tokens) out of a crawl run with LOG_LEVEL=DEBUG.

    Only loggers nobody has configured are touched: set their level yourself to see everything.
    """
    for name in _CHATTY_LOGGERS:
        chatty = logging.getLogger(name)
        if chatty.level == logging.NOTSET:
            chatty.setLevel(logging.INFO)


def s3_client(given: BaseSettings | Mapping[str, Any] | None) -> S3Client:
    """A boto3 S3 client from Scrapy settings; unset credentials and region fall back to boto3's chain."""
    settings = layered(given)
    style = str(settings.get("S3_ADDRESSING_STYLE")).lower()
    if style not in ADDRESSING_STYLES:
        raise StoreError(f"S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}, not {style!r}")
    mode = str(settings.get("S3_CHECKSUM_MODE")).lower()
    if mode not in CHECKSUM_MODES:
        raise StoreError(f"S3_CHECKSUM_MODE must be one of {', '.join(CHECKSUM_MODES)}, not {mode!r}")
    checksums = cast("Literal['when_supported', 'when_required']", mode)
    concurrency = settings.getint("S3_UPLOAD_CONCURRENCY")
    config = Config(
        s3={"addressing_style": cast("Literal['auto', 'virtual', 'path']", style)},
        request_checksum_calculation=checksums,
        response_checksum_validation=checksums,
        # S3_MAX_ATTEMPTS counts the first try too, as AWS_MAX_ATTEMPTS does
        retries={"mode": "standard", "total_max_attempts": settings.getint("S3_MAX_ATTEMPTS")},
        connect_timeout=settings.getfloat("S3_CONNECT_TIMEOUT"),
        read_timeout=settings.getfloat("S3_READ_TIMEOUT"),
        # the transfer manager's threads of every upload worker share this pool
        max_pool_connections=max(10, concurrency * settings.getint("ARCHIVE_UPLOAD_WORKERS") + 2),
    )
    session = boto3.session.Session(
        aws_access_key_id=_get(settings, "AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=_get(settings, "AWS_SECRET_ACCESS_KEY"),
        aws_session_token=_get(settings, "AWS_SESSION_TOKEN"),
        region_name=_get(settings, "AWS_REGION_NAME"),
        profile_name=_get(settings, "AWS_PROFILE"),
    )
    verify = _get(settings, "AWS_VERIFY")
    if isinstance(verify, str) and verify.lower() in ("true", "false", "1", "0"):
        verify = verify.lower() in ("true", "1")
    quiet_boto_debug_logs()
    return session.client(
        "s3", endpoint_url=_get(settings, "AWS_ENDPOINT_URL"), verify=verify, config=config,
    )


class S3Store:
    """A bucket and a prefix. Thread-safe: the Publisher's workers share one store."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", *,
                 transfer_config: TransferConfig | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.transfer_config = transfer_config or TransferConfig()
        self.endpoint = redact_url(client.meta.endpoint_url)
        # If-None-Match: * on single-part uploads, until the server says it does not know it.
        self.conditional_writes = True
        self._conditional_keys: set[str] = set()
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.s3.PutObject", self._add_if_none_match)

    @classmethod
    def from_uri(cls, uri: str, given: BaseSettings | Mapping[str, Any] | None) -> S3Store:
        settings = layered(given)
        parts = urlsplit(uri)
        if parts.scheme.lower() != "s3" or not parts.netloc:
            raise StoreError(f"ARCHIVE_URI: expected s3://bucket/prefix, got {uri!r}")
        if "@" in parts.netloc:
            raise StoreError("ARCHIVE_URI: put credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, "
                             "not in the URI")
        threshold = settings.getint("S3_MULTIPART_THRESHOLD")
        transfer = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=settings.getint("S3_MULTIPART_CHUNKSIZE"),
            max_concurrency=settings.getint("S3_UPLOAD_CONCURRENCY"),
            use_threads=True,
        )
        return cls(s3_client(settings), parts.netloc, parts.path, transfer_config=transfer)

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r}, endpoint={self.endpoint!r})"

    # --- keys --------------------------------------------------------------------------------------------
    def _object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _relative(self, object_key: str) -> str:
        return object_key[len(self.prefix) + 1:] if self.prefix else object_key

    # --- the Store protocol ------------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Put and delete a small probe object under the prefix: bad credentials, a wrong bucket or a
        missing permission fail here, at the start of a crawl, not at its first upload."""
        probe = self._object_key(PROBE_KEY)
        try:
            written = self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"ok", ContentType="text/plain")
        except Exception as exc:
            raise self._error(exc, "cannot write to") from None
        try:
            # On a versioned bucket, delete the probe's own version: a plain delete would leave it behind.
            if written.get("VersionId"):
                self.client.delete_object(Bucket=self.bucket, Key=probe, VersionId=written["VersionId"])
            else:
                self.client.delete_object(Bucket=self.bucket, Key=probe)
        except Exception as exc:
            # A bucket may rightly refuse deletes (object lock, write-once policy): the archive never deletes.
            logger.info("the write probe %s/%s stays: %s", self.uri, PROBE_KEY, _code(exc))

    def put(self, local: Path, key: str, *, size: int, sha256: str) -> StoredObject:
        object_key = self._object_key(key)
        existing = self.head(key)
        if existing is not None:
            return self._same_or_refuse(existing, key, size, sha256)
        extra = {"Metadata": {SHA256_META: sha256}, "ContentType": content_type(key)}
        while True:
            with self._lock:
                self._conditional_keys.add(object_key)
            try:
                self.client.upload_file(str(local), self.bucket, object_key, ExtraArgs=extra,
                                        Config=self.transfer_config)
            except Exception as exc:
                code = _code(exc)
                if code in ("NotImplemented", "501") and self.conditional_writes:
                    logger.info("%s does not support If-None-Match on uploads: relying on HEAD and sha256 "
                                "to keep keys idempotent", self.endpoint)
                    self.conditional_writes = False
                    continue
                if code in ("PreconditionFailed", "412"):
                    # Someone stored this key between our HEAD and our upload.
                    existing = self.head(key)
                    if existing is not None:
                        return self._same_or_refuse(existing, key, size, sha256)
                raise self._error(exc, "cannot write to", key) from None
            finally:
                with self._lock:
                    self._conditional_keys.discard(object_key)
            break
        stored = self.head(key)
        if stored is None or stored.size != size or stored.sha256 != sha256:
            got = "nothing" if stored is None else f"{stored.size} bytes, sha256 {stored.sha256}"
            raise StoreError(f"{self.uri}/{key} does not match the file uploaded ({size} bytes, sha256 "
                             f"{sha256}): the store holds {got}", transient=True)
        return stored

    def head(self, key: str) -> StoredObject | None:
        object_key = self._object_key(key)
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._error(exc, "cannot read from", key) from None
        metadata = {k.lower(): v for k, v in answer.get("Metadata", {}).items()}
        return StoredObject(key, int(answer["ContentLength"]), metadata.get(SHA256_META))

    def read(self, key: str) -> bytes:
        object_key = self._object_key(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=object_key)
            return answer["Body"].read()
        except Exception as exc:
            raise self._error(exc, "cannot read from", key) from None

    def download(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.download_file(self.bucket, self._object_key(key), str(dest), Config=self.transfer_config)
        except Exception as exc:
            raise self._error(exc, "cannot read from", key) from None
        return dest

    def create(self, key: str, data: bytes) -> bool:
        object_key = self._object_key(key)
        if not self.conditional_writes:
            # No If-None-Match on this server: HEAD then PUT, which two racing writers can both pass.
            if self.head(key) is not None:
                return False
            self.overwrite(key, data)
            return True
        try:
            self.client.put_object(Bucket=self.bucket, Key=object_key, Body=data, IfNoneMatch="*",
                                   ContentType=content_type(key))
        except Exception as exc:
            code = _code(exc)
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False
            if code in ("NotImplemented", "501"):
                self.conditional_writes = False
                return self.create(key, data)
            raise self._error(exc, "cannot write to", key) from None
        return True

    def overwrite(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=data,
                                   ContentType=content_type(key))
        except Exception as exc:
            raise self._error(exc, "cannot write to", key) from None

    def delete(self, key: str) -> None:
        """Remove the object; on a versioned bucket every version of it, as a plain delete would only hide it
        behind a delete marker (only leases are deleted: the archive's files never are)."""
        object_key = self._object_key(key)
        try:
            versions = self.client.list_object_versions(Bucket=self.bucket, Prefix=object_key)
            found = [v for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
                     if v.get("Key") == object_key and v.get("VersionId") not in (None, "null")]
            for version in found:
                self.client.delete_object(Bucket=self.bucket, Key=object_key, VersionId=version["VersionId"])
            if not found:
                self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            if _code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise self._error(exc, "cannot delete", key) from None

    def keys(self, prefix: str) -> Iterator[str]:
        root = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=root + prefix):
                for entry in page.get("Contents", []):
                    if "Key" in entry and entry["Key"] != root + PROBE_KEY:
                        yield self._relative(entry["Key"])
        except StoreError:
            raise
        except Exception as exc:
            raise self._error(exc, "cannot list") from None

    # --- helpers -----------------------------------------------------------------------------------------
    def _same_or_refuse(self, existing: StoredObject, key: str, size: int, sha256: str) -> StoredObject:
        if existing.sha256 == sha256 and existing.size == size:
            return existing
        raise StoreError(f"{self.uri}/{key} already holds a different file: not overwritten")

    def _add_if_none_match(self, params: dict[str, Any], **kwargs: Any) -> None:
        if not self.conditional_writes:
            return
        with self._lock:
            if params.get("Key") in self._conditional_keys:
                params.setdefault("IfNoneMatch", "*")

    def _error(self, exc: BaseException, action: str, key: str | None = None) -> StoreError:
        """A StoreError naming what failed: the code, never the server's message or a credential."""
        where = f"{self.uri}/{key}" if key else self.uri
        cause = _botocore_cause(exc)
        if isinstance(cause, ClientError):
            code = _code(cause)
            status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            name = STATUS_NAMES.get(code, code)
            transient = (code not in PERMANENT_CODES and
                         (code in TRANSIENT_CODES or status >= 500 or status in (408, 429)))
            hint = HINTS.get(code.split(" ")[0]) or HINTS.get(name.split(" ")[0])
            return StoreError(f"{action} {where}: {name}" + (f" ({hint})" if hint else ""), transient=transient)
        if isinstance(cause, (NoCredentialsError, PartialCredentialsError)):
            return StoreError(f"{action} {where}: no usable credentials (set AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)")
        if isinstance(cause, ParamValidationError):
            return StoreError(f"{action} {where}: invalid request ({type(cause).__name__})")
        if isinstance(cause, (ConnectionError, HTTPClientError, ReadTimeoutError)):
            # The OS's reason (refused, timed out, no route) and nothing else of the underlying message.
            errno = _ERRNO.search(str(getattr(cause, "kwargs", {}).get("error", "")))
            reason = f"{type(cause).__name__}: {errno.group(0)}" if errno else type(cause).__name__
            return StoreError(f"{action} {where}: cannot reach {self.endpoint} ({reason})", transient=True)
        if isinstance(cause, BotoCoreError):
            return StoreError(f"{action} {where}: {type(cause).__name__}", transient=True)
        if isinstance(cause, OSError):
            return StoreError(f"{action} {where}: {cause.strerror or type(cause).__name__}", transient=True)
        return StoreError(f"{action} {where}: {type(exc).__name__}", transient=True)


_ERRNO = re.compile(r"\[Errno -?\d+\] [A-Za-z ,'-]+")


def _botocore_cause(exc: BaseException) -> BaseException:
    """The botocore error under boto3's wrappers (S3UploadFailedError hides the ClientError in __context__)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (ClientError, BotoCoreError)):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return exc


def _code(exc: BaseException) -> str:
    cause = _botocore_cause(exc)
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", "")) or str(
            cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "unknown"))
    return type(cause).__name__


def content_type(key: str) -> str:
    if key.endswith(".gz"):
        return "application/gzip"
    if key.endswith(".json"):
        return "application/json"
    if key.endswith((".cdxj", ".txt")):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"
