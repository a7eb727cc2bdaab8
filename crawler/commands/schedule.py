"""`scrapy schedule`: place every outlet whose cron slot is due on the least-loaded scrapyd node; run it each minute.

A one-shot command, run each minute by a systemd timer (deploy/outlet-archive-schedule.timer) or cron
(deploy/crontab), rather than a long-running scheduler: it keeps no state of its own (the nodes' job histories
say what ran), so there is nothing to supervise, restart or resynchronise, and a tick missed while the host was
down is caught up by the next one within --window. Every decision is logged, one line an outlet.

The nodes (--url, SCHEDULE_NODES, $SCRAPYD_URL: URLs or scrapy.cfg deploy targets) are asked once each for
their load, spiders and jobs; a node that does not answer is skipped with one warning line. An outlet pending
or running on any node that answers is not scheduled again. The project's egg goes to every node that answers
with --deploy, and to a node that lacks the project or a due outlet's spider without it. Each job's id is a new
crawl id (crawler.crawl.new_crawl_id), so the crawl, its files and the job share one name.

Exit status: 0 when every due outlet was placed (skipped nodes do not count), 1 when a due outlet could not be
placed on any node, no node answered, or the egg could not be built or deployed to a node that answers,
2 for bad input (outlets.toml, an option, an unknown deploy target).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from crawler.crawl import new_crawl_id
from crawler.outlets import outlets_for_command
from crawler.scheduling import Job, Placement, decide
from crawler.scrapyd_fleet import DeployError, ScrapydError, ScrapydNode, build_egg, fleet_nodes

__all__ = ["Command"]

logger = logging.getLogger("crawler.schedule")

DEFAULT_NODE = "http://127.0.0.1:6800/"


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise ValueError(f"{option}: expected NAME=VALUE, got {value!r}")
        pairs[name] = rest
    return pairs


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[OUTLET ...] [--url NODE ...] [--deploy] [--project NAME] [--window MINUTES] [--dry-run]"

    def short_desc(self) -> str:
        return "Place every outlet whose cron slot is due on the least-loaded scrapyd node (run it every minute)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", action="append", metavar="NODE",
                            help="a scrapyd node: its URL, or a scrapy.cfg deploy target (a glob: 'node-*'); "
                                 "repeat for several (default: SCHEDULE_NODES, else $SCRAPYD_URL, else "
                                 f"{DEFAULT_NODE}); credentials from the target, else $SCRAPYD_USERNAME and "
                                 "$SCRAPYD_PASSWORD")
        parser.add_argument("--deploy", action="store_true",
                            help="build the project's egg (scrapyd-deploy --build-egg) and deploy it to every node "
                                 "that answers; without it, only nodes lacking the project or a due spider get it")
        parser.add_argument("--egg", metavar="FILE", type=Path, help="deploy this egg instead of building one")
        parser.add_argument("--version", metavar="VERSION",
                            help="the deployed egg's version (default: the Unix time, as scrapyd-deploy's)")
        parser.add_argument("--project", help="the scrapyd project (default: the target's, else BOT_NAME)")
        parser.add_argument("--window", type=float, default=30.0, metavar="MINUTES",
                            help="a slot missed by up to this many minutes is still run (default: 30)")
        parser.add_argument("--dry-run", action="store_true", help="decide and log, deploy and schedule nothing")
        parser.add_argument("--arg", action="append", metavar="NAME=VALUE", help="a spider argument of every job")
        parser.add_argument("--setting", action="append", metavar="NAME=VALUE",
                            help="a Scrapy setting of every job (scrapyd's setting=)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)
        outlets = outlets_for_command(self.settings)
        entries = opts.url or self.settings.getlist("SCHEDULE_NODES") or re.split(
            r"[\s,]+", os.environ.get("SCRAPYD_URL", ""))
        entries = [entry for entry in entries if entry.strip()] or [DEFAULT_NODE]
        try:
            spider_args = _pairs(opts.arg, "--arg")
            job_settings = _pairs(opts.setting, "--setting")
            nodes = fleet_nodes(entries, opts.project, self.settings.get("BOT_NAME"))
        except ValueError as exc:
            logger.error("%s", exc)  # noqa: TRY400 - the message is the whole story
            self.exitcode = 2
            return
        unknown = sorted(set(args) - set(outlets))
        if unknown:
            logger.error("unknown outlet(s): %s (known: %s)", ", ".join(unknown), ", ".join(outlets))
            self.exitcode = 2
            return
        if opts.egg is not None and not opts.egg.is_file():
            logger.error("--egg %s: no such file", opts.egg)
            self.exitcode = 2
            return

        # Each node is asked once; one that fails any question is out of this run (one warning line).
        timeout = self.settings.getfloat("SCHEDULE_TIMEOUT")
        answering: dict[str, ScrapydNode] = {}
        loads: dict[str, int] = {}
        spiders: dict[str, set[str]] = {}
        jobs: list[Job] = []
        for node in nodes:
            client = ScrapydNode(node, timeout)
            try:
                load = client.load()
                deployed = client.has_project()
                node_spiders = client.spiders() if deployed else set()
                node_jobs = client.jobs() if deployed else []
            except ScrapydError as exc:
                logger.warning("node %s skipped: %s", node.name, exc)
                continue
            answering[node.name], loads[node.name], spiders[node.name] = client, load, node_spiders
            jobs += node_jobs
        if not answering:
            logger.error("no scrapyd node answers (%s): nothing scheduled", ", ".join(n.name for n in nodes))
            self.exitcode = 1
            return

        now = datetime.now(UTC)
        window = timedelta(minutes=opts.window)
        keys = args or list(outlets)
        decisions = {key: decide(key, outlets[key].schedule, jobs, now, window) for key in keys}
        due = [key for key in keys if decisions[key].due]

        stale = [name for name in answering if opts.deploy or any(key not in spiders[name] for key in due)]
        if stale:
            if opts.dry_run:
                logger.info("would deploy the egg to %s (dry run)", ", ".join(stale))
                for name in stale:
                    spiders[name] |= set(outlets)
            else:
                self._deploy([answering[name] for name in stale], opts, spiders)

        placement = Placement(loads, spiders)
        for key in keys:
            decision = decisions[key]
            if not decision.due:
                logger.info("%s: %s", key, decision.reason)
                continue
            self._place(key, decision.reason, placement=placement, answering=answering, opts=opts,
                        spider_args=spider_args, job_settings=job_settings)

    def _deploy(self, clients: list[ScrapydNode], opts: argparse.Namespace, spiders: dict[str, set[str]]) -> None:
        """The egg to each of `clients`; a node it could not reach keeps the spiders it had."""
        version = opts.version or str(int(time.time()))
        with tempfile.TemporaryDirectory(prefix="schedule-egg-") as tmp:
            try:
                egg = opts.egg or build_egg(Path(tmp))
            except (DeployError, OSError, TimeoutError) as exc:
                logger.error("cannot deploy to %s: %s", ", ".join(c.node.name for c in clients), exc)  # noqa: TRY400
                self.exitcode = 1
                return
            for client in clients:
                name = client.node.name
                try:
                    count = client.add_version(egg, version)
                    spiders[name] = client.spiders()
                    latest = client.versions()[-1:]
                except ScrapydError as exc:
                    logger.error("node %s: deploy failed: %s", name, exc)  # noqa: TRY400
                    self.exitcode = 1
                    continue
                logger.info("node %s: deployed version %s of project %s (%d spiders)", name, version,
                            client.project, count)
                if latest != [version]:
                    logger.warning("node %s: its jobs run version %s, which scrapyd sorts after %s: give versions "
                                   "that sort (docs/scale-out.md)", name, latest[0] if latest else "?", version)

    def _place(self, key: str, reason: str, *, placement: Placement, answering: dict[str, ScrapydNode],
               opts: argparse.Namespace, spider_args: dict[str, str], job_settings: dict[str, str]) -> None:
        """One due outlet to the least-loaded node that takes it; exit status 1 when none does."""
        while (name := placement.least_loaded(key)) is not None:
            load = placement.loads[name]
            if opts.dry_run:
                logger.info("%s: %s: would go to node %s (%d jobs there) (dry run)", key, reason, name, load)
                placement.placed(name)
                return
            try:
                job = answering[name].schedule(key, new_crawl_id(), spider_args, job_settings)
            except ScrapydError as exc:
                logger.warning("%s: node %s refused the job, takes no more in this run: %s", key, name, exc)
                placement.drop(name)
                continue
            logger.info("%s: %s: scheduled job %s on node %s (%d jobs there before)", key, reason, job, name, load)
            placement.placed(name)
            return
        logger.error("%s: %s, but no node that answers has its spider or took the job: nothing scheduled", key,
                     reason)
        self.exitcode = 1
