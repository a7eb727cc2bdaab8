"""S3Store against moto's standalone server: real HTTP, boto3 with endpoint_url, nothing patched."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from crawler.named_commands.archive_sync import sync_spool
from pipelines.storage import store_from_uri
from pipelines.storage.base import StoreError
from pipelines.storage.s3 import S3Store, redact_url
from pipelines.storage.spool import Publisher, spooled_files

try:
    from s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, MotoS3, moto_s3
except ImportError:  # tests/ became a package
    from tests.s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, MotoS3, moto_s3

__all__ = ["moto_s3"]  # the fixture, used by name

MB = 1024 * 1024
SESSION_TOKEN = "moto-session-token-Fw9Qz2Lp"
KEY = "warc/globalresearch/2024/05/01/crawl1-00001.warc.gz"


def write(path: Path, data: bytes) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data), hashlib.sha256(data).hexdigest()


def store_for(server: MotoS3, prefix: str = "archive", **settings: object) -> S3Store:
    store = store_from_uri(f"s3://{BUCKET}/{prefix}", server.settings(**settings))
    assert isinstance(store, S3Store)
    return store


def versions(server: MotoS3, key: str) -> list[dict[str, object]]:
    answer = server.client().list_object_versions(Bucket=BUCKET, Prefix=key)
    return [v for v in answer.get("Versions", []) if v["Key"] == key]


def test_uri_and_settings(moto_s3: MotoS3) -> None:
    store = store_for(moto_s3, prefix="/a/b/")
    assert store.uri == f"s3://{BUCKET}/a/b"
    assert SECRET_KEY not in repr(store)
    assert ACCESS_KEY not in repr(store)
    assert redact_url("http://user:pw@minio:9000/") == "http://minio:9000/"
    with pytest.raises(StoreError, match="not in the URI"):
        S3Store.from_uri(f"s3://{ACCESS_KEY}:{SECRET_KEY}@{BUCKET}/x", {})
    with pytest.raises(StoreError, match="S3_CHECKSUM_MODE"):
        store_for(moto_s3, S3_CHECKSUM_MODE="never")
    relaxed = store_for(moto_s3, S3_CHECKSUM_MODE="when_required", S3_ADDRESSING_STYLE="path")
    assert relaxed.client.meta.config.request_checksum_calculation == "when_required"
    assert relaxed.client.meta.config.response_checksum_validation == "when_required"


def test_put_head_read_keys(moto_s3: MotoS3, tmp_path: Path) -> None:
    store = store_for(moto_s3)
    store.check_writable()
    local = tmp_path / "f.warc.gz"
    size, digest = write(local, b"WARC/1.1\r\n" * 1000)
    stored = store.put(local, KEY, size=size, sha256=digest)
    assert (stored.key, stored.size, stored.sha256) == (KEY, size, digest)
    assert store.head(KEY) == stored
    assert store.head("warc/missing.warc.gz") is None
    assert store.read(KEY) == local.read_bytes()
    head = moto_s3.client().head_object(Bucket=BUCKET, Key=f"archive/{KEY}")
    assert head["Metadata"] == {"sha256": digest}
    assert head["ContentLength"] == size
    local2 = tmp_path / "items.jsonl.gz"
    size2, digest2 = write(local2, b"{}\n")
    store.put(local2, "items/globalresearch/2024/05/01/crawl1-00001.jsonl.gz", size=size2, sha256=digest2)
    assert sorted(store.keys("")) == ["items/globalresearch/2024/05/01/crawl1-00001.jsonl.gz", KEY]
    assert list(store.keys("warc/")) == [KEY]
    with pytest.raises(StoreError, match="cannot read from"):
        store.read("warc/missing.warc.gz")
    with pytest.raises(ValueError, match="unsafe"):
        store.head("../escape")


def test_reput_is_idempotent(moto_s3: MotoS3, tmp_path: Path) -> None:
    moto_s3.reset()
    moto_s3.create_bucket(versioned=True)
    store = store_for(moto_s3)
    puts: list[str] = []
    store.client.meta.events.register("before-call.s3.PutObject", lambda **kw: puts.append("put"))
    local = tmp_path / "f"
    size, digest = write(local, os.urandom(10_000))
    first = store.put(local, KEY, size=size, sha256=digest)
    etag = moto_s3.client().head_object(Bucket=BUCKET, Key=f"archive/{KEY}")["ETag"]
    again = store.put(local, KEY, size=size, sha256=digest)
    assert again == first
    assert puts == ["put"]  # no second upload
    assert len(versions(moto_s3, f"archive/{KEY}")) == 1
    assert moto_s3.client().head_object(Bucket=BUCKET, Key=f"archive/{KEY}")["ETag"] == etag


def test_different_file_is_refused(moto_s3: MotoS3, tmp_path: Path) -> None:
    store = store_for(moto_s3)
    one, other = tmp_path / "one", tmp_path / "other"
    size, digest = write(one, b"one")
    store.put(one, KEY, size=size, sha256=digest)
    size2, digest2 = write(other, b"another")
    with pytest.raises(StoreError, match="already holds a different file: not overwritten") as caught:
        store.put(other, KEY, size=size2, sha256=digest2)
    assert not caught.value.transient
    assert store.read(KEY) == b"one"


def test_if_none_match_guards_a_race(moto_s3: MotoS3, tmp_path: Path) -> None:
    """The key appears between our HEAD and our upload: If-None-Match keeps the other writer's file."""
    store = store_for(moto_s3)
    sent: list[object] = []
    store.client.meta.events.register("before-call.s3.PutObject",
                                      lambda params, **kw: sent.append(params["headers"].get("If-None-Match")))
    local = tmp_path / "mine"
    size, digest = write(local, b"mine")
    racer = moto_s3.client()

    def other_writer_first(**kwargs: object) -> None:
        racer.put_object(Bucket=BUCKET, Key=f"archive/{KEY}", Body=b"theirs")

    store.client.meta.events.register_first("before-parameter-build.s3.PutObject", other_writer_first)
    with pytest.raises(StoreError, match="already holds a different file") as caught:
        store.put(local, KEY, size=size, sha256=digest)
    assert sent == ["*"]
    assert not caught.value.transient
    assert moto_s3.client().get_object(Bucket=BUCKET, Key=f"archive/{KEY}")["Body"].read() == b"theirs"


def test_multipart_upload(moto_s3: MotoS3, tmp_path: Path) -> None:
    store = store_for(moto_s3, S3_MULTIPART_THRESHOLD=8 * MB, S3_MULTIPART_CHUNKSIZE=8 * MB)
    parts: list[int] = []
    store.client.meta.events.register("before-call.s3.UploadPart",
                                      lambda **kw: parts.append(1))
    local = tmp_path / "big.warc.gz"
    size, digest = write(local, os.urandom(30 * MB))
    stored = store.put(local, KEY, size=size, sha256=digest)
    assert stored.size == 30 * MB
    assert stored.sha256 == digest
    assert len(parts) == 4  # 8 + 8 + 8 + 6 MB
    etag = moto_s3.client().head_object(Bucket=BUCKET, Key=f"archive/{KEY}")["ETag"]
    assert etag.strip('"').endswith("-4")
    assert hashlib.sha256(store.read(KEY)).hexdigest() == digest


def test_bad_credentials_fail_early_without_secrets(moto_s3: MotoS3, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    moto_s3.enable_auth()
    store = store_for(moto_s3, AWS_SESSION_TOKEN=SESSION_TOKEN)
    with pytest.raises(StoreError) as caught:
        store.check_writable()
    message = str(caught.value)
    assert message.startswith(f"cannot write to s3://{BUCKET}/archive: InvalidAccessKeyId")
    assert not caught.value.transient
    # the client's side of the log; moto's server (same process) logs the request it got, Authorization too
    client_log = "\n".join(r.getMessage() for r in caplog.records
                           if not r.name.startswith(("moto", "werkzeug")))
    assert ".archive-write-check HTTP/1.1\" 403" in client_log  # the client's request was logged
    for secret in (SECRET_KEY, ACCESS_KEY, SESSION_TOKEN):
        assert secret not in message
        assert secret not in client_log
        assert secret not in repr(caught.value.__cause__) + repr(caught.value.__context__)


def test_missing_permission_is_access_denied(moto_s3: MotoS3) -> None:
    iam = boto3.client("iam", endpoint_url=moto_s3.endpoint, region_name="us-east-1",
                       aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    moto_s3.enable_auth()
    store = store_for(moto_s3, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    with pytest.raises(StoreError, match=rf"^cannot write to s3://{BUCKET}/archive: AccessDenied") as caught:
        store.check_writable()
    assert not caught.value.transient
    assert key["SecretAccessKey"] not in str(caught.value)


def test_missing_bucket(moto_s3: MotoS3, tmp_path: Path) -> None:
    store = store_from_uri("s3://no-such-bucket/x", moto_s3.settings())
    with pytest.raises(StoreError, match=r"^cannot write to s3://no-such-bucket/x: NoSuchBucket") as caught:
        store.check_writable()
    assert not caught.value.transient


def test_stopped_server_is_transient(moto_s3: MotoS3, tmp_path: Path) -> None:
    store = store_for(moto_s3)
    store.check_writable()  # a pooled connection now exists
    moto_s3.stop()
    local = tmp_path / "f"
    size, digest = write(local, b"x" * 100)
    with pytest.raises(StoreError, match=r"cannot reach http://127\.0\.0\.1") as caught:
        store.put(local, KEY, size=size, sha256=digest)
    assert caught.value.transient
    with pytest.raises(StoreError) as caught:
        store.check_writable()
    assert caught.value.transient


def test_outage_then_sync(moto_s3: MotoS3, tmp_path: Path) -> None:
    moto_s3.reset()
    moto_s3.create_bucket(versioned=True)
    store = store_for(moto_s3)
    store.check_writable()
    spool = tmp_path / "spool"
    publisher = Publisher(store, spool, retries=1, backoff=0.01)
    local = publisher.spool_path(KEY)
    size, digest = write(local, os.urandom(50_000))
    moto_s3.stop()
    try:
        result = publisher.publish_now(local, KEY)
    finally:
        moto_s3.start()  # same port
    assert not result.stored
    assert local.exists()
    assert spooled_files(spool) == [(local, KEY)]
    assert publisher.errors
    assert "kept in the spool" in publisher.errors[0]

    syncer = Publisher(store, spool, retries=1, backoff=0.01)
    left = sync_spool(syncer, spooled_files(spool), progress=False)
    syncer.close()
    publisher.close()
    assert left == []
    assert not local.exists()
    assert spooled_files(spool) == []
    head = store.head(KEY)
    assert head is not None
    assert (head.size, head.sha256) == (size, digest)
    assert len(versions(moto_s3, f"archive/{KEY}")) == 1
    # a second sync of the same file (e.g. a copy found later) stores nothing twice
    write(local, local.read_bytes() if local.exists() else store.read(KEY))
    again = Publisher(store, spool, retries=0)
    assert sync_spool(again, spooled_files(spool), progress=False) == []
    again.close()
    assert len(versions(moto_s3, f"archive/{KEY}")) == 1


def test_default_client_config(moto_s3: MotoS3) -> None:
    store = store_for(moto_s3, S3_MAX_ATTEMPTS=7, S3_UPLOAD_CONCURRENCY=3)
    config: Config = store.client.meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 7}
    assert config.request_checksum_calculation == "when_supported"
    assert store.transfer_config.max_request_concurrency == 3
    assert store.transfer_config.multipart_threshold == 8 * MB


def run_archive_sync(server: MotoS3, spool: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1"}
    command = [sys.executable, "-m", "scrapy.cmdline", "archive-sync", "--spool", str(spool),
               "-s", f"ARCHIVE_URI=s3://{BUCKET}/archive", "-s", f"AWS_ENDPOINT_URL={server.endpoint}",
               "-s", "S3_MAX_ATTEMPTS=1", "-s", "ARCHIVE_UPLOAD_RETRIES=0"]
    return subprocess.run(command, cwd=Path(__file__).parent.parent, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_archive_sync_command(moto_s3: MotoS3, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    size, digest = write(spool / KEY, os.urandom(5000))
    moto_s3.stop()
    try:
        down = run_archive_sync(moto_s3, spool)
    finally:
        moto_s3.start()
    assert down.returncode == 2, down.stderr
    assert "cannot write to s3://" in down.stderr
    assert (spool / KEY).exists()
    up = run_archive_sync(moto_s3, spool)
    assert up.returncode == 0, up.stderr
    assert f"stored {KEY}" in up.stderr
    assert not (spool / KEY).exists()
    store = store_for(moto_s3)
    head = store.head(KEY)
    assert head is not None
    assert (head.size, head.sha256) == (size, digest)
    empty = run_archive_sync(moto_s3, spool)
    assert empty.returncode == 0
    assert "nothing to store" in empty.stderr
    write(spool / KEY, b"a different file under the same key")
    refused = run_archive_sync(moto_s3, spool)
    assert refused.returncode == 1
    assert "already holds a different file: not overwritten" in refused.stderr
    assert (spool / KEY).exists()
    for run in (down, up, empty, refused):
        assert SECRET_KEY not in run.stdout + run.stderr


def test_server_without_conditional_writes(moto_s3: MotoS3, tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """A server answering 501 NotImplemented to If-None-Match (as some S3 servers do): simulated by a
    botocore before-send hook on this client; the store retries without the header and remembers."""
    from botocore.awsrequest import AWSResponse

    class Raw:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def stream(self, **kwargs: object) -> object:
            yield self.body

    refused: list[str] = []

    def no_conditional_writes(request: Any, **kwargs: object) -> AWSResponse | None:
        if "If-None-Match" not in request.headers:
            return None
        refused.append(request.url)
        body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code>'
                b"<Message>A header you provided implies functionality that is not implemented</Message></Error>")
        return AWSResponse(request.url, 501, {"Content-Type": "application/xml"}, Raw(body))

    store = store_for(moto_s3)
    store.client.meta.events.register("before-send.s3.PutObject", no_conditional_writes)
    caplog.set_level(logging.INFO, logger="pipelines.storage.s3")
    for n in range(2):
        local = tmp_path / f"f{n}"
        size, digest = write(local, f"file {n}".encode())
        assert store.put(local, f"items/{n}.jsonl.gz", size=size, sha256=digest).sha256 == digest
    assert len(refused) == 1
    assert store.conditional_writes is False
    assert "does not support If-None-Match" in caplog.text
