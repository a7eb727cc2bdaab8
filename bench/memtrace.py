"""Where a crawl's memory goes, in (a) plain Scrapy and (c) our full crawl: RSS over time, or the Python heap.

    python -m bench.memtrace [--n 20000] [--runs a,c] [--every 500] [--malloc-trim]   RSS over the crawl
                             [--set MEMORY_TRIM_INTERVAL=0]   a setting of the crawl changed (JSON values)
    python -m bench.memtrace --heap [--n 5000] [--at 4500]                   tracemalloc's top sites

Investigations, not measurements (bench.run measures). The RSS trace samples, every --every responses, the
crawler's RSS and high-water mark (VmHWM) beside the requests pending in the scheduler, in flight, and the
responses waiting in the scraper; it prints one line per sample where RSS or VmHWM moved, so a transient peak
(VmHWM set early, RSS back below it) tells itself apart from steady growth (RSS rising with the responses), and
Python's live blocks and the C heap's memory in use and free but held tell live objects from fragmentation
(--malloc-trim hands the C heap's free pages back at each sample: what is left is what the crawl holds).
--heap traces Python allocations from the engine's start and prints the 20 largest live allocation sites at the
`--at`-th response (tracing makes the crawl several times slower: about 7 minutes for N = 5000 on 2 cores).
Only the crawler process is traced: our page readers are processes of their own (EXTRACT_PROCESSES); what they
hold is in bench.run's sampled RSS and PSS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from typing import Any

from bench.replica import ReplicaProcess
from bench.run import OUT, REPO_ROOT, RUNS, common_settings

MB = 1024.0


def crawl(key: str, n: int, base_url: str, tag: str, extra: list[str],
          changed: dict[str, Any] | None = None) -> dict[str, Any]:
    """One crawl of run `key` (bench.run's RUNS) through bench.child, as bench.run starts it, with the settings
    `changed`; its marks."""
    spec = RUNS[key]
    work = OUT / "runs" / f"memtrace-{tag}-{key}-{n}"
    shutil.rmtree(work, ignore_errors=True)  # an archive left there would make this crawl an incremental one
    work.mkdir(parents=True)
    settings = common_settings(work / "crawl.log")
    settings.update(spec.settings)
    settings.update(changed or {})
    if spec.kind == "project":
        settings["ARCHIVE_URI"] = str(work / "archive")
        settings["SCHEDULER_SPILL_DIR"] = str(work)
    out = work / "result.json"
    subprocess.run([sys.executable, "-m", "bench.child", "--kind", spec.kind, "--out", str(out),
                    "--settings", json.dumps(settings), "--args", json.dumps({"base_url": base_url, **spec.args}),
                    *extra], cwd=REPO_ROOT, check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    print(f"({key}) N={n}: {data['stats'].get('response_received_count', 0)} responses, "
          f"{data['stats'].get('item_scraped_count', 0)} items; result in {out.relative_to(REPO_ROOT)}")
    trims = {k: v for k, v in data["stats"].items() if k.startswith("memory/")}
    if trims:  # crawler/extensions/memory.py: what its malloc_trim calls cost and gave back
        cpu = data["marks"]["end"]["cpu"] - data["marks"]["start"]["cpu"]
        print(f"  malloc_trim: {trims.get('memory/trims', 0)} calls, {trims.get('memory/trim_cpu_seconds', 0):.3f} "
              f"CPU s ({100 * trims.get('memory/trim_cpu_seconds', 0) / cpu:.3f}% of the crawl's {cpu:.0f} s), "
              f"{trims.get('memory/trim_released_kb', 0) / MB:.0f} MB handed back in all")
    marks: dict[str, Any] = data["marks"]
    return marks


def print_trace(marks: dict[str, Any], step_mb: float) -> None:
    """The samples where RSS moved by step_mb or VmHWM rose, and a summary."""
    rows = marks.get("rss_trace", [])
    if not rows:
        return
    print(f"  {'responses':>9} {'s':>6} {'RSS':>6} {'VmHWM':>6} {'sched':>6} {'inprog':>6} {'dl':>4} {'scrapeQ':>7} "
          f"{'scrapeMB':>8} {'items':>5} {'pyKblk':>6} {'mallocMB':>8} {'freeMB':>6}")
    shown_rss, shown_hwm = -1e9, -1e9
    for i, row in enumerate(rows):
        rss, hwm = row["rss_kb"] / MB, row["hwm_kb"] / MB
        if abs(rss - shown_rss) < step_mb and hwm - shown_hwm < step_mb and i != len(rows) - 1:
            continue
        shown_rss, shown_hwm = rss, hwm
        print(f"  {row['responses']:9.0f} {row['t']:6.1f} {rss:6.1f} {hwm:6.1f} {row.get('scheduled', 0):6.0f} "
              f"{row.get('in_progress', 0):6.0f} {row.get('downloading', 0):4.0f} {row.get('scraper_queue', 0):7.0f} "
              f"{row.get('scraper_active_kb', 0) / MB:8.1f} {row.get('items_in_pipelines', 0):5.0f} "
              f"{row.get('py_blocks', 0) / 1000:6.0f} {row.get('malloc_used_kb', 0) / MB:8.1f} "
              f"{row.get('malloc_free_kb', 0) / MB:6.1f}")
    first = next((r for r in rows if r["responses"] >= 1000), rows[0])
    last = rows[-1]
    peak = max(rows, key=lambda r: r["rss_kb"])
    print(f"  sampled RSS {first['rss_kb'] / MB:.0f} MB at {first['responses']:.0f} responses -> "
          f"{last['rss_kb'] / MB:.0f} MB at {last['responses']:.0f}; highest sample {peak['rss_kb'] / MB:.0f} MB at "
          f"{peak['responses']:.0f}; VmHWM {last['hwm_kb'] / MB:.0f} MB when the spider closed, "
          f"{marks['end']['maxrss_kb'] / MB:.0f} MB once the crawl ended (files closed, index sorted, manifest)")


def setting_arg(text: str) -> tuple[str, Any]:
    """NAME=VALUE: the value as JSON when it parses (0, 5.0, false, "x"), else as the text itself."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--set wants NAME=VALUE, not {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=None, help="articles in the replica (default 20000; 5000 --heap)")
    parser.add_argument("--runs", default="a,c", help="bench.run's runs to trace (default a,c)")
    parser.add_argument("--every", type=int, default=500, help="responses between RSS samples (default 500)")
    parser.add_argument("--step", type=float, default=2.0, help="MB of change that prints a sample (default 2)")
    parser.add_argument("--heap", action="store_true", help="tracemalloc's top allocation sites instead")
    parser.add_argument("--malloc-trim", action="store_true",
                        help="RSS trace with glibc's malloc_trim at each sample: the C heap's free pages handed back")
    parser.add_argument("--at", type=int, default=4500, help="--heap: the snapshot at this many responses")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the crawls, its value read as JSON when it parses (repeatable)")
    opts = parser.parse_args(argv)
    changed = dict(setting_arg(text) for text in opts.set)
    n = opts.n or (5000 if opts.heap else 20000)
    keys = [k.strip() for k in opts.runs.split(",") if k.strip()]
    with ReplicaProcess(n, OUT) as replica:
        for key in keys:
            if opts.heap:
                marks = crawl(key, n, replica.base_url, "heap", ["--tracemalloc-at", str(opts.at)], changed)
                print(f"({key}): {marks['tracemalloc_total_mb']:.1f} MB traced at response {opts.at} of N={n}")
                for row in marks["tracemalloc"][:20]:
                    print(f"  {row['size_mb']:6.2f} MB {row['count']:7d}  {row['where'][:200]}")
            else:
                trim = ["--malloc-trim"] if opts.malloc_trim else []
                marks = crawl(key, n, replica.base_url, "rss", ["--rss-trace", "--rss-every", str(opts.every), *trim],
                              changed)
                print_trace(marks, opts.step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
