"""Replica crawls into S3 on moto's standalone server: full crawl, outage and sync, bad credentials, secrets."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.storage.s3 import PROBE_KEY
from tests.crawl_runner import ROOT, TEST_SETTINGS, crawl_command, run_crawl, scrapy_env
from tests.s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, MotoS3

pytestmark = pytest.mark.slow

PREFIX = "news"
URI = f"s3://{BUCKET}/{PREFIX}"


def s3_settings(server: MotoS3, spool: Path, **extra: str) -> dict[str, str]:
    values = {k: str(v) for k, v in server.settings().items()}
    values.update({"ARCHIVE_SPOOL_DIR": str(spool), "S3_MAX_ATTEMPTS": "2", **extra})
    return values


def objects(server: MotoS3) -> dict[str, dict]:
    """Every archive object (the outlet's lease, a small JSON of its own, set apart), one version each."""
    client = server.client()
    found = {}
    for page in client.get_paginator("list_object_versions").paginate(Bucket=BUCKET, Prefix=PREFIX + "/"):
        for version in page.get("Versions", []):
            if version["Key"].startswith(f"{PREFIX}/leases/"):
                continue
            assert version["Key"] not in found, f"stored twice: {version['Key']}"
            found[version["Key"]] = version
    return found


def archive_files(server: MotoS3) -> list[str]:
    return [key for key in objects(server) if not key.endswith("/" + PROBE_KEY)]


def check_objects_match(server: MotoS3, keys: list[str]) -> None:
    client = server.client()
    for key in keys:
        body = client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")
        data = body["Body"].read()
        assert body["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest(), key


def assert_no_secret(text: str) -> None:
    assert SECRET_KEY not in text
    assert ACCESS_KEY not in text


def test_full_crawl_lands_in_s3_with_matching_sha256(moto_s3: MotoS3, replica_url: str, tmp_path: Path) -> None:
    moto_s3.client().put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    crawl = run_crawl(tmp_path / "unused", base_url=replica_url,
                      settings={**s3_settings(moto_s3, tmp_path / "spool"), "ARCHIVE_URI": URI})
    assert crawl.returncode == 0, crawl.log
    assert_no_secret(crawl.log)
    stored = objects(moto_s3)
    manifests = [k for k in stored if k.startswith(f"{PREFIX}/crawls/globalresearch/")]
    assert len(manifests) == 1
    manifest = json.loads(moto_s3.client().get_object(Bucket=BUCKET, Key=manifests[0])["Body"].read())
    assert manifest["archive_uri"] == URI
    assert_no_secret(json.dumps(manifest))
    listed = {f["key"] for f in manifest["files"]}
    assert {k.removeprefix(PREFIX + "/") for k in stored} - listed == {manifests[0].removeprefix(PREFIX + "/")}
    assert any(k.startswith("warc/") for k in listed)
    assert any(k.startswith("items/") for k in listed)
    assert any(k.startswith("indexes/") for k in listed)
    check_objects_match(moto_s3, sorted(listed))
    for entry in manifest["files"]:
        assert stored[f"{PREFIX}/{entry['key']}"]["Size"] == entry["size"]
    assert not [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]


def test_outage_mid_crawl_loses_nothing_and_stores_nothing_twice(moto_s3: MotoS3, replica_url: str,
                                                                 tmp_path: Path) -> None:
    moto_s3.client().put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    spool = tmp_path / "spool"
    settings = {**TEST_SETTINGS, **s3_settings(moto_s3, spool), "ARCHIVE_URI": URI,
                # many small files, no second chance inside the crawl: the outage must leave files spooled
                "DOWNLOAD_DELAY": "0.25", "ITEMS_MAX_COUNT": "2", "WARC_MAX_SIZE": "30000",
                "ARCHIVE_UPLOAD_RETRIES": "0"}
    cmd = crawl_command(base_url=replica_url, settings=settings, test_settings=False)
    log_path = tmp_path / "crawl.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            # An archive file, not the crawl's write probe: that one is listed for a moment, then deleted.
            while time.monotonic() < deadline and not archive_files(moto_s3):
                time.sleep(0.1)
            assert archive_files(moto_s3), "nothing was uploaded before the outage"
            moto_s3.stop()
            time.sleep(3)
            code = proc.wait(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log_path.read_text()
    assert_no_secret(text)
    assert code == 3, text  # the crawl went on and says that files wait in the spool
    assert "could not be stored and wait in" in text
    assert "'archive/files_spooled'" in text
    assert [p for p in spool.rglob("*") if p.is_file()], "no file was left in the spool"

    moto_s3.start()
    sync = subprocess.run([sys.executable, "-m", "scrapy", "archive-sync", "--spool", str(spool),
                           *[arg for k, v in settings.items() for arg in ("-s", f"{k}={v}")]],
                          cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=120, check=False)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert_no_secret(sync.stdout + sync.stderr)
    assert not [p for p in spool.rglob("*") if p.is_file()]
    stored = objects(moto_s3)  # asserts one version per key
    manifest_key = next(k for k in stored if k.startswith(f"{PREFIX}/crawls/"))
    manifest = json.loads(moto_s3.client().get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    assert {f"{PREFIX}/{f['key']}" for f in manifest["files"]} <= set(stored)
    check_objects_match(moto_s3, [k.removeprefix(PREFIX + "/") for k in stored])
    items = [k for k in stored if k.startswith(f"{PREFIX}/items/")]
    assert len(items) >= 6  # 12 articles in batches of 2


def test_bad_credentials_stop_the_crawl_before_any_fetch(moto_s3: MotoS3, replica_url: str, tmp_path: Path) -> None:
    moto_s3.enable_auth()
    crawl = run_crawl(tmp_path / "unused", base_url=replica_url,
                      settings={**s3_settings(moto_s3, tmp_path / "spool"), "ARCHIVE_URI": URI})
    assert crawl.returncode == 2, crawl.log
    assert f"cannot write to {URI}" in crawl.log
    assert "InvalidAccessKeyId" in crawl.log
    assert "downloader/request_count" not in crawl.log
    assert "Traceback" not in crawl.log
    assert_no_secret(crawl.log)


def test_an_unreachable_endpoint_at_start_crawls_into_the_spool_then_archive_sync_stores_it(
        replica_url: str, tmp_path: Path) -> None:
    """News pages change and vanish: a store that is down at the start costs a retry, never the crawl."""
    from tests.s3_server import free_port

    server = MotoS3(port=free_port())  # not started yet
    spool = tmp_path / "spool"
    settings = {**s3_settings(server, spool), "ARCHIVE_URI": URI, "ARCHIVE_UPLOAD_RETRIES": "0"}
    crawl = run_crawl(tmp_path / "unused", base_url=replica_url, settings=settings)
    assert crawl.returncode == 3, crawl.log  # ran, and files wait in the spool
    assert f"cannot write to {URI}" in crawl.log
    assert "(EndpointConnectionError: [Errno 111] Connection refused)" in crawl.log  # the OS's reason, named
    assert "the crawl runs into the spool" in crawl.log
    assert "'item_scraped_count': 12" in crawl.log
    assert "Traceback" not in crawl.log
    assert_no_secret(crawl.log)
    server.start()
    try:
        server.reset()
        server.disable_auth()
        server.create_bucket()
        sync = subprocess.run([sys.executable, "-m", "scrapy", "archive-sync", "--no-progress",
                               *[arg for k, v in settings.items() for arg in ("-s", f"{k}={v}")]],
                              cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=120, check=False)
        assert sync.returncode == 0, sync.stdout + sync.stderr
        stored = objects(server)
        manifest_key = next(k for k in stored if k.startswith(f"{PREFIX}/crawls/"))
        manifest = json.loads(server.client().get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
        assert {f"{PREFIX}/{f['key']}" for f in manifest["files"]} <= set(stored)
        assert manifest["counts"]["articles"] == 12
    finally:
        server.reset()
        server.stop()
