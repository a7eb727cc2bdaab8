"""Where a crawl's memory goes: tracemalloc in (a) and (c), top allocation sites still alive mid-crawl.

    python -m bench.memtrace [--n 5000] [--at 4500]

An investigation, not a measurement: tracing makes the crawl several times slower (about 7 minutes for
N = 5000 on 2 cores). Prints, for plain Scrapy and for our full crawl, the Python heap traced since the
engine's start and its 20 largest live allocation sites at the `--at`-th response. Only the crawler process is
traced: our page readers are processes of their own (EXTRACT_PROCESSES); what they hold is in bench.run's
sampled RSS and PSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench.replica import ReplicaProcess
from bench.run import OUT, REPO_ROOT, common_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--at", type=int, default=4500, help="take the snapshot at this many responses")
    opts = parser.parse_args(argv)
    with ReplicaProcess(opts.n, OUT) as replica:
        for kind in ("plain", "project"):
            work = OUT / "runs" / f"memtrace-{kind}-{opts.n}"
            work.mkdir(parents=True, exist_ok=True)
            settings = common_settings(work / "crawl.log")
            if kind == "project":
                settings["ARCHIVE_URI"] = str(work / "archive")
            out = work / "result.json"
            subprocess.run([sys.executable, "-m", "bench.child", "--kind", kind, "--out", str(out),
                            "--settings", json.dumps(settings), "--args", json.dumps({"base_url": replica.base_url}),
                            "--tracemalloc-at", str(opts.at)], cwd=REPO_ROOT, check=True)
            marks = json.loads(out.read_text())["marks"]
            print(f"{kind}: {marks['tracemalloc_total_mb']:.1f} MB traced at response {opts.at} of N={opts.n}")
            for row in marks["tracemalloc"][:20]:
                print(f"  {row['size_mb']:6.2f} MB {row['count']:7d}  {row['where'][:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
