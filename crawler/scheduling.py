"""Which outlets are due, and a small client for the scrapyd API calls the scheduler makes.

An outlet is due when its cron expression (outlets.toml `schedule`, in UTC) had a slot within the last
`window`, no job of it started at or after that slot, and no job of it is pending or running. The jobs come
from scrapyd's listjobs.json, kept in scrapyd's SQLite job storage: the scheduler itself keeps no state, so
running it twice, or late after a missed tick, never starts a crawl twice nor loses a slot in the window.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

__all__ = ["Decision", "Job", "ScrapydClient", "ScrapydError", "decide"]


@dataclass(frozen=True)
class Job:
    """A job of scrapyd's listjobs.json."""

    id: str
    spider: str
    state: str
    """pending, running or finished"""
    start_time: datetime | None = None


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
        return Decision(outlet, False, f"job {job.id} is still {job.state}: no second job", slot)
    if now - slot > window:
        return Decision(outlet, False, f"not due: last slot {_t(slot)} is outside the {window} window, "
                                       f"next {_t(upcoming)}", slot)
    started = [j for j in jobs if j.spider == outlet and j.start_time is not None and j.start_time >= slot]
    if started:
        return Decision(outlet, False, f"not due: job {started[0].id} started {_t(started[0].start_time)} "
                                       f"for slot {_t(slot)}, next {_t(upcoming)}", slot)
    return Decision(outlet, True, f"due: slot {_t(slot)}", slot)


def _t(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "?"


class ScrapydError(Exception):
    """scrapyd could not be reached, refused the credentials, or answered status "error"."""


class ScrapydClient:
    """listspiders.json, listjobs.json and schedule.json, with basic auth; credentials are never shown."""

    def __init__(self, url: str, project: str, username: str = "", password: str = "",
                 timeout: float = 30.0) -> None:
        self.url = url.rstrip("/") + "/"
        self.project = project
        self.timeout = timeout
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}" if username else None

    def _call(self, endpoint: str, params: list[tuple[str, str]], *, post: bool = False) -> dict[str, Any]:
        query = urllib.parse.urlencode(params)
        url = self.url + endpoint + ("" if post else f"?{query}")
        request = urllib.request.Request(url, data=query.encode() if post else None,
                                         method="POST" if post else "GET")
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            hint = " (set SCRAPYD_USERNAME and SCRAPYD_PASSWORD)" if exc.code == 401 else ""
            raise ScrapydError(f"{self.url}{endpoint}: HTTP {exc.code}{hint}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ScrapydError(f"{self.url}{endpoint}: {getattr(exc, 'reason', exc)}") from None
        if data.get("status") != "ok":
            raise ScrapydError(f"{self.url}{endpoint}: {data.get('message', data)}")
        return data

    def spiders(self) -> list[str]:
        return list(self._call("listspiders.json", [("project", self.project)])["spiders"])

    def jobs(self) -> list[Job]:
        data = self._call("listjobs.json", [("project", self.project)])
        return [Job(str(j["id"]), str(j["spider"]), state, _scrapyd_time(j.get("start_time")))
                for state in ("pending", "running", "finished") for j in data.get(state, [])]

    def schedule(self, spider: str, args: dict[str, str], settings: dict[str, str]) -> str:
        params = [("project", self.project), ("spider", spider), *args.items()]
        params += [("setting", f"{k}={v}") for k, v in settings.items()]
        return str(self._call("schedule.json", params, post=True)["jobid"])


def _scrapyd_time(value: Any) -> datetime | None:
    """scrapyd's times are naive, in the local time of its host (the scheduler runs on the same host)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is None else when
