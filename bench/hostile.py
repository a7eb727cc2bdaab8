"""The hostile battery (tests/replica/hostile.py), crawled by our crawler and by plain Scrapy in one run.

    python -m bench.hostile [--bomb-mib 900] [--oversize-mib 300] [--download-timeout 10] [--cap-gib 6]

Both crawls meet the same server: gzip, deflate and brotli bombs of --bomb-mib each, two pages of
--oversize-mib, a slow drip, redirect traps, broken bodies, hostile XML. Each runs in a child process; its
peak RSS is the kernel's (wait4's ru_maxrss, cross-checked with /proc VmHWM while it runs), its time the
wall clock around it. Plain Scrapy runs with Scrapy's default settings and a bare spider (this module's
PlainHostileSpider) that follows the same links as ours: feed items, sitemap entries and listing links whose
path looks like an article. Both get the same DOWNLOAD_TIMEOUT (Scrapy's 180 s, retried twice, would make
the slow drip alone take nine minutes); ours also WARC_MAX_FETCH_TIME at half of it. Plain Scrapy may blow
up: it runs under RLIMIT_AS of --cap-gib and a wall-clock limit, and what happened is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "hostile.json"
MIB = 1024 * 1024
ARTICLE_PATH = re.compile(r"^/[^/]+/\d{5}/?$")


class PlainHostileSpider(scrapy.Spider):
    """A bare spider: the hostile outlet's feeds, sitemaps and listing, every article-shaped link followed."""

    name = "plain_hostile"

    def __init__(self, *args: Any, base_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in ("/feed", "/feed-broken"):
            yield scrapy.Request(self.base_url + path, callback=self.parse_feed)
        yield scrapy.Request(self.base_url + "/sitemap.xml", callback=self.parse_sitemap)
        yield scrapy.Request(self.base_url + "/listing/", callback=self.parse_listing)

    def _follow(self, url: str) -> Iterator[scrapy.Request]:
        parts = url.split("://", 1)
        path = "/" + parts[1].split("/", 1)[1] if len(parts) == 2 and "/" in parts[1] else ""
        if url.startswith(self.base_url) and ARTICLE_PATH.match(path):
            yield scrapy.Request(url, callback=self.parse_article)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if isinstance(response, TextResponse):
            for link in response.xpath("//item/link/text()").getall():
                yield from self._follow(link.strip())

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = Sitemap(response.body)
        for entry in sitemap:
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(entry["loc"], callback=self.parse_sitemap)
            else:
                yield from self._follow(entry["loc"])

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a::attr(href)").getall():
            yield from self._follow(response.urljoin(href))

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        if isinstance(response, TextResponse):
            yield {"url": response.url, "title": response.css("title::text").get()}


def _vm_hwm(pid: int) -> int:
    try:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


def measure(cmd: list[str], *, cwd: Path, env: dict[str, str], log: Path, wall_limit: float,
            cap_bytes: int | None = None) -> dict[str, Any]:
    """Runs cmd, returning exit status, wall time, peak RSS and what ended it."""

    def limit() -> None:
        if cap_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    started = time.monotonic()
    with log.open("w") as handle:
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   preexec_fn=limit)  # noqa: PLW1509 - only setrlimit, before exec
    hwm, killed = 0, False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        hwm = max(hwm, _vm_hwm(process.pid))
        if time.monotonic() - started > wall_limit:
            process.kill()
            killed = True
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    if killed:
        ended = f"killed after the {wall_limit:.0f} s wall-clock limit"
    elif "MemoryError" in text:
        ended = "MemoryError (the RLIMIT_AS cap)"
    elif process.returncode < 0:
        ended = f"killed by signal {-process.returncode}"
    else:
        reason = re.search(r"'finish_reason': '([^']+)'", text)
        ended = f"finished ({reason.group(1) if reason else 'no finish_reason logged'})"
    return {"exit": process.returncode, "seconds": round(time.monotonic() - started, 1),
            # VmHWM is the child's own; ru_maxrss also counts the parent's RSS at fork (Linux), a fallback only.
            "peak_rss_mb": round((hwm or usage.ru_maxrss * 1024) / MIB), "ended": ended,
            "tracebacks": text.count("Traceback"), "log": str(log)}


def main(argv: list[str] | None = None) -> int:
    from tests.replica.hostile import HostileServer, HostileSite

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bomb-mib", type=int, default=900)
    parser.add_argument("--oversize-mib", type=int, default=300)
    parser.add_argument("--download-timeout", type=float, default=10.0)
    parser.add_argument("--cap-gib", type=float, default=6.0, help="RLIMIT_AS of the plain Scrapy run")
    parser.add_argument("--wall-limit", type=float, default=600.0, help="seconds, per run")
    args = parser.parse_args(argv)

    site = HostileSite(bomb_bytes=args.bomb_mib * MIB, oversize_bytes=args.oversize_mib * MIB,
                       drip_seconds=args.download_timeout * 4)
    print(f"building bombs of {args.bomb_mib} MiB ...", flush=True)
    site.prepare()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    timeout = str(args.download_timeout)
    results: dict[str, Any] = {"bomb_mib": args.bomb_mib, "oversize_mib": args.oversize_mib,
                               "download_timeout": args.download_timeout}
    with HostileServer(site) as server:
        ours = [sys.executable, "-m", "scrapy", "crawl", "hostile", "-a", f"base_url={server.url}",
                "-s", "OUTLETS_FILE=tests/fixtures/hostile/outlets.toml", "-s", f"ARCHIVE_URI={work / 'archive'}",
                "-s", f"DOWNLOAD_TIMEOUT={timeout}", "-s", f"WARC_MAX_FETCH_TIME={args.download_timeout / 2}"]
        print("ours ...", flush=True)
        results["ours"] = measure(ours, cwd=ROOT, env=env, log=work / "ours.log", wall_limit=args.wall_limit)
        # Outside the project (no scrapy.cfg above the working directory): Scrapy's default settings.
        plain = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve()),
                 "-a", f"base_url={server.url}", "-s", f"DOWNLOAD_TIMEOUT={timeout}",
                 "-s", "TELNETCONSOLE_ENABLED=False", "-o", str(work / "plain.jsonl")]
        print("plain Scrapy ...", flush=True)
        results["plain"] = measure(plain, cwd=work, env=env, log=work / "plain.log", wall_limit=args.wall_limit,
                                   cap_bytes=int(args.cap_gib * 1024 * MIB))
    print(f"\nhostile battery: bombs {args.bomb_mib} MiB, oversize pages {args.oversize_mib} MiB, "
          f"DOWNLOAD_TIMEOUT {timeout} s for both")
    print(f"{'run':<14}{'peak RSS':>10}{'wall':>9}  ended")
    for name in ("ours", "plain"):
        run = results[name]
        label = "ours" if name == "ours" else "plain Scrapy"
        print(f"{label:<14}{run['peak_rss_mb']:>7} MB{run['seconds']:>7.1f} s  {run['ended']}, "
              f"exit {run['exit']}, {run['tracebacks']} traceback(s)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1))
    print(f"\nlogs in {work}; results in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
