"""The scheduler's decisions: due slots, the catch-up window, never a second job for an outlet, which node takes
a due outlet, and the nodes scrapy.cfg and URLs name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.scheduling import Job, Placement, decide
from crawler.scrapyd_fleet import Node, _scrapyd_time, fleet_nodes

CRON = "17 */6 * * *"  # 00:17, 06:17, 12:17, 18:17 UTC
WINDOW = timedelta(minutes=30)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, second, tzinfo=UTC)


def test_due_on_the_slot_minute_and_within_the_window() -> None:
    for now in (at(6, 17), at(6, 17, 30), at(6, 40)):
        decision = decide("gr", CRON, [], now, WINDOW)
        assert decision.due, now
        assert decision.slot == at(6, 17)
        assert "due: slot 2026-11-25 06:17 UTC" in decision.reason


def test_not_due_outside_the_window() -> None:
    decision = decide("gr", CRON, [], at(7, 0), WINDOW)
    assert not decision.due
    assert "outside" in decision.reason
    assert "next 2026-11-25 12:17 UTC" in decision.reason
    assert not decide("gr", CRON, [], at(6, 16, 59), WINDOW).due


def test_a_pending_or_running_job_blocks_a_second_one() -> None:
    for state in ("pending", "running"):
        jobs = [Job("j1", "gr", state, at(0, 17) if state == "running" else None)]
        decision = decide("gr", CRON, jobs, at(6, 17), WINDOW)
        assert not decision.due
        assert f"job j1 is still {state}" in decision.reason
    # on any node of the fleet, named in the reason
    running_on_b = decide("gr", CRON, [Job("j3", "gr", "running", at(6, 0), "node-b")], at(6, 17), WINDOW)
    assert not running_on_b.due
    assert "job j3 is still running on node-b: no second job" in running_on_b.reason
    # another outlet's job does not
    assert decide("gr", CRON, [Job("j2", "rt", "running", at(6, 0))], at(6, 17), WINDOW).due


def test_a_job_started_for_this_slot_is_not_started_again() -> None:
    jobs = [Job("j1", "gr", "finished", at(6, 17, 2))]
    decision = decide("gr", CRON, jobs, at(6, 25), WINDOW)
    assert not decision.due
    assert "job j1 started" in decision.reason
    # a job of the slot before does not count
    assert decide("gr", CRON, [Job("j0", "gr", "finished", at(0, 17, 2))], at(6, 25), WINDOW).due


def test_no_schedule_is_never_due() -> None:
    assert not decide("gr", None, [], at(6, 17), WINDOW).due


def test_scrapyd_times_are_local_naive() -> None:
    naive = datetime(2026, 11, 25, 6, 17, 2)
    assert _scrapyd_time("2026-11-25 06:17:02.000001") == naive.replace(microsecond=1).astimezone(UTC)
    assert _scrapyd_time(None) is None
    assert _scrapyd_time("garbage") is None


ALL = {"gr", "rt", "sp"}


def test_the_least_loaded_node_takes_the_next_outlet_counting_this_runs_jobs() -> None:
    placement = Placement({"a": 1, "b": 0}, {"a": ALL, "b": ALL})
    chosen = []
    for outlet in ("gr", "rt", "sp", "gr"):
        node = placement.least_loaded(outlet)
        assert node is not None
        chosen.append(node)
        placement.placed(node)
    # b (0 < 1), then a tie at 1 goes to a (listed first), then b (2 > 1), then a tie at 2 again to a
    assert chosen == ["b", "a", "b", "a"]
    assert placement.loads == {"a": 3, "b": 2}


def test_a_node_without_the_outlets_spider_never_takes_it() -> None:
    placement = Placement({"a": 5, "b": 0}, {"a": ALL, "b": {"gr"}})
    assert placement.least_loaded("rt") == "a"
    assert placement.least_loaded("gr") == "b"
    assert placement.least_loaded("unknown") is None
    assert Placement({}, {}).least_loaded("gr") is None


def test_a_node_that_refused_a_job_takes_no_more() -> None:
    placement = Placement({"a": 0, "b": 3}, {"a": ALL, "b": ALL})
    placement.drop("a")
    assert placement.least_loaded("gr") == "b"
    placement.drop("b")
    assert placement.least_loaded("gr") is None


CFG = """[settings]
default = settings.local

[deploy]
project = outlet_archive
username = ${FLEET_USER}
password = ${FLEET_PASSWORD}

[deploy:node-a]
url = http://10.0.0.1:6800

[deploy:node-b]
url = ${NODE_B_URL}
project = other

[deploy:spare]
url = http://10.0.0.1:6800/
"""


@pytest.fixture
def scrapy_cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder whose scrapy.cfg names three deploy targets (read from the working directory)."""
    (tmp_path / "scrapy.cfg").write_text(CFG)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.scrapy.cfg or ~/.netrc of the machine's
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("FLEET_USER", "FLEET_PASSWORD", "NODE_B_URL", "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_nodes_from_deploy_targets_and_urls(scrapy_cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_B_URL", "https://b.example.org/scrapyd")
    monkeypatch.setenv("FLEET_USER", "archivist")
    monkeypatch.setenv("FLEET_PASSWORD", "s3cret")
    nodes = fleet_nodes(["node-*", "http://10.0.0.9:6800", "spare"], None, "outlet_archive")
    # node-a and spare are one URL: asked once, under the first name
    assert [(n.name, n.url, n.project) for n in nodes] == [
        ("node-a", "http://10.0.0.1:6800/", "outlet_archive"),
        ("node-b", "https://b.example.org/scrapyd/", "other"),
        ("http://10.0.0.9:6800", "http://10.0.0.9:6800/", "outlet_archive")]
    assert [(n.username, n.password) for n in nodes[:2]] == [("archivist", "s3cret")] * 2
    assert "s3cret" not in repr(nodes)
    # a URL's node takes $SCRAPYD_USERNAME / $SCRAPYD_PASSWORD; --project wins over a target's
    monkeypatch.setenv("SCRAPYD_USERNAME", "env-user")
    monkeypatch.setenv("SCRAPYD_PASSWORD", "env-pw")
    (url_node,) = fleet_nodes(["http://10.0.0.9:6800/"], None, "outlet_archive")
    assert (url_node.username, url_node.password) == ("env-user", "env-pw")
    assert fleet_nodes(["node-b"], "mine", "outlet_archive")[0].project == "mine"
    assert fleet_nodes([], None, "outlet_archive") == []
    assert isinstance(url_node, Node)


def test_bad_nodes_are_one_line_errors(scrapy_cfg: Path) -> None:
    with pytest.raises(ValueError, match=r"^nope: no such deploy target in scrapy.cfg \(targets: node-a, node-b, "
                                         r"spare\)$"):
        fleet_nodes(["nope"], None, "p")
    with pytest.raises(ValueError, match=r"^node-b: url '\$\{NODE_B_URL\}' is not an http\(s\) URL \(an "
                                         r"environment variable it names is not set\)$"):
        fleet_nodes(["node-b"], None, "p")
    with pytest.raises(ValueError, match=r"^ftp://h/: url 'ftp://h/' is not an http\(s\) URL$"):
        fleet_nodes(["ftp://h/"], None, "p")
    with pytest.raises(ValueError, match="credentials in a node's URL") as caught:
        fleet_nodes(["http://user:pw@h:6800/"], None, "p")
    assert "pw@" not in str(caught.value)
