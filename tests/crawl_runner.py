"""Running real crawls from tests: `scrapy crawl` in a subprocess, as a user would.

One builder of the command line (`crawl_command`), one reader of items (`read_items`), and a Crawler with
the project's own settings for unit tests (`project_crawler`).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from settings import base

ROOT = Path(__file__).resolve().parents[1]
# Fast and quiet for tests: no politeness delay against our own replica.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "PROGRESS_INTERVAL": "0",
    "ARCHIVE_UPLOAD_BACKOFF": "0.05",
}


@dataclass
class Crawl:
    archive: Path
    returncode: int
    log: str

    def items(self) -> list[dict[str, Any]]:
        return read_items(self.archive)

    def manifests(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.archive.glob("crawls/**/*.json"))]

    def warcs(self) -> list[Path]:
        return sorted(self.archive.glob("warc/**/*.warc.gz"))


def glob_now(folder: Path, pattern: str) -> list[Path]:
    """The files a running crawl has at this moment: folders it prunes while we look count as empty."""
    try:
        return list(folder.glob(pattern))
    except FileNotFoundError:  # pathlib (3.11) fails when a folder goes between its listing and its scan
        return []


def read_items(archive: Path) -> list[dict[str, Any]]:
    """Every item of every batch stored under an archive folder, in key order."""
    found = []
    for path in sorted(archive.glob("items/**/*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            found += [json.loads(line) for line in handle]
    return found


def project_crawler(spidercls: type | None = None, **overrides: Any) -> Crawler:
    """A Crawler with the project's settings (settings.base), as `scrapy crawl` has them, plus overrides."""
    values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
    return get_crawler(spidercls, settings_dict={**values, **overrides})


def crawl_command(spider: str = "globalresearch", *args: str, base_url: str | None = None,
                  archive: Path | str | None = None, settings: dict[str, str] | None = None,
                  test_settings: bool = True) -> list[str]:
    """The `scrapy crawl` command line a user would type: spider, -a base_url, arguments, -s settings."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    if base_url:
        cmd += ["-a", f"base_url={base_url}"]
    cmd += list(args)
    values = {**(TEST_SETTINGS if test_settings else {}),
              **({"ARCHIVE_URI": str(archive)} if archive is not None else {}), **(settings or {})}
    for key, value in values.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def scrapy_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    env.update(extra or {})
    return env


def run_crawl(archive: Path, *args: str, spider: str = "globalresearch", base_url: str | None = None,
              settings: dict[str, str] | None = None, env: dict[str, str] | None = None,
              timeout: float = 240) -> Crawl:
    cmd = crawl_command(spider, *args, base_url=base_url, archive=archive, settings=settings)
    done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(env), capture_output=True, text=True, timeout=timeout,
                          check=False)
    return Crawl(archive, done.returncode, done.stdout + done.stderr)
