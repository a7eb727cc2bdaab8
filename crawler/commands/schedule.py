"""`scrapy schedule`: start a scrapyd job for every outlet whose cron slot is due; run it every minute.

A one-shot command, run each minute by a systemd timer (deploy/outlet-archive-schedule.timer) or cron
(deploy/crontab), rather than a long-running scheduler: it keeps no state of its own (scrapyd's job history
says what ran), so there is nothing to supervise, restart or resynchronise, and a tick missed while the
host was down is caught up by the next one within --window. Every decision is logged, one line an outlet.

Exit status: 0 when every due outlet was scheduled, 1 when scrapyd could not be asked or refused a job,
2 when outlets.toml is broken.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.utils.log import configure_logging

from crawler.outlets import outlets_for_command
from crawler.scheduling import ScrapydClient, ScrapydError, decide

__all__ = ["Command"]

logger = logging.getLogger("crawler.schedule")


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
        return "[OUTLET ...] [--url URL] [--project NAME] [--window MINUTES] [--dry-run]"

    def short_desc(self) -> str:
        return "Schedule on scrapyd every outlet whose cron slot is due (run it every minute)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", default=os.environ.get("SCRAPYD_URL", "http://127.0.0.1:6800/"),
                            help="scrapyd's address (default: $SCRAPYD_URL or http://127.0.0.1:6800/); "
                                 "credentials come from $SCRAPYD_USERNAME and $SCRAPYD_PASSWORD")
        parser.add_argument("--project", help="the scrapyd project (default: BOT_NAME)")
        parser.add_argument("--window", type=float, default=30.0, metavar="MINUTES",
                            help="a slot missed by up to this many minutes is still run (default: 30)")
        parser.add_argument("--dry-run", action="store_true", help="decide and log, schedule nothing")
        parser.add_argument("--arg", action="append", metavar="NAME=VALUE", help="a spider argument of every job")
        parser.add_argument("--setting", action="append", metavar="NAME=VALUE",
                            help="a Scrapy setting of every job (scrapyd's setting=)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)
        outlets = outlets_for_command(self.settings)
        try:
            spider_args = _pairs(opts.arg, "--arg")
            job_settings = _pairs(opts.setting, "--setting")
        except ValueError as exc:
            logger.error("%s", exc)  # noqa: TRY400 - the message is the whole story
            self.exitcode = 2
            return
        unknown = sorted(set(args) - set(outlets))
        if unknown:
            logger.error("unknown outlet(s): %s (known: %s)", ", ".join(unknown), ", ".join(outlets))
            self.exitcode = 2
            return
        client = ScrapydClient(opts.url, opts.project or self.settings.get("BOT_NAME"),
                               os.environ.get("SCRAPYD_USERNAME", ""), os.environ.get("SCRAPYD_PASSWORD", ""))
        try:
            deployed = set(client.spiders())
            jobs = client.jobs()
        except ScrapydError as exc:
            logger.error("cannot ask scrapyd: %s", exc)  # noqa: TRY400
            self.exitcode = 1
            return
        now = datetime.now(UTC)
        window = timedelta(minutes=opts.window)
        for key in args or list(outlets):
            decision = decide(key, outlets[key].schedule, jobs, now, window)
            if decision.due and key not in deployed:
                logger.warning("%s: due but not deployed on scrapyd project %s: run scrapyd-deploy", key,
                               client.project)
                self.exitcode = 1
                continue
            if not decision.due or opts.dry_run:
                logger.info("%s: %s%s", key, decision.reason, " (dry run)" if decision.due else "")
                continue
            try:
                job = client.schedule(key, spider_args, job_settings)
            except ScrapydError as exc:
                logger.error("%s: %s, but scheduling failed: %s", key, decision.reason, exc)  # noqa: TRY400
                self.exitcode = 1
                continue
            logger.info("%s: %s: scheduled job %s", key, decision.reason, job)
