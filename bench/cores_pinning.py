"""What the crawl's threads cost when they may run on a second core: (a) and (c) of bench.run with the crawl
pinned to one core, then allowed on two, the replica pinned to the last core in both, so that only the crawl's own
placement changes.

    python -m bench.cores_pinning [--n 1000] [--rounds 2] [--runs a,c]

Prints pages/s and CPU seconds per 1,000 pages of each run. Plain Scrapy (a) is one thread and costs the same
either way; ours (c) hands records and items to writer threads, whose wake-ups on another core cost CPU (issue 15's
note). `make bench`'s "one core and two" table frees the replica on both cores for the two-core run; this one does
not, so its two runs differ in the crawl's placement alone.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

from bench.replica import ReplicaProcess
from bench.run import OUT, RUNS, cores_text, run_one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles in the replica (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every run (default 2)")
    parser.add_argument("--runs", default="c,a", help="bench.run's runs to measure (default c,a)")
    opts = parser.parse_args(argv)
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        parser.error(f"this process may use {len(usable)} core(s); two are needed")
    first, last = usable[0], usable[-1]
    placements = ((first,), (first, last))
    with ReplicaProcess(opts.n, OUT) as replica:
        replica.pin({last})
        for round_number in range(opts.rounds):
            for key in opts.runs.split(","):
                for cores in placements:
                    spec = replace(RUNS[key], cores=cores)
                    result = run_one(spec, opts.n, replica.base_url,
                                     f"pinning-{key}-{cores_text(cores)}-{round_number}")
                    print(f"({key}) crawl on cores {cores_text(cores)}, replica on core {last}: "
                          f"{result.pages_per_s:.0f} pages/s, {result.cpu_per_1k:.2f} CPU s/1k pages", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
