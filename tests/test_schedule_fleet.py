"""`scrapy schedule` over a fleet: two real scrapyd nodes and a dead one (a closed port) on 127.0.0.1.

The nodes start without the project: the scheduler builds the egg (scrapyd-deploy --build-egg) and deploys it to
both, places due outlets on the least-loaded node, counting the jobs it places, never starts an outlet pending
or running on any node, and names every job after its crawl id. The crawls run against the replica into a
local archive folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.crawl_runner import ROOT
from tests.replica.server import ReplicaServer
from tests.s3_server import free_port
from tests.test_scrapyd import (
    FAST,
    PASSWORD,
    PROJECT,
    USER,
    launch_scrapyd,
    scrapyd_call,
    stop_scrapyd,
    wait_for_scrapyd,
)

# One xdist group: both build the project's egg in the checkout (build/, *.egg-info), one at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scrapyd")]

CRAWL_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}")


@dataclass
class Fleet:
    a: str
    b: str
    dead: str
    archive: Path
    base_url: str
    outlets_file: Path

    def call(self, node: str, endpoint: str, params: list[tuple[str, str]] | None = None, *,
             post: bool = False) -> dict[str, Any]:
        return scrapyd_call(node, endpoint, params, post=post)

    def jobs(self, node: str) -> dict[str, str]:
        """Job id → state."""
        listed = self.call(node, "listjobs.json", [("project", PROJECT)])
        return {j["id"]: state for state in ("pending", "running", "finished") for j in listed[state]}

    def schedule(self, *args: str, settings: dict[str, str], unset: tuple[str, ...] = ()
                 ) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "scrapy", "schedule", *args, "--arg", f"base_url={self.base_url}",
               *[arg for k, v in settings.items() for arg in ("--setting", f"{k}={v}")],
               "-s", f"OUTLETS_FILE={self.outlets_file}"]
        environ = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPYD_USERNAME": USER, "SCRAPYD_PASSWORD": PASSWORD,
                   "SCRAPYD_URL": self.b}
        environ = {k: v for k, v in environ.items() if k not in unset}
        return subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300, check=False)

    def manifest(self, outlet: str, job: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.archive / "crawls" / outlet / f"{job}.json").read_text())
        return data


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("fleet")
    outlets = (ROOT / "crawler" / "outlets.toml").read_text(encoding="utf-8")
    every_minute = root / "outlets.toml"
    every_minute.write_text(re.sub(r'(?m)^schedule = ".*"$', 'schedule = "* * * * *"', outlets))
    replica = ReplicaServer()
    base_url = replica.start()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    started = []
    try:
        for name in ("a", "b"):
            (root / name).mkdir()
            started.append((*launch_scrapyd(root / name, env), root / name))
        for proc, url, home in started:
            wait_for_scrapyd(proc, url, home)
        yield Fleet(started[0][1], started[1][1], f"http://127.0.0.1:{free_port()}/", root / "archive", base_url,
                    every_minute)
    finally:
        for proc, _, _ in started:
            stop_scrapyd(proc)
        replica.stop()


def _scheduled(stderr: str) -> dict[str, tuple[str, str]]:
    """outlet → (job, node) from the scheduler's log lines."""
    return {m["outlet"]: (m["job"], m["node"])
            for m in re.finditer(r"\] INFO: (?P<outlet>\w+): due: [^\n]*: scheduled job (?P<job>\S+) on node "
                                 r"(?P<node>\S+) ", stderr)}


def _wait_finished(fleet: Fleet, node: str, jobs: list[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while any(fleet.jobs(node).get(job) != "finished" for job in jobs):
        assert time.monotonic() < deadline, f"{jobs} on {node}: {fleet.jobs(node)}"
        time.sleep(0.3)


def test_due_outlets_spread_over_the_live_nodes_and_never_run_twice(fleet: Fleet) -> None:
    archive = {"ARCHIVE_URI": str(fleet.archive), **FAST}
    # The nodes: A by URL, the dead one, B as scrapy.cfg's deploy target "production" (url = ${SCRAPYD_URL}).
    nodes = ["--url", fleet.a, "--url", fleet.dead, "--url", "production"]

    # 1. Neither node has the project: both get the same egg. globalresearch goes to A (a tie: the first listed)
    # and stays running there (a 30 s delay between its requests).
    slow = {**archive, "DOWNLOAD_DELAY": "30", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    first = fleet.schedule("globalresearch", *nodes, settings=slow)
    assert first.returncode == 0, first.stderr
    dead_lines = [line for line in first.stderr.splitlines() if fleet.dead in line]
    assert len(dead_lines) == 1, first.stderr
    assert f"WARNING: node {fleet.dead} skipped: daemonstatus.json: Connection refused" in dead_lines[0]
    deployed = re.findall(r"node (\S+): deployed version (\d+) of project outlet_archive \((\d+) spiders\)",
                          first.stderr)
    assert {node for node, _, _ in deployed} == {fleet.a, "production"}, first.stderr
    version = deployed[0][1]
    for node in (fleet.a, fleet.b):
        assert fleet.call(node, "listversions.json", [("project", PROJECT)])["versions"] == [version]
        spiders = set(fleet.call(node, "listspiders.json", [("project", PROJECT)])["spiders"])
        assert {"globalresearch", "rt", "sputnik", "consortiumnews"} <= spiders
    placed = _scheduled(first.stderr)
    assert set(placed) == {"globalresearch"}, first.stderr
    held, node = placed["globalresearch"]
    assert node == fleet.a
    assert CRAWL_ID.fullmatch(held)
    assert held in fleet.jobs(fleet.a)

    # 2. globalresearch is pending or running on A: not scheduled on B. The others go to the least-loaded node,
    # counting what this run placed: A has 1 job, B none; rt → B (0), sputnik → A (1 = 1, listed first),
    # consortiumnews → B (A 2, B 1). Nothing is deployed again.
    second = fleet.schedule("globalresearch", "rt", "sputnik", "consortiumnews", *nodes, settings=archive)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count(fleet.dead) == 1
    assert re.search(rf"globalresearch: job {held} is still (pending|running) on {re.escape(fleet.a)}: "
                     "no second job", second.stderr), second.stderr
    assert "deployed version" not in second.stderr
    placed = _scheduled(second.stderr)
    assert {outlet: node for outlet, (_, node) in placed.items()} == {
        "rt": "production", "sputnik": fleet.a, "consortiumnews": "production"}, second.stderr
    on_a, on_b = fleet.jobs(fleet.a), fleet.jobs(fleet.b)
    assert set(on_a) == {held, placed["sputnik"][0]}
    assert set(on_b) == {placed["rt"][0], placed["consortiumnews"][0]}

    # Every job is named after its crawl: the crawl's manifest carries the job id as crawl id.
    _wait_finished(fleet, fleet.a, [placed["sputnik"][0]])
    _wait_finished(fleet, fleet.b, [placed["rt"][0], placed["consortiumnews"][0]])
    for outlet, (job, _) in placed.items():
        assert CRAWL_ID.fullmatch(job)
        manifest = fleet.manifest(outlet, job)
        assert manifest["crawl_id"] == manifest["scrapyd_job"] == job
    # The held crawl's lease names it by its job id too; then it is killed (a graceful stop would wait out the
    # delays of the requests already in the downloader).
    lease = fleet.archive / "leases" / "globalresearch.json"
    deadline = time.monotonic() + 30
    while not lease.exists():
        assert time.monotonic() < deadline, fleet.jobs(fleet.a)
        time.sleep(0.2)
    assert json.loads(lease.read_text())["crawl_id"] == held
    fleet.call(fleet.a, "cancel.json", [("project", PROJECT), ("job", held), ("signal", "KILL")], post=True)
    _wait_finished(fleet, fleet.a, [held])


def test_a_dry_run_places_nothing(fleet: Fleet) -> None:
    before = fleet.call(fleet.b, "listprojects.json")["projects"], fleet.call(fleet.b, "daemonstatus.json")
    # sputnik: the spreading test ran it on node A alone, so node B, asked alone, has no job of it in this minute's
    # slot (rt, which B ran, is not due again until the next minute: a race with the clock).
    dry = fleet.schedule("sputnik", "--url", fleet.b, "--deploy", "--dry-run", settings={})
    assert dry.returncode == 0, dry.stderr
    assert f"would deploy the egg to {fleet.b} (dry run)" in dry.stderr
    assert re.search(rf"sputnik: due: slot [^\n]*: would go to node {re.escape(fleet.b)} \(\d+ jobs there\) \(dry run\)",
                     dry.stderr), dry.stderr
    assert "scheduled job" not in dry.stderr and "deployed version" not in dry.stderr
    after = fleet.call(fleet.b, "listprojects.json")["projects"], fleet.call(fleet.b, "daemonstatus.json")
    assert after == before


def test_a_due_outlet_no_node_takes_exits_1_and_bad_nodes_exit_2(fleet: Fleet) -> None:
    dead = fleet.schedule("rt", "--url", fleet.dead, settings={})
    assert dead.returncode == 1
    assert f"WARNING: node {fleet.dead} skipped: daemonstatus.json: Connection refused" in dead.stderr
    assert "ERROR: no scrapyd node answers" in dead.stderr
    assert "scheduled job" not in dead.stderr

    unknown = fleet.schedule("rt", "--url", "node-*", settings={})
    assert unknown.returncode == 2
    assert "ERROR: node-*: no such deploy target in scrapy.cfg (targets: default, production)" in unknown.stderr

    unset = fleet.schedule("rt", "--url", "production", settings={}, unset=("SCRAPYD_URL",))
    assert unset.returncode == 2
    assert "ERROR: production: url '${SCRAPYD_URL}' is not an http(s) URL" in unset.stderr
