"""Which outlets are due, and which scrapyd node each goes to: the decisions of `scrapy schedule`.

An outlet is due when its cron expression (outlets.toml `schedule`, in UTC) had a slot within the last
`window`, no job of it started at or after that slot, and no job of it is pending or running, on any node that
answers. The jobs come from the nodes' listjobs.json, kept in scrapyd's SQLite job storage: the scheduler itself
keeps no state, so running it twice, or late after a missed tick, never starts a crawl twice nor loses a slot in
the window.

A due outlet goes to the least-loaded node that has its spider (`Placement`): load is scrapyd's pending plus
running jobs (daemonstatus.json) plus the jobs this run placed there; a tie goes to the node listed first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

__all__ = ["Decision", "Job", "Placement", "decide"]


@dataclass(frozen=True)
class Job:
    """A job of scrapyd's listjobs.json."""

    id: str
    spider: str
    state: str
    """pending, running or finished"""
    start_time: datetime | None = None
    node: str = ""
    """The node that listed it (empty for a single scrapyd)."""


@dataclass(frozen=True)
class Decision:
    outlet: str
    due: bool
    reason: str
    slot: datetime | None = None


def decide(outlet: str, cron: str | None, jobs: list[Job], now: datetime, window: timedelta) -> Decision:
    """Whether to schedule `outlet` now, and why (every decision is logged with its reason)."""
    if not cron:
        return Decision(outlet, False, "no schedule in outlets.toml")
    # +1 s: croniter's get_prev from an exact slot time returns the slot before it.
    slot: datetime = croniter(cron, now.replace(microsecond=0) + timedelta(seconds=1)).get_prev(datetime)
    upcoming: datetime = croniter(cron, now).get_next(datetime)
    active = [j for j in jobs if j.spider == outlet and j.state in ("pending", "running")]
    if active:
        job = active[0]
        return Decision(outlet, False, f"job {job.id} is still {job.state}{_on(job)}: no second job", slot)
    if now - slot > window:
        return Decision(outlet, False, f"not due: last slot {_t(slot)} is outside the {window} window, "
                                       f"next {_t(upcoming)}", slot)
    started = [j for j in jobs if j.spider == outlet and j.start_time is not None and j.start_time >= slot]
    if started:
        return Decision(outlet, False, f"not due: job {started[0].id}{_on(started[0])} started "
                                       f"{_t(started[0].start_time)} for slot {_t(slot)}, next {_t(upcoming)}", slot)
    return Decision(outlet, True, f"due: slot {_t(slot)}", slot)


def _on(job: Job) -> str:
    return f" on {job.node}" if job.node else ""


def _t(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "?"


class Placement:
    """Where each due outlet goes in one run: the least-loaded node that has the outlet's spider.

    `loads` (pending + running jobs, from daemonstatus.json) is read once per run; every job this run places
    counts at once, so a run with more due outlets than nodes spreads them instead of piling them onto the node
    that was idle when the run began. Ties go to the node listed first, so a run's choices are reproducible.
    """

    def __init__(self, loads: Mapping[str, int], spiders: Mapping[str, set[str] | frozenset[str]]) -> None:
        self.loads = dict(loads)
        self.spiders = {node: frozenset(spiders.get(node, ())) for node in loads}

    def least_loaded(self, outlet: str) -> str | None:
        """The node for `outlet` now, or None when no node that is left has its spider."""
        candidates = [node for node in self.loads if outlet in self.spiders[node]]
        return min(candidates, key=self.loads.__getitem__, default=None)

    def placed(self, node: str) -> None:
        self.loads[node] += 1

    def drop(self, node: str) -> None:
        """A node that refused a job takes no more in this run."""
        self.loads.pop(node, None)
