"""scrapyd end to end: the project's config with auth on, the egg deployed by scrapyd-deploy, replica crawls
scheduled into moto's S3, an incremental second run, a cancelled job, and the scheduler.

One scrapyd, one moto server and one replica serve the whole module (started once: about 5 s).
"""

from __future__ import annotations

import base64
import configparser
import gzip
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import ROOT
from tests.replica.server import ReplicaServer
from tests.s3_server import ACCESS_KEY, BUCKET, SECRET_KEY, MotoS3, free_port

# One xdist group: both build the project's egg in the checkout (build/, *.egg-info), one at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scrapyd")]

PROJECT = "outlet_archive"
USER, PASSWORD = "archivist", "scrapyd-test-Pw7x"
BIN = Path(sys.executable).parent
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "PROGRESS_INTERVAL": "0",
        "ARCHIVE_UPLOAD_BACKOFF": "0.05"}


@dataclass
class Scrapyd:
    url: str
    home: Path
    moto: MotoS3
    replica: ReplicaServer
    base_url: str

    def call(self, endpoint: str, params: list[tuple[str, str]] | None = None, *, post: bool = False,
             auth: bool = True) -> dict[str, Any]:
        return scrapyd_call(self.url, endpoint, params, post=post, auth=auth)

    def schedule(self, prefix: str, **settings: str) -> str:
        values = {**FAST, "ARCHIVE_URI": f"s3://{BUCKET}/{prefix}", "AWS_ENDPOINT_URL": self.moto.endpoint,
                  "AWS_REGION_NAME": "us-east-1", "ARCHIVE_SPOOL_DIR": str(self.home / "spool" / prefix),
                  **settings}
        params = [("project", PROJECT), ("spider", "globalresearch"), ("base_url", self.base_url)]
        params += [("setting", f"{k}={v}") for k, v in values.items()]
        return str(self.call("schedule.json", params, post=True)["jobid"])

    def state(self, job: str) -> str:
        jobs = self.call("listjobs.json", [("project", PROJECT)])
        for state in ("pending", "running", "finished"):
            if any(j["id"] == job for j in jobs[state]):
                return state
        raise AssertionError(f"job {job} is not listed")

    def wait(self, job: str, state: str = "finished", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.state(job) != state:
            assert time.monotonic() < deadline, f"job {job} not {state} after {timeout}s:\n{self.log(job)}"
            time.sleep(0.2)

    def log(self, job: str, spider: str = "globalresearch") -> str:
        path = self.home / "logs" / PROJECT / spider / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log yet)"

    def keys(self, prefix: str) -> list[str]:
        client = self.moto.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/")
        return sorted(o["Key"].removeprefix(prefix + "/") for p in pages for o in p.get("Contents", []))

    def read(self, prefix: str, key: str) -> bytes:
        body: bytes = self.moto.client().get_object(Bucket=BUCKET, Key=f"{prefix}/{key}")["Body"].read()
        return body

    def manifest(self, prefix: str, job: str, spider: str = "globalresearch") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.read(prefix, f"crawls/{spider}/{job}.json"))
        return data

    def items(self, prefix: str, job: str) -> list[dict[str, Any]]:
        found = []
        for key in self.keys(prefix):
            if key.startswith("items/") and job in key:
                found += [json.loads(line) for line in gzip.decompress(self.read(prefix, key)).splitlines()]
        return found


def scrapyd_call(url: str, endpoint: str, params: list[tuple[str, str]] | None = None, *, post: bool = False,
                 auth: bool = True) -> dict[str, Any]:
    """One call of a scrapyd node's JSON API (with the test credentials), asserting it answered ok."""
    query = urllib.parse.urlencode(params or [])
    request = urllib.request.Request(url + endpoint + ("" if post else f"?{query}"),
                                     data=query.encode() if post else None)
    if auth:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.loads(response.read())
    assert data["status"] == "ok", data
    return data


def _config(home: Path, port: int) -> Path:
    """The project's deploy/scrapyd.conf, with this test's port and folders."""
    config = configparser.ConfigParser()
    config.read(ROOT / "deploy" / "scrapyd.conf")
    section = config["scrapyd"]
    assert section["bind_address"] == "127.0.0.1"
    assert section["jobstorage"] == "scrapyd.jobstorage.SqliteJobStorage"
    assert section["items_dir"] == ""
    section["http_port"] = str(port)
    section["poll_interval"] = "0.2"
    for name in ("logs_dir", "jobs_dir", "eggs_dir", "dbs_dir"):
        section[name] = str(home / name.removesuffix("_dir"))
    path = home / "scrapyd.conf"
    with path.open("w") as handle:
        config.write(handle)
    return path


def launch_scrapyd(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """A scrapyd with the project's config (auth on) on a free port, started in `home`; wait_for_scrapyd next."""
    port = free_port()
    _config(home, port)
    # Credentials reach the jobs through scrapyd's environment, never through schedule.json.
    env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    env.update(SCRAPYD_USERNAME=USER, SCRAPYD_PASSWORD=PASSWORD)
    # Started in its own folder: our packages in its working directory would shadow the egg.
    with (home / "scrapyd.out").open("w") as log:
        proc = subprocess.Popen([str(BIN / "scrapyd"), "--pidfile="], cwd=home, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/"


def wait_for_scrapyd(proc: subprocess.Popen[bytes], url: str, home: Path) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(url + "daemonstatus.json", headers={"Authorization": f"Basic {token}"})
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.loads(response.read())["status"] == "ok"
            return
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None and time.monotonic() < deadline, (home / "scrapyd.out").read_text()
            time.sleep(0.2)


def stop_scrapyd(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    home = tmp_path_factory.mktemp("scrapyd")
    moto = MotoS3()
    moto.start()
    moto.reset()
    moto.disable_auth()
    moto.create_bucket()
    replica = ReplicaServer()
    base_url = replica.start()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    proc, url = launch_scrapyd(home, env)
    server = Scrapyd(url, home, moto, replica, base_url)
    try:
        wait_for_scrapyd(proc, url, home)
        # --debug: setup.py's own output, which scrapyd-deploy otherwise discards, in the message if the build fails
        # (one fresh-clone run in four failed here with "exit status 1" and nothing else).
        deploy = subprocess.run([str(BIN / "scrapyd-deploy"), "production", "-v", "r1", "--debug"], cwd=ROOT,
                                env={**env, "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD,
                                     "SCRAPYD_URL": server.url}, capture_output=True, text=True,
                                timeout=120, check=False)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert '"status": "ok"' in deploy.stdout + deploy.stderr
        yield server
    finally:
        stop_scrapyd(proc)
        replica.stop()
        moto.stop()


def _check_warcs(server: Scrapyd, prefix: str, job: str) -> list[str]:
    warcs = [k for k in server.keys(prefix) if k.startswith("warc/") and job in k]
    assert warcs
    for key in warcs:
        assert key.endswith(".warc.gz")
        records = list(ArchiveIterator(io.BytesIO(server.read(prefix, key))))
        assert records[0].rec_type == "warcinfo"
        assert any(r.rec_type in ("response", "revisit") for r in records)
    return warcs


def test_a_request_without_credentials_is_refused(scrapyd: Scrapyd) -> None:
    for endpoint in ("daemonstatus.json", "listjobs.json?project=outlet_archive"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(scrapyd.url + endpoint, timeout=10)
        refused.value.close()
        assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(scrapyd.url + "schedule.json", method="POST",
                                                      data=b"project=outlet_archive&spider=globalresearch"))
    refused.value.close()
    assert refused.value.code == 401


def test_the_deployed_egg_has_a_spider_per_outlet(scrapyd: Scrapyd) -> None:
    spiders = scrapyd.call("listspiders.json", [("project", PROJECT)])["spiders"]
    assert {"globalresearch", "sputnik", "rt", "consortiumnews"} <= set(spiders)
    assert scrapyd.call("listversions.json", [("project", PROJECT)])["versions"] == ["r1"]


def test_scheduled_runs_archive_to_s3_and_the_second_only_new_articles(scrapyd: Scrapyd) -> None:
    first = scrapyd.schedule("runs")
    scrapyd.wait(first)
    manifest = scrapyd.manifest("runs", first)
    log = scrapyd.log(first)
    assert manifest["status"] == "finished", log
    assert manifest["crawl_id"] == first  # the crawl is named after the job
    assert manifest["scrapyd_job"] == first
    assert "crawl report: finished;" in log
    assert SECRET_KEY not in log and ACCESS_KEY not in log
    first_items = scrapyd.items("runs", first)
    assert len(first_items) == manifest["counts"]["articles"] >= 10
    _check_warcs(scrapyd, "runs", first)
    assert f"indexes/globalresearch/{first}.cdxj" in scrapyd.keys("runs")
    listed = {f["key"] for f in manifest["files"]}
    assert listed <= set(scrapyd.keys("runs"))
    assert not [k for k in scrapyd.keys("runs") if k.endswith((".open", ".part"))]
    # requests were serializable: scrapyd's jobs_dir gives every job a JOBDIR with a disk queue
    assert manifest["stats"].get("scheduler/enqueued/disk", 0) > 0
    assert "scheduler/unserializable" not in manifest["stats"]

    scrapyd.replica.publish_later()
    second = scrapyd.schedule("runs")
    scrapyd.wait(second)
    report = scrapyd.manifest("runs", second)
    assert report["status"] == "finished", scrapyd.log(second)
    new_items = scrapyd.items("runs", second)
    assert len(new_items) == report["counts"]["articles"] == 2, [i["url"] for i in new_items]
    assert not {i["url"] for i in new_items} & {i["url"] for i in first_items}
    assert report["counts"]["skipped_archived"] >= len(first_items)


def test_a_cancelled_job_leaves_closed_files_and_a_cancelled_manifest(scrapyd: Scrapyd) -> None:
    job = scrapyd.schedule("cancel", DOWNLOAD_DELAY="0.4", CONCURRENT_REQUESTS_PER_DOMAIN="1", LOG_LEVEL="DEBUG")
    deadline = time.monotonic() + 60
    while scrapyd.log(job).count("Scraped http") < 2:
        assert time.monotonic() < deadline, scrapyd.log(job)
        assert scrapyd.state(job) != "finished", scrapyd.log(job)
        time.sleep(0.2)
    assert scrapyd.call("cancel.json", [("project", PROJECT), ("job", job)], post=True)["prevstate"] == "running"
    scrapyd.wait(job)
    log = scrapyd.log(job)
    manifest = scrapyd.manifest("cancel", job)
    assert manifest["status"] == "cancelled", log
    assert manifest["finish_reason"] == "shutdown"
    assert "crawl report: cancelled;" in log
    items = scrapyd.items("cancel", job)
    assert 2 <= len(items) == manifest["counts"]["articles"] < 12
    _check_warcs(scrapyd, "cancel", job)
    keys = scrapyd.keys("cancel")
    assert {f["key"] for f in manifest["files"]} <= set(keys)
    assert all(f["stored"] for f in manifest["files"])
    assert not [k for k in keys if k.endswith((".open", ".part"))]
    assert not [p for p in (scrapyd.home / "spool" / "cancel").rglob("*") if p.is_file()]


def test_the_scheduler_starts_a_due_outlet_once(scrapyd: Scrapyd, tmp_path: Path) -> None:
    # rt, which no other test schedules: a job of this minute would make the outlet not due. Its start points
    # are not on the Global Research replica; the crawl is short, and all this test needs.
    outlets = (ROOT / "crawler" / "outlets.toml").read_text(encoding="utf-8")
    every_minute = tmp_path / "outlets.toml"
    every_minute.write_text(re.sub(r'(?m)^schedule = ".*"$', 'schedule = "* * * * *"', outlets))
    cmd = [sys.executable, "-m", "scrapy", "schedule", "rt", "--url", scrapyd.url,
           "--arg", f"base_url={scrapyd.base_url}",
           "--setting", f"ARCHIVE_URI=s3://{BUCKET}/runs", "--setting", f"AWS_ENDPOINT_URL={scrapyd.moto.endpoint}",
           "--setting", f"ARCHIVE_SPOOL_DIR={scrapyd.home / 'spool' / 'scheduled'}",
           *[arg for k, v in FAST.items() for arg in ("--setting", f"{k}={v}")],
           "-s", f"OUTLETS_FILE={every_minute}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD}
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    assert "rt: due: slot" in first.stderr and "scheduled job" in first.stderr, first.stderr
    job = first.stderr.rsplit("scheduled job ", 1)[1].split()[0]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", job), job  # a crawl id (crawler.crawl.new_crawl_id)
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr
    assert "scheduled job" not in again.stderr
    assert f"rt: job {job} is still" in again.stderr or f"job {job} started" in again.stderr
    scrapyd.wait(job)
    manifest = scrapyd.manifest("runs", job, "rt")
    assert manifest["status"] == "finished", scrapyd.log(job, "rt")
    assert manifest["crawl_id"] == manifest["scrapyd_job"] == job

    refused = subprocess.run(cmd, cwd=ROOT, env={**env, "SCRAPYD_PASSWORD": "wrong"}, capture_output=True,
                             text=True, timeout=60, check=False)
    assert refused.returncode == 1
    assert f"node {scrapyd.url} skipped: daemonstatus.json: HTTP 401" in refused.stderr
    assert "no scrapyd node answers" in refused.stderr
    assert "wrong" not in refused.stderr
