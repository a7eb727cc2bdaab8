"""`make bench`: what archiving costs over a bare Scrapy crawl, on a generated Global Research replica.

    python -m bench.run [--n 1000] [--sizes 1000,20000] [--repeat 3] [--quick] [--profile auto|always|never]
                        [--no-experiments] [--no-write] [--render-only]

Runs, one after another on the same machine, against a replica served by another process:

    (a) plain Scrapy: follows feed, sitemaps and listing pages to every article, parses nothing
    (b) our crawl, WARC off and items off (extraction and normalisation still run)
    (w) our crawl, WARC on, items off: (w) against (b) is what capture alone costs
    (c) our full crawl: WARC, items, local store
    (d) the full crawl with ARCHIVE_URI=s3://… on moto's standalone server (another process)

each `--repeat` times at N = --n (medians are reported), interleaved with the what-if runs of
bench/experiments.py, then (a) and (c) once at every size of --sizes for memory growth, then the extractor
alone against trafilatura, then, when a target is missed, py-spy profiles of (b), (w) and (c).
Only the crawler process is measured: CPU seconds (user + system, every thread) and wall time from the
engine's start until the crawl has fully finished (files closed, spool drained, manifest written); peak RSS
from wait4() (the kernel's VmHWM).
The table goes to stdout and to bench/RESULTS.md, with bench/FINDINGS.md (hand-written) appended; logs, raw
results and profiles to bench/out/. The default takes ~9 minutes on 2 cores, --quick about one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.replica import ReplicaProcess, article_meta, render_article
from bench.s3 import MotoProcess

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out"
RESULTS = REPO_ROOT / "bench" / "RESULTS.md"
CONCURRENCY = 16

# Targets of issue 7 (and issue 3's capture cost).
CPU_RATIO_MAX = 1.5  # (c) against (a), CPU per page
CAPTURE_MAX = 0.10  # WARC on against WARC off, CPU per page
RSS_GROWTH_SLACK_MB = 10.0  # "flat": growth beyond the duplicate filter's fingerprints, at most this


@dataclass(frozen=True)
class RunSpec:
    key: str
    label: str
    kind: str = "project"
    settings: dict[str, Any] = field(default_factory=dict)
    s3: bool = False
    patch: str = ""  # what-if patches of bench.experiments


RUNS = {
    "a": RunSpec("a", "plain Scrapy, follows links, parses nothing", kind="plain"),
    "b": RunSpec("b", "ours, WARC off, items off (extraction on)", settings={"WARC_ENABLED": False,
                                                                            "ITEMS_ENABLED": False}),
    "w": RunSpec("w", "ours, WARC on, items off (capture alone)", settings={"ITEMS_ENABLED": False}),
    "c": RunSpec("c", "ours, full: WARC + items, local store"),
    "d": RunSpec("d", "ours, full, S3 store on moto", s3=True),
}
# What-if runs: the changes the profiles point at, applied in the measured process by bench/experiments.py.
EXPERIMENTS = {
    "w+sync": RunSpec("w+sync", "(w), WARC written on the reactor thread (no writer-thread hand-offs)",
                      settings={"ITEMS_ENABLED": False}, patch="sync-warc"),
    "c+all": RunSpec("c+all", "(c), WARC on the reactor thread and item batches at gzip level 1",
                     patch="sync-warc,items-level1"),
}


@dataclass
class Result:
    key: str
    n: int
    pages: int
    items: int
    wall: float
    cpu: float
    cpu_total: float
    rss_mb: float
    reason: str
    errors: int
    command: str

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    @property
    def cpu_per_1k(self) -> float:
        return self.cpu / self.pages * 1000 if self.pages else 0.0


def common_settings(log_file: Path) -> dict[str, Any]:
    """What every run shares: no delay, no throttle, robots.txt obeyed (the project's default), same concurrency."""
    return {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": CONCURRENCY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log_file),
    }


def s3_store_available() -> bool:
    try:
        import pipelines.storage.s3  # noqa: F401
    except ImportError:
        return False
    return True


def run_one(spec: RunSpec, n: int, base_url: str, tag: str, moto: MotoProcess | None = None,
            profile: Path | None = None) -> Result:
    work = OUT / "runs" / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = common_settings(work / "crawl.log")
    settings.update(spec.settings)
    args: dict[str, Any] = {"base_url": base_url}
    if spec.kind == "project":
        settings["ARCHIVE_URI"] = str(work / "archive")
        if spec.s3:
            assert moto is not None
            settings.update(moto.settings())
            settings["ARCHIVE_URI"] = f"s3://{moto.bucket}/{tag}"
            settings["ARCHIVE_SPOOL_DIR"] = str(work / "spool")
    out = work / "result.json"
    cmd = [sys.executable, "-m", "bench.child", "--kind", spec.kind, "--out", str(out),
           "--settings", json.dumps(settings), "--args", json.dumps(args), "--patch", spec.patch]
    if profile is not None:
        py_spy = Path(sys.executable).parent / "py-spy"
        cmd = [str(py_spy), "record", "--rate", "200", "--format", "speedscope", "-o", str(profile), "--", *cmd]
    shown = scrapy_command(spec, settings, args)
    started = time.monotonic()
    with open(work / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        tail = (work / "stderr.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"run ({spec.key}) at N={n} failed with {proc.returncode}:\n{tail}")
    data = json.loads(out.read_text())
    marks, stats = data["marks"], data["stats"]
    rss_kb = usage.ru_maxrss
    if profile is not None:  # wait4 saw py-spy, not the crawler: take the crawler's own VmHWM
        rss_kb = int(marks["end"]["maxrss_kb"])
    result = Result(
        key=spec.key, n=n,
        pages=int(stats.get("response_received_count", 0)),
        items=int(stats.get("item_scraped_count", 0)),
        wall=marks["end"]["wall"] - marks["start"]["wall"],
        cpu=marks["end"]["cpu"] - marks["start"]["cpu"],
        cpu_total=usage.ru_utime + usage.ru_stime if profile is None else marks["end"]["cpu"],
        rss_mb=rss_kb / 1024,
        reason=str(marks.get("reason", "?")),
        errors=int(stats.get("log_count/ERROR", 0)),
        command=shown,
    )
    (work / "summary.json").write_text(json.dumps({**result.__dict__, "elapsed": time.monotonic() - started},
                                                  indent=1))
    expected = n + 3 + min(5, -(-n // 20)) + -(-n // 1000)  # articles, robots, feed, index, sitemaps, listings
    note = "" if result.pages == expected else f"  (expected {expected} pages!)"
    if spec.kind == "project" and result.items != n:
        note += f"  (expected {n} items!)"
    print(f"  ({spec.key}) N={n}: {result.pages} pages, {result.items} items, {result.pages_per_s:.0f} pages/s, "
          f"{result.cpu_per_1k:.2f} CPU s/1k pages, peak RSS {result.rss_mb:.0f} MB, {result.reason}, "
          f"{result.errors} errors{note}", flush=True)
    return result


def scrapy_command(spec: RunSpec, settings: dict[str, Any], args: dict[str, Any]) -> str:
    """The `scrapy crawl` command line a run is equivalent to (credentials of moto shown as <moto key>)."""
    if spec.kind == "plain":
        head = ["scrapy", "runspider", "bench/plain_spider.py"]
    else:
        head = ["scrapy", "crawl", "globalresearch"]
    parts = [*head, *(f"-a {k}={re.sub(r':[0-9]+$', ':PORT', str(v))}" for k, v in args.items())]
    for key, value in settings.items():
        if key in ("LOG_FILE",):
            continue
        shown = value
        if key.startswith("AWS_") and ("KEY" in key):
            shown = "<moto key>"
        elif key == "AWS_ENDPOINT_URL":
            shown = "http://127.0.0.1:MOTO_PORT"
        elif isinstance(value, bool):
            shown = int(value)
        elif isinstance(value, str) and value.startswith(str(REPO_ROOT) + "/"):
            shown = value.removeprefix(str(REPO_ROOT) + "/")
        parts.append(f"-s {key}={shown}")
    return " ".join(parts)


def median_result(results: list[Result]) -> Result:
    first = results[0]
    return Result(
        key=first.key, n=first.n, pages=first.pages, items=first.items,
        wall=statistics.median(r.wall for r in results),
        cpu=statistics.median(r.cpu for r in results),
        cpu_total=statistics.median(r.cpu_total for r in results),
        rss_mb=statistics.median(r.rss_mb for r in results),
        reason=",".join(sorted({r.reason for r in results})),
        errors=max(r.errors for r in results),
        command=first.command,
    )


# --- Extraction alone ----------------------------------------------------------------------------------


def extraction_bench(count: int) -> dict[str, Any]:
    from crawler.extractors.globalresearch import extract

    pages = [(article_meta(i).url, render_article(i, count)) for i in range(count)]
    out: dict[str, Any] = {"pages": count, "avg_kb": sum(len(h.encode()) for _, h in pages) / count / 1024}

    def timed(fn: Callable[[str, str], Any]) -> float:
        for url, page in pages[:5]:
            fn(page, url)
        started = time.process_time()
        for url, page in pages:
            fn(page, url)
        return count / (time.process_time() - started)

    out["ours"] = timed(extract)
    try:
        import trafilatura
    except ImportError:
        out["trafilatura"] = None
        out["trafilatura_version"] = "not installed"
        return out
    out["trafilatura_version"] = trafilatura.__version__
    out["trafilatura"] = timed(lambda page, url: trafilatura.extract(page, url=url, with_metadata=True))
    return out


# --- Fingerprints: what the duplicate filter and the spider's seen set must hold -------------------------


def fingerprint_mb(n: int) -> float:
    """Memory of n request fingerprints in RFPDupeFilter (40-char hex str in a set) plus n paths in the
    spider's set of scheduled articles: what any crawl of n articles must keep until its end."""
    import hashlib
    import tracemalloc

    made = [article_meta(i).path for i in range(n)]  # outside the trace: the replica's own cache
    tracemalloc.start()
    fingerprints = {hashlib.sha1(str(i).encode()).hexdigest() for i in range(n)}
    paths = {(path + "/")[:-1] for path in made}
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del fingerprints, paths
    return size / 1024 / 1024


# --- Profile summary ------------------------------------------------------------------------------------


# Leaf frames of a thread that waits (py-spy's idle detection misses some of them): not CPU, left out.
IDLE_LEAVES = {("_worker", "concurrent/futures/thread.py"), ("wait", "threading.py"),
               ("select", "selectors.py"), ("get", "queue.py")}
STARTUP_MARKER = "<frozen importlib"  # module imports: start-up, not crawling


def _busy_samples(data: dict[str, Any]) -> list[tuple[list[int], float]]:
    """Stacks that were running: neither waiting nor importing modules at start-up."""
    frames = data["shared"]["frames"]
    out = []
    for prof in data["profiles"]:
        for stack, weight in zip(prof["samples"], prof["weights"], strict=True):
            if not stack:
                continue
            leaf = frames[stack[-1]]
            leaf_fn = str(leaf["name"]).rsplit(".", 1)[-1]
            if any(leaf_fn == fn and str(leaf.get("file", "")).endswith(f) for fn, f in IDLE_LEAVES):
                continue
            if any(STARTUP_MARKER in str(frames[i].get("file", "")) for i in stack):
                continue
            out.append((stack, weight))
    return out


def profile_top(path: Path, limit: int = 25) -> list[tuple[str, float, float]]:
    """(function, self %, total %) from a py-spy speedscope file, all threads together, busy samples only."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    self_count: dict[int, float] = {}
    total_count: dict[int, float] = {}
    samples = 0.0
    for stack, weight in _busy_samples(data):
        samples += weight
        self_count[stack[-1]] = self_count.get(stack[-1], 0) + weight
        for index in set(stack):
            total_count[index] = total_count.get(index, 0) + weight

    def name(index: int) -> str:
        frame = frames[index]
        where = str(frame.get("file", ""))
        for marker in ("site-packages/", "/lib/python3.11/", str(REPO_ROOT) + "/"):
            if marker in where:
                where = where.split(marker, 1)[1]
        return f"{frame['name']} ({where}:{frame.get('line')})"

    rows = sorted(self_count, key=lambda i: -self_count[i])[:limit]
    return [(name(i), 100 * self_count[i] / samples, 100 * total_count[i] / samples) for i in rows]


def profile_by_area(path: Path) -> list[tuple[str, float]]:
    """Share of busy samples by area of code: the first area of the list that appears in a sample's stack."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    areas = (
        ("extractor (crawler/extractors)", "crawler/extractors/"),
        ("WARC capture + writer (warcio)", ("crawler/warc_capture", "pipelines/warc_", "warcio/")),
        ("CDXJ index", "pipelines/cdxj"),
        ("item pipelines (normalize, validate)", ("pipelines/normalize", "pipelines/validate")),
        ("item writer (json + gzip)", "pipelines/item_writer"),
        ("store / publisher / S3 (boto3)", ("pipelines/store", "pipelines/publisher", "pipelines/s3_store",
                                           "boto3/", "botocore/", "s3transfer/")),
        ("discovery (spider: sitemap, feed, listing)", "crawler/spiders/"),
        ("gzip/zlib (decompression in Scrapy)", "scrapy/utils/_compression"),
        ("lxml / parsel", ("lxml/", "parsel/")),
        ("Scrapy engine, downloader, middlewares", "scrapy/"),
        ("Twisted / asyncio reactor", ("twisted/", "asyncio/")),
    )
    counts: dict[str, float] = {}
    samples = 0.0
    for stack, weight in _busy_samples(data):
        samples += weight
        label = "other"
        # The first area of the list found anywhere in the stack: ours before the libraries they call.
        for area, markers in areas:
            marks = markers if isinstance(markers, tuple) else (markers,)
            if any(any(m in str(frames[i].get("file", "")) for m in marks) for i in stack):
                label = area
                break
        counts[label] = counts.get(label, 0) + weight
    return sorted(((k, 100 * v / samples) for k, v in counts.items()), key=lambda kv: -kv[1])


# --- Report --------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    import scrapy

    return {"cpu": model, "cores": str(os.cpu_count()), "ram": mem_gb,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "scrapy": scrapy.__version__}


def pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def render(ctx: dict[str, Any]) -> str:
    m = ctx["machine"]
    res: dict[str, Result] = ctx["results"]
    a = res["a"]
    lines = [
        "# Benchmarks: archiving against plain Scrapy",
        "",
        f"Generated by `{ctx['command']}` (`make bench`) on {ctx['date']}, in {ctx['elapsed']:.0f} s.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; {m['os']}; Python {m['python']}, "
        f"Scrapy {m['scrapy']}.",
        "",
        f"Replica: {ctx['n']} generated Global Research articles in the 2018 markup, "
        f"~{ctx['extraction']['avg_kb']:.0f} KB of HTML each, served gzip by `bench/replica.py` in its own "
        f"process. Every run: CONCURRENT_REQUESTS = CONCURRENT_REQUESTS_PER_DOMAIN = {CONCURRENCY}, "
        "DOWNLOAD_DELAY = 0, AUTOTHROTTLE off, ROBOTSTXT_OBEY on; the same pages (robots.txt, feed, sitemap "
        f"index and sitemaps, 5 listing pages, the articles). Figures are medians of {ctx['repeat']} runs; CPU "
        "and wall time are the crawler process's, from the engine's start until the crawl has fully finished "
        "(files closed, spool drained, manifest written); peak RSS is the process's high-water mark (VmHWM).",
        "",
        "| run | what | pages | items | pages/s | × (a) | CPU s / 1,000 pages | × (a) | peak RSS MB | × (a) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in ("a", "b", "w", "c", "d"):
        spec = RUNS[key]
        r = res.get(key)
        if r is None:
            lines.append(f"| ({key}) | {spec.label} | skipped: {ctx['skipped'].get(key, '?')} | | | | | | | |")
            continue
        lines.append(
            f"| ({key}) | {spec.label} | {r.pages} | {r.items} | {r.pages_per_s:.0f} | "
            f"{r.pages_per_s / a.pages_per_s:.2f} | {r.cpu_per_1k:.2f} | {r.cpu_per_1k / a.cpu_per_1k:.2f} | "
            f"{r.rss_mb:.0f} | {r.rss_mb / a.rss_mb:.2f} |")
    b, w, c = res["b"], res["w"], res["c"]
    capture = w.cpu_per_1k / b.cpu_per_1k - 1
    full = c.cpu_per_1k / b.cpu_per_1k - 1
    lines += [
        "",
        "## Capture cost (issue 3): WARC on against WARC off",
        "",
        "| comparison | CPU s / 1,000 pages | CPU per page | pages/s |",
        "| --- | ---: | ---: | ---: |",
        f"| (w) WARC on, items off, against (b) WARC off | {w.cpu_per_1k:.2f} vs {b.cpu_per_1k:.2f} | "
        f"{pct(capture)} | {w.pages_per_s:.0f} vs {b.pages_per_s:.0f} ({pct(w.pages_per_s / b.pages_per_s - 1)}) |",
        f"| (c) WARC + items, against (b) | {c.cpu_per_1k:.2f} vs {b.cpu_per_1k:.2f} | {pct(full)} | "
        f"{c.pages_per_s:.0f} vs {b.pages_per_s:.0f} ({pct(c.pages_per_s / b.pages_per_s - 1)}) |",
        "",
    ]
    exp = [k for k in EXPERIMENTS if k in res]
    if exp:
        lines += ["## What-if: the fixes the profiles point at, measured (bench/experiments.py)", "",
                  "Each row is a run with a patch applied inside the measured process only; no project code is "
                  "changed. Capture cost is against (b).", "",
                  "| run | change | CPU s / 1,000 pages | against (b) | × (a) | pages/s |",
                  "| --- | --- | ---: | ---: | ---: | ---: |",
                  f"| (w) | as shipped | {w.cpu_per_1k:.2f} | {pct(w.cpu_per_1k / b.cpu_per_1k - 1)} | "
                  f"{w.cpu_per_1k / a.cpu_per_1k:.2f} | {w.pages_per_s:.0f} |"]
        for key in exp:
            r = res[key]
            if key == "c+all":
                lines.append(f"| (c) | as shipped | {c.cpu_per_1k:.2f} | {pct(c.cpu_per_1k / b.cpu_per_1k - 1)} | "
                             f"{c.cpu_per_1k / a.cpu_per_1k:.2f} | {c.pages_per_s:.0f} |")
            lines.append(f"| ({key}) | {EXPERIMENTS[key].label} | {r.cpu_per_1k:.2f} | "
                         f"{pct(r.cpu_per_1k / b.cpu_per_1k - 1)} | {r.cpu_per_1k / a.cpu_per_1k:.2f} | "
                         f"{r.pages_per_s:.0f} |")
        lines.append("")
    mem = ctx["memory"]
    lines += ["## Memory growth: peak RSS against N", "",
              "| run | " + " | ".join(f"N = {n:,}" for n in mem["sizes"]) + " | growth | of which fingerprints + "
              "seen paths (computed) | growth beyond them |",
              "| --- | " + " | ".join("---:" for _ in mem["sizes"]) + " | ---: | ---: | ---: |"]
    for key in ("a", "c"):
        row = mem["rss"].get(key, {})
        values = [row.get(str(n)) for n in mem["sizes"]]
        if None in values or not values:
            continue
        growth = values[-1] - values[0]
        lines.append(f"| ({key}) | " + " | ".join(f"{v:.0f} MB" for v in values)
                     + f" | {growth:+.0f} MB | {mem['fingerprints_mb']:.1f} MB | "
                     f"{growth - mem['fingerprints_mb']:+.0f} MB |")
    ext = ctx["extraction"]
    lines += ["", "## Extraction alone", "",
              f"{ext['pages']} generated pages (~{ext['avg_kb']:.0f} KB), one process, CPU time.", "",
              "| extractor | articles/s | × trafilatura |", "| --- | ---: | ---: |"]
    traf = ext.get("trafilatura")
    lines.append(f"| crawler.extractors.globalresearch.extract | {ext['ours']:.0f} | "
                 f"{ext['ours'] / traf:.2f} |" if traf else
                 f"| crawler.extractors.globalresearch.extract | {ext['ours']:.0f} | n/a |")
    if traf:
        lines.append(f"| trafilatura.extract(with_metadata=True) {ext['trafilatura_version']} | {traf:.0f} | 1.00 |")
    lines += ["", "## Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    for name, measured, ok in ctx["targets"]:
        lines.append(f"| {name} | {measured} | {verdict(ok)} |")
    profiles = ctx.get("profiles") or []
    if profiles:
        keys = [p["run"] for p in profiles]
        lines += ["", f"## Profiles (py-spy, {profiles[0]['rate']} Hz, all threads, N = {profiles[0]['n']})", "",
                  "Flame graph data: " + ", ".join(f"`{p['file']}`" for p in profiles)
                  + " (open in https://www.speedscope.app).", "",
                  ("Busy samples (waiting threads and start-up imports left out) by area, as CPU seconds per 1,000 "
                   "pages: each run's share of samples times its measured CPU s / 1,000 pages above. A sample "
                   "counts for the first area of this list found in its stack."), "",
                  "| area | " + " | ".join(f"({k})" for k in keys) + " |",
                  "| --- | " + " | ".join("---:" for _ in keys) + " |"]
        names: list[str] = []
        for prof in profiles:
            names += [a for a, _ in prof["areas"] if a not in names]
        for area in names:
            cells = []
            for prof in profiles:
                share = dict(prof["areas"]).get(area, 0.0)
                cells.append(f"{share / 100 * res[prof['run']].cpu_per_1k:.2f} ({share:.0f}%)")
            lines.append(f"| {area} | " + " | ".join(cells) + " |")
        for prof in profiles:
            if not prof["top"]:
                continue
            lines += ["", f"Top functions of ({prof['run']}) by own time:", "", "| function | self | total |",
                      "| --- | ---: | ---: |"]
            lines += [f"| `{fn}` | {s_:.1f}% | {t:.1f}% |" for fn, s_, t in prof["top"]]
    if ctx.get("notes"):
        lines += ["", "## Findings", "", *ctx["notes"]]
    lines += ["", "## Commands", "", "Each run is the equivalent of (bench/child.py runs it in-process with the "
              "project's settings, as `scrapy crawl` does, to time the crawl from the engine's start):", ""]
    for key in ("a", "b", "w", "c", "d"):
        r = res.get(key)
        if r is not None:
            lines += [f"- ({key}) `{r.command}`"]
    lines.append("")
    return "\n".join(lines)


def sizes_arg(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="articles for the side-by-side runs (default 1000)")
    parser.add_argument("--sizes", type=sizes_arg, default=[1000, 20000],
                        help="replica sizes for memory growth (default 1000,20000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind at --n (median; default 3)")
    parser.add_argument("--extract-pages", type=int, default=300, help="pages for extraction alone (default 300)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run (~1 min): N=300, sizes 300,1500, one repeat, no what-if runs; writes "
                             "bench/out/RESULTS-quick.md, not bench/RESULTS.md")
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                        help="py-spy profiles of (b), (w), (c) when a target is missed (auto), always or never")
    parser.add_argument("--experiments", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the what-if patches of bench/experiments.py (default on; off with --quick)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite bench/RESULTS.md from bench/out/results.json (and bench/FINDINGS.md), no runs")
    opts = parser.parse_args(argv)
    if opts.render_only:
        return render_only()
    if opts.quick:
        opts.n, opts.sizes, opts.repeat, opts.extract_pages = 300, [300, 1500], 1, 60
        opts.experiments = False
    command = "python -m bench.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    began = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                           "command": command.strip(), "n": opts.n, "repeat": opts.repeat, "skipped": {},
                           "notes": []}

    keys = ["a", "b", "w", "c", "d"]
    if not s3_store_available():
        keys.remove("d")
        ctx["skipped"]["d"] = "no S3 store yet"
        print("(d) skipped: no S3 store yet", flush=True)
    specs = {k: RUNS[k] for k in keys}
    if opts.experiments:
        specs.update(EXPERIMENTS)
    per_key: dict[str, list[Result]] = {k: [] for k in specs}
    print(f"side by side at N={opts.n}, {opts.repeat} round(s)", flush=True)
    with ReplicaProcess(opts.n, OUT) as replica, _maybe_moto("d" in keys) as moto:
        for round_no in range(opts.repeat):
            for key, spec in specs.items():
                per_key[key].append(run_one(spec, opts.n, replica.base_url, f"{key}-{opts.n}-{round_no}",
                                            moto=moto))
    results = {k: median_result(v) for k, v in per_key.items()}
    ctx["results"] = results

    print("memory growth", flush=True)
    rss: dict[str, dict[str, float]] = {"a": {}, "c": {}}
    for n in opts.sizes:
        if n == opts.n:
            for key in ("a", "c"):
                rss[key][str(n)] = max(r.rss_mb for r in per_key[key])
            continue
        with ReplicaProcess(n, OUT) as replica:
            for key in ("a", "c"):
                rss[key][str(n)] = run_one(RUNS[key], n, replica.base_url, f"{key}-{n}-mem").rss_mb
    ctx["memory"] = {"sizes": opts.sizes, "rss": rss,
                     "fingerprints_mb": fingerprint_mb(max(opts.sizes)) - fingerprint_mb(min(opts.sizes))}

    print("extraction alone", flush=True)
    ctx["extraction"] = extraction_bench(opts.extract_pages)

    a, b, w, c = results["a"], results["b"], results["w"], results["c"]
    mem = ctx["memory"]
    c_growth = rss["c"][str(max(opts.sizes))] - rss["c"][str(min(opts.sizes))]
    ext = ctx["extraction"]
    targets = [
        (f"CPU per page: (c) ≤ {CPU_RATIO_MAX}× (a)", f"{c.cpu_per_1k / a.cpu_per_1k:.2f}×",
         c.cpu_per_1k <= CPU_RATIO_MAX * a.cpu_per_1k),
        (f"Capture cost: WARC adds ≤ {CAPTURE_MAX:.0%} CPU per page ((w) vs (b))",
         pct(w.cpu_per_1k / b.cpu_per_1k - 1), w.cpu_per_1k <= (1 + CAPTURE_MAX) * b.cpu_per_1k),
        (f"Memory: (c) RSS flat from N={min(opts.sizes):,} to N={max(opts.sizes):,} apart from fingerprints "
         f"(≤ {RSS_GROWTH_SLACK_MB:.0f} MB beyond them)",
         f"{c_growth:+.0f} MB, fingerprints {mem['fingerprints_mb']:.1f} MB",
         c_growth - mem["fingerprints_mb"] <= RSS_GROWTH_SLACK_MB),
    ]
    if ext.get("trafilatura"):
        targets.append(("Extraction: ours ≥ trafilatura's articles/s",
                        f"{ext['ours']:.0f} vs {ext['trafilatura']:.0f} articles/s",
                        ext["ours"] >= ext["trafilatura"]))
    ctx["targets"] = targets

    missed = not all(ok for _, _, ok in targets)
    py_spy = Path(sys.executable).parent / "py-spy"
    if (opts.profile == "always" or (opts.profile == "auto" and missed)) and not py_spy.exists():
        print(f"no profiles: {py_spy} is missing (pip install py-spy)", flush=True)
        ctx["notes"].append(f"No profiles in this run: py-spy is not installed ({py_spy}); `pip install py-spy`.")
    elif opts.profile == "always" or (opts.profile == "auto" and missed):
        print("profiles of (b), (w) and (c) under py-spy", flush=True)
        ctx["profiles"] = []
        with ReplicaProcess(opts.n, OUT) as replica:
            for key, top in (("b", 0), ("w", 12), ("c", 25)):
                prof_file = OUT / f"profile-{key}.speedscope.json"
                run_one(RUNS[key], opts.n, replica.base_url, f"{key}-{opts.n}-profile", profile=prof_file)
                ctx["profiles"].append({"run": key, "n": opts.n, "rate": 200,
                                        "file": str(prof_file.relative_to(REPO_ROOT)),
                                        "top": profile_top(prof_file, top) if top else [],
                                        "areas": profile_by_area(prof_file)})
    notes_file = REPO_ROOT / "bench" / "FINDINGS.md"
    if notes_file.exists():
        ctx["notes"] = [*ctx["notes"], *notes_file.read_text().strip().splitlines()]
    ctx["elapsed"] = time.monotonic() - began
    text = render(ctx)
    print(text)
    # A smoke run keeps its own files: RESULTS.md and results.json stay those of the last full run.
    results_json = OUT / ("results-quick.json" if opts.quick else "results.json")
    results_md = OUT / "RESULTS-quick.md" if opts.quick else RESULTS
    results_json.write_text(json.dumps(
        {**{k: v for k, v in ctx.items() if k != "results"},
         "results": {k: {**r.__dict__, "pages_per_s": r.pages_per_s, "cpu_per_1k": r.cpu_per_1k}
                     for k, r in results.items()}}, indent=1, default=str))
    if not opts.no_write:
        results_md.write_text(text)
        print(f"written: {results_md.relative_to(REPO_ROOT)}")
    return 0


def render_only() -> int:
    saved = json.loads((OUT / "results.json").read_text())
    fields = set(Result.__dataclass_fields__)
    saved["results"] = {k: Result(**{f: v for f, v in r.items() if f in fields}) for k, r in saved["results"].items()}
    notes_file = REPO_ROOT / "bench" / "FINDINGS.md"
    saved["notes"] = notes_file.read_text().strip().splitlines() if notes_file.exists() else []
    text = render(saved)
    print(text)
    RESULTS.write_text(text)
    print(f"written: {RESULTS.relative_to(REPO_ROOT)} (from bench/out/results.json)")
    return 0


class _NoMoto:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _maybe_moto(wanted: bool) -> Any:
    return MotoProcess(OUT / "moto") if wanted else _NoMoto()


if __name__ == "__main__":
    sys.exit(main())
