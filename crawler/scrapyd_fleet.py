"""The scrapyd nodes `scrapy schedule` places crawls on: who they are, what they answer, and the project's egg.

A node is named by its URL, or by a scrapy.cfg deploy target (`[deploy:NAME] url = ...`, read by scrapyd-client's
own config reading, so the fleet is what `scrapyd-deploy -a` deploys to; a name may be a glob, `node-*`).
Credentials come from the target (`username`, `password`, `${VAR}` read from the environment), else from
$SCRAPYD_USERNAME and $SCRAPYD_PASSWORD, else from ~/.netrc (scrapyd-client's `get_auth`); they never appear in a
log line or an error message.

The egg is built by scrapyd-deploy itself (`--build-egg`), so it is the egg `scrapyd-deploy` would upload, and
sent to each node with addversion.json.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from scrapy.utils.conf import closest_scrapy_cfg
from scrapyd_client.utils import _get_targets, get_auth

from crawler.scheduling import Job

__all__ = ["DeployError", "Node", "ScrapydError", "ScrapydNode", "build_egg", "fleet_nodes"]


@dataclass(frozen=True)
class Node:
    """One scrapyd server of the fleet."""

    name: str
    """The deploy target's name, or the URL: what log lines call it."""
    url: str
    project: str
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)


def fleet_nodes(entries: Iterable[str], project: str | None, default_project: str) -> list[Node]:
    """The nodes `entries` name (URLs, or scrapy.cfg deploy targets or globs of them), each URL once, in order.

    `project` (--project) wins over a target's `project`, which wins over `default_project` (BOT_NAME).
    ValueError, with a one-line message, for an unknown target or a URL that is not http(s).
    """
    targets: dict[str, dict[str, str]] | None = None
    nodes: dict[str, Node] = {}
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        if "://" in entry:
            found = [(entry, {"url": entry})]
        else:
            # scrapyd-client's private reader, the one scrapyd-deploy and its `targets` command use: the
            # [deploy] section merged into every [deploy:NAME], ${VAR} read from the environment.
            targets = _get_targets() if targets is None else targets
            names = fnmatch.filter(targets, entry)
            if not names:
                raise ValueError(f"{entry}: no such deploy target in scrapy.cfg (targets: "
                                 f"{', '.join(targets) or 'none'})")
            found = [(name, targets[name]) for name in names]
        for name, target in found:
            node = _node(name, target, project or _set(target.get("project")) or default_project)
            nodes.setdefault(node.url, node)
    return list(nodes.values())


def _set(value: str | None) -> str:
    """A scrapy.cfg value, empty when it still holds a ${VAR} the environment did not set."""
    return "" if not value or "${" in value else value


def _node(name: str, target: dict[str, str], project: str) -> Node:
    url = target.get("url", "")
    parts = urlsplit(url)
    if parts.username or parts.password:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl() if name == url else name
        raise ValueError(f"{shown}: credentials in a node's URL would show in every log line: set "
                         f"SCRAPYD_USERNAME and SCRAPYD_PASSWORD, or username and password in scrapy.cfg")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        unset = " (an environment variable it names is not set)" if "$" in url else ""
        raise ValueError(f"{name}: url {url!r} is not an http(s) URL{unset}")
    username = _set(target.get("username")) or os.environ.get("SCRAPYD_USERNAME", "")
    password = _set(target.get("password")) or os.environ.get("SCRAPYD_PASSWORD", "")
    auth = get_auth(url, username, password)  # falls back to ~/.netrc
    return Node(name, url.rstrip("/") + "/", project, auth.username if auth else "", auth.password if auth else "")


class ScrapydError(Exception):
    """A node could not be reached, refused the credentials, or answered status "error"."""


class DeployError(Exception):
    """The egg could not be built."""


class ScrapydNode:
    """The scrapyd API calls the scheduler makes, on one node.

    Our own client rather than scrapyd-client's ScrapydClient: that one sets no timeout (one node that accepts
    a connection and never answers would hang every tick) and cannot upload an egg.
    """

    def __init__(self, node: Node, timeout: float) -> None:
        self.node = node
        self.project = node.project
        # A node that takes more than a few seconds to accept a TCP connection is down; one that accepted may
        # take the whole timeout to answer (addversion.json lists the egg's spiders in a subprocess first).
        self.timeout = (min(5.0, timeout), timeout)
        self.session = requests.Session()
        if node.username:
            self.session.auth = (node.username, node.password)

    def _call(self, endpoint: str, params: dict[str, str] | None = None, *, post: list[tuple[str, str]] | None = None,
              files: dict[str, Any] | None = None) -> dict[str, Any]:
        url = urljoin(self.node.url, endpoint)
        try:
            if post is None:
                response = self.session.get(url, params=params, timeout=self.timeout)
            else:
                response = self.session.post(url, data=post, files=files, timeout=self.timeout)
        except requests.Timeout:
            raise ScrapydError(f"{endpoint}: no answer within {self.timeout[1]:g} s") from None
        except requests.RequestException as exc:
            raise ScrapydError(f"{endpoint}: {_reason(exc)}") from None
        if response.status_code != 200:
            hint = " (set SCRAPYD_USERNAME and SCRAPYD_PASSWORD)" if response.status_code == 401 else ""
            raise ScrapydError(f"{endpoint}: HTTP {response.status_code}{hint}")
        try:
            data: dict[str, Any] = response.json()
        except ValueError:
            raise ScrapydError(f"{endpoint}: not a scrapyd answer (not JSON)") from None
        if data.get("status") != "ok":
            message = str(data.get("message", data)).strip().splitlines()
            raise ScrapydError(f"{endpoint}: {message[-1] if message else data}")
        return data

    def load(self) -> int:
        """Jobs pending and running on the node, of every project: what it is busy with."""
        data = self._call("daemonstatus.json")
        return int(data.get("pending", 0)) + int(data.get("running", 0))

    def has_project(self) -> bool:
        return self.project in self._call("listprojects.json")["projects"]

    def spiders(self) -> set[str]:
        return set(self._call("listspiders.json", {"project": self.project})["spiders"])

    def versions(self) -> list[str]:
        """The project's versions in scrapyd's order: the last one is what new jobs run."""
        return list(self._call("listversions.json", {"project": self.project})["versions"])

    def jobs(self) -> list[Job]:
        data = self._call("listjobs.json", {"project": self.project})
        return [Job(str(j["id"]), str(j["spider"]), state, _scrapyd_time(j.get("start_time")), self.node.name)
                for state in ("pending", "running", "finished") for j in data.get(state, [])]

    def schedule(self, spider: str, job: str, args: dict[str, str], settings: dict[str, str]) -> str:
        params = [("project", self.project), ("spider", spider), ("jobid", job), *args.items()]
        params += [("setting", f"{k}={v}") for k, v in settings.items()]
        return str(self._call("schedule.json", post=params)["jobid"])

    def add_version(self, egg: Path, version: str) -> int:
        """Uploads the egg as `version`; the number of spiders scrapyd found in it."""
        with egg.open("rb") as handle:
            data = self._call("addversion.json", post=[("project", self.project), ("version", version)],
                              files={"egg": ("project.egg", handle)})
        return int(data.get("spiders", 0))


def _reason(exc: requests.RequestException) -> str:
    """The OS's words for a failed connection ("Connection refused"), not urllib3's paragraph around them."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    return found.group(1).strip() if found else text.splitlines()[0][:200]


def _scrapyd_time(value: Any) -> datetime | None:
    """scrapyd's times are naive, in its host's local time: read as the scheduler's (run them all in UTC)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is None else when


def build_egg(directory: Path) -> Path:
    """The project's egg, built by `scrapyd-deploy --build-egg` in the checkout that holds scrapy.cfg."""
    config = closest_scrapy_cfg()
    project_dir = Path(config).parent if config else None
    if project_dir is None or not (project_dir / "setup.py").is_file():
        # Without setup.py scrapyd-deploy writes one of its own, which packs every package (tests too).
        raise DeployError("the egg is built from a checkout of the project (scrapy.cfg and setup.py), and there "
                          "is none here: run from the checkout, or pass --egg FILE")
    egg = directory / "project.egg"
    done = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(egg)],
                          cwd=project_dir, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 or not egg.is_file():
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise DeployError(f"scrapyd-deploy --build-egg failed: {lines[-1] if lines else done.returncode}")
    return egg
