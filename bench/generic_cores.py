"""Pages/s of an outlet read by the generic extractor, on one core and on two: where the page readers pay.

    python -m bench.generic_cores [--n 400] [--repeat 2]

The Global Research extractor reads a page in ~2 ms, too little for worker processes to pay (bench/RESULTS.md,
"One core and two"); the generic extractor, which RT, Sputnik and Consortium News use, takes ~20 ms. This crawls
--n articles of bench's replica with the `rt` spider (`-a urls=`, so its own discovery is not needed; requisites
off, the same pages in every run) under `taskset -c 0` and `taskset -c 0,1`, EXTRACT_PROCESSES left unset (the
first pages decide), and prints pages/s and CPU per page (the crawler and its page readers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.replica import ReplicaProcess, article_meta

OUT = Path(__file__).resolve().parent / "out" / "generic_cores"


def crawl(base_url: str, n: int, cores: str, tag: str) -> tuple[float, float, str]:
    work = OUT / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "REQUISITES_ENABLED": False, "LOG_LEVEL": "INFO",
                "LOG_FILE": str(work / "crawl.log"), "ARCHIVE_URI": str(work / "archive"),
                "SCHEDULER_SPILL_DIR": str(work)}
    urls = ",".join(base_url + article_meta(i).path for i in range(n))
    out = work / "result.json"
    subprocess.run(["taskset", "-c", cores, sys.executable, "-m", "bench.child", "--kind", "project",
                    "--spider", "rt", "--out", str(out), "--settings", json.dumps(settings),
                    "--args", json.dumps({"base_url": base_url, "urls": urls})], check=True)
    data = json.loads(out.read_text())
    marks, stats = data["marks"], data["stats"]
    pages = int(stats["response_received_count"])
    wall = marks["end"]["wall"] - marks["start"]["wall"]
    cpu = marks["end"]["cpu"] - marks["start"]["cpu"]
    decision = next((line.split("] INFO: ", 1)[-1] for line in (work / "crawl.log").read_text().splitlines()
                     if "article pages take" in line), "no decision logged")
    return pages / wall, cpu / pages * 1000, decision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="articles crawled (default 400)")
    parser.add_argument("--repeat", type=int, default=2, help="runs on each core set (median; default 2)")
    opts = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = {}
    with ReplicaProcess(opts.n, OUT) as replica:
        for cores in ("0", "0,1"):
            runs = [crawl(replica.base_url, opts.n, cores, f"{cores}-{i}") for i in range(opts.repeat)]
            rows[cores] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2])
    print(f"rt spider (generic extractor), {opts.n} replica articles, requisites off; medians of {opts.repeat}")
    print(f"{'cores':6} {'pages/s':>8} {'x 1 core':>9} {'CPU ms/page':>12}  decision")
    for cores, (rate, cpu, decision) in rows.items():
        print(f"{cores:6} {rate:8.1f} {rate / rows['0'][0]:8.2f}x {cpu:12.2f}  {decision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
