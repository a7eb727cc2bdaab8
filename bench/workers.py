"""Pages per second of one outlet crawled by 1 and by 2 workers of a shared crawl, politeness not the limit.

A generated Global Research replica (bench/replica.py, its own process) and a redis-server (Debian's, no
persistence) on free 127.0.0.1 ports; then, one after another, a crawl of the whole replica by one process as
today (no REDIS_URL), and shared crawls (REDIS_URL, CRAWL_ID) by 1 and 2 workers started together. No delay, no
AutoThrottle and a per-host concurrency far above what the workers reach, so the crawler, not politeness, is
the limit. Pages are the manifest's (every response, requisites included); the time is from the start of the
first worker to the exit of the last, less the shared crawl's grace period (nothing is fetched during it).

    .venv/bin/python -m bench.workers --n 2000

The machine's cores are shared by the workers (and by anything else running on it): two workers can go at most
as fast as the cores left to them allow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis

from bench.replica import ReplicaProcess
from bench.s3_upload import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out" / "workers"
GRACE = 2.0
CONCURRENCY = 32



def _settings(archive: Path, log: Path, extra: dict[str, str]) -> dict[str, str]:
    return {"ARCHIVE_URI": str(archive), "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0",
            "CONCURRENT_REQUESTS": str(CONCURRENCY), "CONCURRENT_REQUESTS_PER_DOMAIN": str(CONCURRENCY),
            "PROGRESS_INTERVAL": "0", "LOG_LEVEL": "INFO", "LOG_FILE": str(log), **extra}


def _command(base_url: str, settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "globalresearch", "-a", f"base_url={base_url}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run(base_url: str, workers: int, redis_url: str | None, tag: str, extra: dict[str, str]) -> dict[str, float]:
    work = OUT / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    archive = work / "archive"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    cmds = []
    for n in range(workers):
        settings = _settings(archive, work / f"worker{n}.log", extra)
        if redis_url is not None:
            settings |= {"REDIS_URL": redis_url, "CRAWL_ID": tag, "SHARED_CRAWL_GRACE": str(GRACE)}
        cmds.append(_command(base_url, settings))
    shown = " ".join(cmds[0]).replace(sys.executable, "python").replace(str(REPO_ROOT) + "/", "")
    print(f"  {tag}: {workers} x {shown}", flush=True)
    started = time.monotonic()
    procs = [subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for cmd in cmds]
    codes = [proc.wait() for proc in procs]
    wall = time.monotonic() - started
    if any(codes):
        raise SystemExit(f"{tag}: a worker exited {codes}; see {work}")
    manifests = list(archive.glob("crawls/**/*.json"))
    if len(manifests) != 1:
        raise SystemExit(f"{tag}: {len(manifests)} manifests, not one; see {work}")
    counts = json.loads(manifests[0].read_text(encoding="utf-8"))["counts"]
    busy = wall - (GRACE if redis_url is not None else 0.0)
    return {"workers": workers, "pages": counts["pages"], "articles": counts["articles"], "wall_s": wall,
            "pages_per_s": counts["pages"] / busy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="articles in the replica (default 2000)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every crawl (e.g. EXTRACT_PROCESSES=0: one core per worker)")
    opts = parser.parse_args()
    extra = dict(item.split("=", 1) for item in opts.set)
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(redis_url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        print(f"replica of {opts.n} articles; {os.cpu_count()} cores on this machine (shared with whatever else "
              f"runs; load average {os.getloadavg()[0]:.1f}); per-host concurrency {CONCURRENCY}, no delay; "
              f"settings {extra or 'as the project has them'}", flush=True)
        with ReplicaProcess(opts.n, OUT) as replica:
            results = [
                ("one process, no Redis", run(replica.base_url, 1, None, "alone", extra)),
                ("shared crawl, 1 worker", run(replica.base_url, 1, redis_url, "shared-1", extra)),
                ("shared crawl, 2 workers", run(replica.base_url, 2, redis_url, "shared-2", extra)),
            ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"\n{'run':<26}{'pages':>8}{'articles':>10}{'wall s':>9}{'pages/s':>9}")
    for name, r in results:
        print(f"{name:<26}{r['pages']:>8.0f}{r['articles']:>10.0f}{r['wall_s']:>9.1f}{r['pages_per_s']:>9.1f}")
    (OUT / "results.json").write_text(json.dumps(dict(results), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
