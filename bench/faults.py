"""The long fault-injection run: kills at random moments, full spool disks, a resetting network, two crawls
at once and bad input, against bench's replica of N articles. It prints counts, never asserts.

    .venv/bin/python -m bench.faults [--n 400] [--kills 8] [--quick]

Each scenario ends with the archive checked from outside: items archived twice, articles missing (every
article of the replica should have exactly one item), item pointers that do not reach their record, and the
exit status of every crawl. tests/test_faults.py is the short form, in `make test`. The full-disk scenario
mounts a tmpfs, which needs root.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from bench.replica import ReplicaProcess, article_meta  # noqa: E402
from tests.crawl_runner import crawl_command, read_items, scrapy_env  # noqa: E402
from tests.replica.server import ReplicaServer  # noqa: E402
from tests.reset_proxy import ResetProxy  # noqa: E402
from tests.test_faults import BAD_CRAWLS  # noqa: E402

FAST = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "AUTOTHROTTLE_ENABLED": "0", "PROGRESS_INTERVAL": "0", "ARCHIVE_UPLOAD_BACKOFF": "0.05"}


@dataclass
class Tally:
    runs: int = 0
    duplicated: int = 0
    missing: int = 0
    bad_pointers: int = 0
    exits: Counter[int] = field(default_factory=Counter)

    def line(self, name: str) -> str:
        exits = ", ".join(f"{code}×{n}" for code, n in sorted(self.exits.items()))
        return (f"{name:<22} runs {self.runs:>2}  items duplicated {self.duplicated}  articles missing "
                f"{self.missing}  bad pointers {self.bad_pointers}  exits {exits}")


def check(archive: Path, expected: set[str], tally: Tally) -> None:
    items = read_items(archive)
    paths = Counter(urlsplit(item["fetched_url"]).path for item in items)
    tally.duplicated += sum(n - 1 for n in paths.values() if n > 1)
    tally.missing += len(expected - set(paths))
    warcs = {p.name: p for p in archive.glob("warc/**/*.warc.gz")}
    for item in items:
        ref = item["warc"]
        try:
            with warcs[ref["filename"]].open("rb") as handle:
                handle.seek(ref["offset"])
                record = next(iter(ArchiveIterator(handle)))
                ok = record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]
                record.content_stream().read()
        except Exception:
            ok = False
        tally.bad_pointers += not ok
    tally.runs += 1


def crawl(archive: Path, base_url: str, **settings: str) -> int:
    cmd = crawl_command(base_url=base_url, archive=archive, settings={**FAST, **settings}, test_settings=False)
    return subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=900,
                          check=False).returncode


def archive_sync(archive: Path, spool: Path | None = None) -> int:
    cmd = [sys.executable, "-m", "scrapy", "archive-sync", "--no-progress", "-s", f"ARCHIVE_URI={archive}"]
    if spool is not None:
        cmd += ["--spool", str(spool)]
    return subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=600,
                          check=False).returncode


def kills(base_url: str, expected: set[str], work: Path, trials: int, rng: random.Random) -> Tally:
    tally = Tally()
    for trial in range(trials):
        archive = work / f"kill-{trial}"
        cmd = crawl_command(base_url=base_url, archive=archive, settings={**FAST, "ITEMS_MAX_COUNT": "50"},
                            test_settings=False)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 8.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        tally.exits[crawl(archive, base_url)] += 1
        check(archive, expected, tally)
    return tally


def full_disks(base_url: str, expected: set[str], work: Path, sizes: list[str]) -> Tally:
    tally = Tally()
    for size in sizes:
        archive = work / f"disk-{size}" / "archive"
        spool = work / f"disk-{size}" / "spool"
        spool.mkdir(parents=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(spool)], check=True)
        try:
            tally.exits[crawl(archive, base_url, ARCHIVE_SPOOL_DIR=str(spool))] += 1
            subprocess.run(["mount", "-o", "remount,size=2g", str(spool)], check=True)
            tally.exits[archive_sync(archive, spool)] += 1
            tally.exits[crawl(archive, base_url, ARCHIVE_SPOOL_DIR=str(spool))] += 1
            check(archive, expected, tally)
        finally:
            subprocess.run(["umount", "-l", str(spool)], check=False)
    return tally


def resets(work: Path, every: int, trials: int) -> Tally:
    """The test replica (its pages link to the outlet's own origin, so every fetch goes through the proxy;
    bench's replica links to itself and would bypass it)."""
    tally = Tally()
    cut = 0
    with ReplicaServer() as base_url:
        healthy = work / "resets-healthy"
        crawl(healthy, base_url)
        expected = {urlsplit(item["fetched_url"]).path for item in read_items(healthy)}
        for trial in range(trials):
            archive = work / f"resets-{trial}"
            with ResetProxy(base_url, cut_every=every) as proxy:
                tally.exits[crawl(archive, proxy.url)] += 1
                cut += sum(proxy.cuts.values())
            tally.exits[crawl(archive, base_url)] += 1  # the network healthy again
            check(archive, expected, tally)
    print(f"  (the proxy cut {cut} responses mid-body)")
    return tally


def two_at_once(base_url: str, expected: set[str], work: Path, trials: int) -> Tally:
    tally = Tally()
    for trial in range(trials):
        archive = work / f"twice-{trial}"
        cmd = crawl_command(base_url=base_url, archive=archive, settings=FAST, test_settings=False)
        procs = [subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(2)]
        for proc in procs:
            tally.exits[proc.wait(timeout=900)] += 1
        check(archive, expected, tally)
    return tally


def bad_input(work: Path) -> str:
    one_line = 0
    for args, _ in BAD_CRAWLS.values():
        cmd = [sys.executable, "-m", "scrapy", "crawl", "globalresearch", *args]
        if not any("ARCHIVE_URI" in a for a in args):
            cmd += ["-s", f"ARCHIVE_URI={work / 'bad'}"]
        done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=60,
                              check=False)
        out = done.stdout + done.stderr
        errors = [line for line in out.splitlines() if "error" in line.lower()]
        one_line += done.returncode != 0 and "Traceback" not in out and len(errors) == 1
    return f"{'bad input':<22} cases {len(BAD_CRAWLS)}  one line, non-zero exit, no traceback: {one_line}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="articles in the replica")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="fewer trials: 2 kills, one disk size")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    expected = {article_meta(i).path for i in range(args.n)}
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        work = Path(tmp)
        with ReplicaProcess(args.n, work) as replica:
            base = replica.base_url
            print(f"replica of {args.n} articles at {base}")
            print(kills(base, expected, work, 2 if args.quick else args.kills, rng).line("kill, then next crawl"))
            sizes = ["2m"] if args.quick else ["1m", "3m", "6m"]
            print(full_disks(base, expected, work, sizes).line("full spool disk"))
            print(two_at_once(base, expected, work, 1 if args.quick else 3).line("two crawls at once"))
        print(resets(work, 3, 1 if args.quick else 4).line("resets (1 in 3 cut)"))
        print(bad_input(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
