"""Paired rounds of (c0) from two trees against one parse floor (f): what a change to the crawl buys, per page.

    python -m bench.floor_ab --base /tmp/floor15-base [--n 1000] [--rounds 6] [--profile OUT.speedscope.json]

`--base` is a copy of the project's tree without the change (e.g. `git archive COMMIT | tar -x -C
/tmp/floor15-base`, or a copy of the working tree taken before editing: a folder of its own, /tmp is shared); it
runs with this venv. One replica serves every run; each round runs (f), (c0) of the base tree and (c0) of this tree,
in an order that alternates from round to round, so that a machine whose load drifts charges both trees alike.
Printed: each round's CPU s / 1,000 pages and ratios to (f), then the medians. `--profile` instead runs (c0) (or
`--profile-run f`) of this tree once under py-spy and prints its top functions and areas (bench/run.py's tables).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench import run as bench_run


def _c0(tree: Path, n: int, base_url: str, tag: str) -> bench_run.Result:
    saved = bench_run.REPO_ROOT
    bench_run.REPO_ROOT = tree  # run_one's working folder: the tree whose crawler, pipelines and settings run
    try:
        return bench_run.run_one(bench_run.RUNS["c0"], n, base_url, tag)
    finally:
        bench_run.REPO_ROOT = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="the tree without the change")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--profile", type=Path, help="py-spy profile of this tree's (c0) to this file instead")
    parser.add_argument("--profile-run", choices=("c0", "f"), default="c0", help="the run --profile profiles")
    opts = parser.parse_args(argv)
    here = bench_run.REPO_ROOT
    bench_run.OUT.mkdir(parents=True, exist_ok=True)
    with bench_run.ReplicaProcess(opts.n, bench_run.OUT) as replica:
        if opts.profile is not None:
            bench_run.run_one(bench_run.RUNS[opts.profile_run], opts.n, replica.base_url,
                              f"{opts.profile_run}-ab-profile", profile=opts.profile.resolve())
            for name, own, total in bench_run.profile_top(opts.profile, 40):
                print(f"{own:5.1f}% {total:5.1f}%  {name}")
            for area, share in bench_run.profile_by_area(opts.profile):
                print(f"{share:5.1f}%  {area}")
            return 0
        if opts.base is None:
            parser.error("--base is needed for paired rounds")
        rows: list[tuple[float, float, float]] = []
        for round_no in range(opts.rounds):
            order = ["f", "base", "new"] if round_no % 2 == 0 else ["new", "base", "f"]
            got: dict[str, float] = {}
            for which in order:
                tag = f"ab-{which}-{round_no}"
                if which == "f":
                    result = bench_run.run_one(bench_run.RUNS["f"], opts.n, replica.base_url, tag)
                else:
                    result = _c0(opts.base.resolve() if which == "base" else here, opts.n, replica.base_url, tag)
                if result.items != (opts.n if which != "f" else 0) or result.errors:
                    raise SystemExit(f"round {round_no} ({which}): {result.items} items, {result.errors} errors")
                got[which] = result.cpu_per_1k
            rows.append((got["f"], got["base"], got["new"]))
            print(f"round {round_no}: f {got['f']:.2f}  c0 base {got['base']:.2f} ({got['base'] / got['f']:.2f}x)  "
                  f"c0 new {got['new']:.2f} ({got['new'] / got['f']:.2f}x)  new/base {got['new'] / got['base']:.3f}",
                  flush=True)
        f, base, new = (statistics.median(col) for col in zip(*rows, strict=True))
        print(f"median: f {f:.2f}  c0 base {base:.2f} ({base / f:.2f}x)  c0 new {new:.2f} ({new / f:.2f}x)  "
              f"new/base per round median {statistics.median(r[2] / r[1] for r in rows):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
