"""Running real crawls from tests: `scrapy crawl` in a subprocess, as a user would."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
        found = []
        for path in sorted(self.archive.glob("items/**/*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                found += [json.loads(line) for line in handle]
        return found

    def manifests(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.archive.glob("crawls/**/*.json"))]

    def warcs(self) -> list[Path]:
        return sorted(self.archive.glob("warc/**/*.warc.gz"))


def scrapy_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    env.update(extra or {})
    return env


def run_crawl(archive: Path, *args: str, spider: str = "globalresearch", base_url: str | None = None,
              settings: dict[str, str] | None = None, env: dict[str, str] | None = None,
              timeout: float = 240) -> Crawl:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    if base_url:
        cmd += ["-a", f"base_url={base_url}"]
    cmd += list(args)
    for key, value in {**TEST_SETTINGS, "ARCHIVE_URI": str(archive), **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(env), capture_output=True, text=True, timeout=timeout,
                          check=False)
    return Crawl(archive, done.returncode, done.stdout + done.stderr)
