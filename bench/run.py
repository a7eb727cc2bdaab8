"""`make bench`: what archiving costs per page, against the parse floor and the peer, on a generated replica.

    python -m bench.run [--n 1000] [--sizes 1000,20000] [--repeat 3] [--runs a,f,p,c0,c,d] [--quick]
                        [--profile auto|always|never] [--no-write] [--render-only]

Runs, one after another on the same machine, against a Global Research replica served by another process
(bench/replica.py: the pages, and the requisites their chrome and articles name):

    (a)  plain Scrapy: follows feed, sitemaps and listing pages to every article, parses nothing
    (f)  the parse floor: (a) plus one lxml parse of each article page (lxml.html.document_fromstring)
    (p)  the peer a user would pick instead: Scrapy 2.11 + scrapy-webarchive 0.5.3 (WARC/WACZ) + trafilatura,
         items to JSON Lines through FEEDS, from its own venv (.venv-peer, `make peer-env`)
    (c0) ours with REQUISITES_ENABLED=False: WARC + items, local store, exactly the pages the others fetch
    (c)  ours, the full archival crawl as shipped: WARC + items + page requisites, local store
    (d)  (c) with ARCHIVE_URI=s3://… on moto's standalone server (another process)
    (b), (w) on request (--runs): (c0) with WARC and items off, and with items off

each `--repeat` times at N = --n (medians are reported); then (a) and (c) on one core and on two (the crawl's
process tree under `taskset -c 0` and `taskset -c 0,1`; the replica on the cores the crawl does not use, or on
all when it uses them all); then (a) and (c) once at every size of --sizes for memory growth; then the
extractor alone against trafilatura; then, when a target is missed, a py-spy profile of (c), its page-reader
processes included (--subprocesses).

What is measured is the crawl's process tree: CPU seconds (user + system, every thread, of the crawler and its
descendants, the page readers' forkserver and workers) and wall time from the engine's start until the crawl
has fully finished (files closed, spool drained, manifest written, page readers ended); peak RSS is the
crawler's VmHWM plus the peak of its live descendants' summed RSS, sampled every 100 responses (bench/child.py).
The table goes to stdout and to bench/RESULTS.md, with bench/FINDINGS.md (hand-written) appended; logs, raw
results and profiles to bench/out/. --quick (~2 minutes) writes bench/out/RESULTS-quick.md instead.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.replica import ReplicaProcess, article_meta, render_article
from bench.s3 import MotoProcess

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out"
RESULTS = REPO_ROOT / "bench" / "RESULTS.md"
PEER_PYTHON = REPO_ROOT / ".venv-peer" / "bin" / "python"
CONCURRENCY = 16

# Targets of issue 15.
FLOOR_MAX = 2.0  # ours against the parse floor (f), CPU
PEER_MAX = 0.5  # ours against the peer (p), CPU
CORES_MIN = 1.8  # pages/s of (c) on 2 cores against 1 core


@dataclass(frozen=True)
class RunSpec:
    key: str
    label: str
    kind: str = "project"  # project, plain, peer (bench/child.py --kind)
    settings: dict[str, Any] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)  # spider arguments besides base_url
    s3: bool = False
    cores: tuple[int, ...] = ()  # taskset -c for the crawl's process tree; () leaves it free


RUNS = {
    "a": RunSpec("a", "plain Scrapy that parses nothing", kind="plain"),
    "f": RunSpec("f", "the parse floor: plain Scrapy + one lxml parse of each article page", kind="plain",
                 args={"parse": "lxml"}),
    "p": RunSpec("p", "the peer: Scrapy 2.11 + scrapy-webarchive 0.5.3 (WARC/WACZ) + trafilatura, items to JSON "
                      "Lines", kind="peer"),
    "c0": RunSpec("c0", "ours, requisites off: WARC + items, the same pages as the others",
                  settings={"REQUISITES_ENABLED": False}),
    "c": RunSpec("c", "ours, the full archival crawl: WARC + items + requisites, local store"),
    "d": RunSpec("d", "ours, full, S3 store on moto", s3=True),
    "b": RunSpec("b", "(c0) with WARC off and items off (extraction on)",
                 settings={"REQUISITES_ENABLED": False, "WARC_ENABLED": False, "ITEMS_ENABLED": False}),
    "w": RunSpec("w", "(c0) with items off (capture alone)", settings={"REQUISITES_ENABLED": False,
                                                                      "ITEMS_ENABLED": False}),
}
DEFAULT_RUNS = ("a", "f", "p", "c0", "c", "d")
TABLE_ORDER = ("a", "f", "p", "c0", "c", "d", "b", "w")


@dataclass
class Result:
    key: str
    n: int  # articles in the replica
    pages: int  # responses received
    items: int
    wall: float
    cpu: float  # the process tree, engine start to the crawl's end
    cpu_children: float  # of which its descendants (page readers)
    cpu_total: float  # the crawler process from wait4(), start-up included
    rss_mb: float  # VmHWM of the crawler + peak summed RSS of its descendants
    rss_own_mb: float
    rss_children_mb: float
    pss_tree_mb: float  # peak of the tree's summed PSS, sampled: shared pages split between processes
    processes: int  # the crawler and its live descendants, at most, as sampled
    requisites: int
    requisites_failed: int
    reason: str
    errors: int
    command: str
    cores: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall else 0.0

    @property
    def articles_per_s(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    @property
    def cpu_per_1k(self) -> float:
        return self.cpu / self.pages * 1000 if self.pages else 0.0

    @property
    def cpu_per_1k_articles(self) -> float:
        return self.cpu / self.n * 1000 if self.n else 0.0


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


def peer_available() -> str:
    """Why the peer cannot run, or "" when it can."""
    if not PEER_PYTHON.exists():
        return f"no {PEER_PYTHON.relative_to(REPO_ROOT)} (make peer-env)"
    probe = subprocess.run([str(PEER_PYTHON), "-c", "import scrapy_webarchive, trafilatura, psutil"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f".venv-peer is incomplete: {probe.stderr.strip().splitlines()[-1]} (make peer-env)"
    return ""


def cores_text(cores: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in cores)


def run_one(spec: RunSpec, n: int, base_url: str, tag: str, moto: MotoProcess | None = None,
            profile: Path | None = None) -> Result:
    work = OUT / "runs" / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = common_settings(work / "crawl.log")
    settings.update(spec.settings)
    args: dict[str, Any] = {"base_url": base_url, **spec.args}
    python, cwd, env = sys.executable, REPO_ROOT, None
    if spec.kind == "project":
        settings["ARCHIVE_URI"] = str(work / "archive")
        settings["SCHEDULER_SPILL_DIR"] = str(work)
        if spec.s3:
            assert moto is not None
            settings.update(moto.settings())
            settings["ARCHIVE_URI"] = f"s3://{moto.bucket}/{tag}"
            settings["ARCHIVE_SPOOL_DIR"] = str(work / "spool")
    elif spec.kind == "peer":
        # scrapy-webarchive writes its WARC into the working folder, then the WACZ to SW_EXPORT_URI.
        settings["SW_EXPORT_URI"] = str(work / "wacz") + "/"
        settings["FEEDS"] = {str(work / "items.jsonl"): {"format": "jsonlines"}}
        python, cwd, env = str(PEER_PYTHON), work, {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = work / "result.json"
    cmd = [python, "-m", "bench.child", "--kind", spec.kind, "--out", str(out),
           "--settings", json.dumps(settings), "--args", json.dumps(args)]
    if profile is not None:
        py_spy = Path(sys.executable).parent / "py-spy"
        cmd = [str(py_spy), "record", "--subprocesses", "--rate", "200", "--format", "speedscope",
               "-o", str(profile), "--", *cmd]
    if spec.cores:  # the crawler's affinity, which its page readers inherit (and size their pool by)
        cmd = ["taskset", "-c", cores_text(spec.cores), *cmd]
    shown = scrapy_command(spec, settings, args)
    started = time.monotonic()
    with open(work / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        tail = (work / "stderr.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"run ({spec.key}) at N={n} failed with {proc.returncode}:\n{tail}")
    data = json.loads(out.read_text())
    marks, stats = data["marks"], data["stats"]
    rss = marks.get("rss", {})
    own_mb = float(marks["end"]["maxrss_kb"]) / 1024  # VmHWM of the crawler itself (wait4 would see py-spy's)
    children_mb = float(rss.get("children_rss_kb", 0.0)) / 1024
    result = Result(
        key=spec.key, n=n,
        pages=int(stats.get("response_received_count", 0)),
        items=int(stats.get("item_scraped_count", 0)),
        wall=marks["end"]["wall"] - marks["start"]["wall"],
        # The bench's own memory samples (bench/child.py) are not the crawl's cost.
        cpu=marks["end"]["cpu"] - marks["start"]["cpu"] - float(rss.get("sampling_cpu", 0.0)),
        cpu_children=marks["end"].get("children_cpu", 0.0) - marks["start"].get("children_cpu", 0.0),
        cpu_total=usage.ru_utime + usage.ru_stime if profile is None else marks["end"]["cpu"],
        rss_mb=own_mb + children_mb, rss_own_mb=own_mb, rss_children_mb=children_mb,
        pss_tree_mb=float(rss.get("tree_pss_kb", 0.0)) / 1024,
        processes=1 + int(rss.get("children", 0)),
        requisites=int(stats.get("requisites/fetched", 0)),
        requisites_failed=sum(int(v) for k, v in stats.items() if k.startswith("requisites/failed/")),
        reason=str(marks.get("reason", "?")),
        errors=int(stats.get("log_count/ERROR", 0)),
        command=shown, cores=cores_text(spec.cores),
    )
    (work / "summary.json").write_text(json.dumps({**result.__dict__, "elapsed": time.monotonic() - started},
                                                  indent=1))
    expected = n + 3 + min(5, -(-n // 20)) + -(-n // 1000)  # articles, robots, feed, index, sitemaps, listings
    note = ""
    if result.pages - result.requisites - result.requisites_failed != expected:
        note += f"  (expected {expected} pages besides requisites!)"
    if spec.kind == "project" and result.items != n:
        note += f"  (expected {n} items!)"
    if result.requisites_failed:
        note += f"  ({result.requisites_failed} requisites failed!)"
    pinned = f" on cores {result.cores}" if result.cores else ""
    print(f"  ({spec.key}) N={n}{pinned}: {result.pages} pages ({result.requisites} requisites), {result.items} "
          f"items, {result.pages_per_s:.0f} pages/s, {result.cpu_per_1k:.2f} CPU s/1k pages "
          f"({result.cpu_children:.1f} s in {result.processes - 1} descendants), peak RSS {result.rss_mb:.0f} MB "
          f"({result.rss_own_mb:.0f} + {result.rss_children_mb:.0f}), {result.reason}, {result.errors} errors"
          f"{note}", flush=True)
    return result


def scrapy_command(spec: RunSpec, settings: dict[str, Any], args: dict[str, Any]) -> str:
    """The command line a run is equivalent to (credentials of moto shown as <moto key>)."""
    shown_settings = dict(settings)
    feeds = shown_settings.pop("FEEDS", {})
    if spec.kind == "plain":
        head = ["scrapy", "runspider", "bench/plain_spider.py"]
    elif spec.kind == "peer":
        from bench.peer_spider import PEER_SETTINGS

        head = [".venv-peer/bin/scrapy", "runspider", "bench/peer_spider.py"]
        shown_settings = {**PEER_SETTINGS, **shown_settings}
    else:
        head = ["scrapy", "crawl", "globalresearch"]
    if spec.cores:
        head = ["taskset", "-c", cores_text(spec.cores), *head]
    parts = [*head, *(f"-a {k}={re.sub(r':[0-9]+$', ':PORT', str(v))}" for k, v in args.items())]
    parts += [f"-O {relative(str(path))}" for path in feeds]
    for key, value in shown_settings.items():
        if key in ("LOG_FILE", "SCHEDULER_SPILL_DIR"):
            continue
        shown: Any = value
        if key.startswith("AWS_") and ("KEY" in key):
            shown = "<moto key>"
        elif key == "AWS_ENDPOINT_URL":
            shown = "http://127.0.0.1:MOTO_PORT"
        elif isinstance(value, bool):
            shown = int(value)
        elif isinstance(value, dict):
            shown = shlex.quote(json.dumps(value))
        elif isinstance(value, str):
            shown = relative(value)
        parts.append(f"-s {key}={shown}")
    return " ".join(parts)


def relative(value: str) -> str:
    return value.removeprefix(str(REPO_ROOT) + "/")


def median_result(results: list[Result]) -> Result:
    first = results[0]
    return Result(
        key=first.key, n=first.n, pages=first.pages, items=first.items,
        wall=statistics.median(r.wall for r in results),
        cpu=statistics.median(r.cpu for r in results),
        cpu_children=statistics.median(r.cpu_children for r in results),
        cpu_total=statistics.median(r.cpu_total for r in results),
        rss_mb=statistics.median(r.rss_mb for r in results),
        rss_own_mb=statistics.median(r.rss_own_mb for r in results),
        rss_children_mb=statistics.median(r.rss_children_mb for r in results),
        pss_tree_mb=statistics.median(r.pss_tree_mb for r in results),
        processes=max(r.processes for r in results),
        requisites=first.requisites,
        requisites_failed=max(r.requisites_failed for r in results),
        reason=",".join(sorted({r.reason for r in results})),
        errors=max(r.errors for r in results),
        command=first.command, cores=first.cores,
    )


@contextmanager
def replica_beside(replica: ReplicaProcess, crawl_cores: tuple[int, ...]) -> Iterator[str]:
    """The replica on the cores the crawl does not use (all of them when it uses every one); says which."""
    every = set(os.sched_getaffinity(0))
    rest = every - set(crawl_cores)
    where = rest if crawl_cores and rest else every
    replica.pin(where)
    try:
        yield ("pinned to " if where != every else "free on ") + f"cores {cores_text(tuple(sorted(where)))}"
    finally:
        replica.pin(every)


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


# --- Fingerprints: what the duplicate filter and the crawl's seen sets must hold -------------------------


def fingerprint_mb(pages: int) -> float:
    """Memory of one request fingerprint per page (40-char hex str in a set, as RFPDupeFilter keeps them) plus
    one path per page in a set (the spider's scheduled articles, the requisites fetched): what any crawl of
    that many pages must keep until its end."""
    import hashlib
    import tracemalloc

    made = [article_meta(i).path for i in range(pages)]  # outside the trace: the replica's own cache
    tracemalloc.start()
    fingerprints = {hashlib.sha1(str(i).encode()).hexdigest() for i in range(pages)}
    paths = {(path + "/")[:-1] for path in made}
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del fingerprints, paths
    return size / 1024 / 1024


# --- Profile summary ------------------------------------------------------------------------------------


# Leaf frames of a thread that waits (py-spy's idle detection misses some of them): not CPU, left out.
IDLE_LEAVES = {("_worker", "concurrent/futures/thread.py"), ("wait", "threading.py"),
               ("select", "selectors.py"), ("get", "queue.py"), ("poll", "selectors.py"),
               ("_recv", "multiprocessing/connection.py"), ("_poll", "multiprocessing/connection.py"),
               ("wait", "multiprocessing/connection.py"), ("__enter__", "multiprocessing/synchronize.py")}
STARTUP_MARKER = "<frozen importlib"  # module imports (the page readers' preload too): start-up, not crawling


def _process_of(frame: dict[str, Any]) -> str | None:
    """py-spy --subprocesses roots every stack in frames naming its processes, outermost first; which is this?"""
    name = str(frame.get("name", ""))
    if not (name.startswith("process ") and not frame.get("file")):
        return None
    if "multiprocessing.forkserver" in name:
        return "page readers (forkserver and workers)"
    # py-spy records the crawl's own process tree only (the replica and the bench are outside it): what is not the
    # page readers is the crawler, whose command line py-spy may print empty ('process 23033:""').
    return "crawler"


def _busy_samples(data: dict[str, Any]) -> list[tuple[list[int], float, str]]:
    """(Python stack, weight, process) of the samples that were running: neither waiting nor importing modules at
    start-up. A stack with no Python frame (C code, waiting for the GIL) is kept, empty."""
    frames = data["shared"]["frames"]
    out = []
    for prof in data["profiles"]:
        for full, weight in zip(prof["samples"], prof["weights"], strict=True):
            process = "crawler"
            stack = []
            for index in full:
                named = _process_of(frames[index])
                if named is None:
                    stack.append(index)
                else:
                    process = named
            if not stack:
                out.append((stack, weight, process))
                continue
            leaf = frames[stack[-1]]
            leaf_fn = str(leaf["name"]).rsplit(".", 1)[-1]
            if any(leaf_fn == fn and str(leaf.get("file", "")).endswith(f) for fn, f in IDLE_LEAVES):
                continue
            if any(STARTUP_MARKER in str(frames[i].get("file", "")) or str(frames[i]["name"]).endswith("sample_rss")
                   for i in stack):  # start-up, or the bench's own memory samples (not counted as CPU either)
                continue
            out.append((stack, weight, process))
    return out


def profile_top(path: Path, limit: int = 25) -> list[tuple[str, float, float]]:
    """(function, self %, total %) from a py-spy speedscope file, all threads together, busy samples only."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    self_count: dict[int, float] = {}
    total_count: dict[int, float] = {}
    samples = 0.0
    for stack, weight, _ in _busy_samples(data):
        if not stack:
            continue
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


PROFILE_AREAS: tuple[tuple[str, str | tuple[str, ...]], ...] = (
    ("requisites found in HTML and CSS (crawler/requisites)", ("crawler/requisites", "crawler/spiders/requisites")),
    ("extractor (crawler/extractors: parse + item)", "crawler/extractors/"),
    ("page readers' hand-off (pool, pickling)", ("crawler/extensions/page_readers", "concurrent/futures/process",
                                                  "multiprocessing/")),
    ("WARC capture + writer (warcio)", ("crawler/middlewares/warc_capture", "pipelines/warc/", "warcio/")),
    ("CDXJ index", "pipelines/archive/cdxj"),
    ("item pipelines (normalize, validate, metadata)", ("pipelines/items/normalize", "pipelines/items/validate",
                                                        "pipelines/items/warc_metadata", "pipelines/items/furniture")),
    ("item writer (json + gzip)", "pipelines/items/item_writer"),
    ("archive / store / S3 (boto3)", ("pipelines/archive/", "pipelines/storage/", "boto3/", "botocore/",
                                      "s3transfer/")),
    ("scheduler (disk queues)", ("crawler/schedulers/", "scrapy/squeues", "queuelib/")),
    ("discovery (spider: sitemap, feed, listing)", "crawler/spiders/"),
    ("gzip/zlib (decompression in Scrapy)", "scrapy/utils/_compression"),
    ("lxml / parsel", ("lxml/", "parsel/")),
    ("Scrapy engine, downloader, middlewares", "scrapy/"),
    ("Twisted / asyncio reactor", ("twisted/", "asyncio/")),
)


def profile_by_area(path: Path) -> list[tuple[str, float]]:
    """Share of busy samples by area of code: the first area of the list that appears in a sample's stack."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    counts: dict[str, float] = {}
    samples = 0.0
    for stack, weight, _ in _busy_samples(data):
        samples += weight
        label = "other" if stack else "no Python frame (C code, waiting for the GIL)"
        # The first area of the list found anywhere in the stack: ours before the libraries they call.
        for area, markers in PROFILE_AREAS:
            marks = markers if isinstance(markers, tuple) else (markers,)
            if any(any(m in str(frames[i].get("file", "")) for m in marks) for i in stack):
                label = area
                break
        counts[label] = counts.get(label, 0) + weight
    return sorted(((k, 100 * v / samples) for k, v in counts.items()), key=lambda kv: -kv[1])


def profile_by_process(path: Path) -> list[tuple[str, float]]:
    """Share of busy samples by process of the tree."""
    counts: dict[str, float] = {}
    for _, weight, process in _busy_samples(json.loads(path.read_text())):
        counts[process] = counts.get(process, 0) + weight
    total = sum(counts.values()) or 1.0
    return sorted(((k, 100 * v / total) for k, v in counts.items()), key=lambda kv: -kv[1])


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
            "scrapy": scrapy.__version__, "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else "met" if ok else "**MISSED**"


def ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def targets(ctx: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """The issue's targets: (what, measured, met) with None when a run they need is missing."""
    res: dict[str, Result] = ctx["results"]
    out: list[tuple[str, str, bool | None]] = []
    f, p = res.get("f"), res.get("p")
    for key, per, value in (("c", "article", "cpu_per_1k_articles"), ("c0", "page", "cpu_per_1k")):
        r = res.get(key)
        if r is None:
            continue
        ours = getattr(r, value)
        if f is not None:
            floor = getattr(f, value)
            out.append((f"CPU per {per}: ({key}) ≤ {FLOOR_MAX:g}× the parse floor (f)",
                        f"{ratio(ours, floor)} ({ours:.2f} vs {floor:.2f} CPU s / 1,000 {per}s)",
                        ours <= FLOOR_MAX * floor))
        if p is not None:
            peer = getattr(p, value)
            out.append((f"CPU per {per}: ({key}) ≤ {PEER_MAX:g}× the peer (p)",
                        f"{ratio(ours, peer)} ({ours:.2f} vs {peer:.2f} CPU s / 1,000 {per}s)",
                        ours <= PEER_MAX * peer))
        elif key == "c":
            out.append((f"CPU per {per}: ({key}) ≤ {PEER_MAX:g}× the peer (p)",
                        f"no peer run: {ctx['skipped'].get('p', '?')}", None))
    cores = ctx.get("cores", {}).get("results", {})
    one, two = cores.get("c@1"), cores.get("c@2")
    if one and two:
        one_r, two_r = Result(**one), Result(**two)
        out.append((f"Both cores: pages/s of (c) on 2 cores ≥ {CORES_MIN:g}× on 1 core",
                    f"{ratio(two_r.pages_per_s, one_r.pages_per_s)} ({two_r.pages_per_s:.0f} vs "
                    f"{one_r.pages_per_s:.0f} pages/s)", two_r.pages_per_s >= CORES_MIN * one_r.pages_per_s))
    else:
        out.append((f"Both cores: pages/s of (c) on 2 cores ≥ {CORES_MIN:g}× on 1 core",
                    ctx.get("cores", {}).get("skipped", "not run"), None))
    mem = ctx["memory"]
    row = mem["rss"].get("c", {})
    sizes = mem["sizes"]
    small, big = str(min(sizes)), str(max(sizes))
    if small in row and big in row and small != big:
        growth = row[big]["rss_mb"] - row[small]["rss_mb"]
        allowed = row[big]["fingerprints_mb"] - row[small]["fingerprints_mb"]
        out.append((f"Memory: RSS of (c) from N={int(small):,} to N={int(big):,} grows no more than its requests' "
                    "fingerprints", f"{growth:+.0f} MB, fingerprints {allowed:.1f} MB", growth <= allowed))
    ext = ctx["extraction"]
    if ext.get("trafilatura"):
        out.append(("Extraction alone (issue 7): ours ≥ trafilatura's articles/s",
                    f"{ext['ours']:.0f} vs {ext['trafilatura']:.0f} articles/s", ext["ours"] >= ext["trafilatura"]))
    return out


def render(ctx: dict[str, Any]) -> str:
    m = ctx["machine"]
    res: dict[str, Result] = ctx["results"]
    lines = [
        "# Benchmarks: the archival crawl against the parse floor and the peer",
        "",
        f"Generated by `{ctx['command']}` (`make bench`) on {ctx['date']}, in {ctx['elapsed']:.0f} s."
        + (" **A smoke run (--quick): small N, one round; not a measurement.**" if ctx.get("quick") else ""),
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; {m['os']}; Python {m['python']}, "
        f"Scrapy {m['scrapy']}; load average at the start {m.get('load', '?')}.",
        "",
        f"Replica: {ctx['n']} generated Global Research articles in the 2018 markup, "
        f"~{ctx['extraction']['avg_kb']:.0f} KB of HTML each, served gzip by `bench/replica.py` in its own "
        "process, with the requisites the pages name (the chrome's stylesheets, scripts, icons and images, each "
        "article's lead image and thumbnail). Every run: CONCURRENT_REQUESTS = CONCURRENT_REQUESTS_PER_DOMAIN = "
        f"{CONCURRENCY}, DOWNLOAD_DELAY = 0, AUTOTHROTTLE off, ROBOTSTXT_OBEY on; the same pages (robots.txt, "
        "feed, sitemap index and sitemaps, 5 listing pages, the articles), and for (c) and (d) the articles' "
        f"requisites too. Figures are medians of {ctx['repeat']} round(s). CPU is the crawl's process tree (the "
        "crawler, every thread, and its descendants: our page readers' forkserver and workers), from the engine's "
        "start until the crawl has fully finished (files closed, spool drained, manifest written, page readers "
        "ended); peak RSS is the crawler's high-water mark (VmHWM) plus the peak of its descendants' summed RSS, "
        "sampled every 100 responses (pages the forked workers share count once per process); peak PSS, "
        "sampled at the same moments, splits shared pages between the processes (a sample can miss the peak).",
        "",
        "| run | what | pages | of which requisites | items | CPU s / 1,000 pages | CPU s / 1,000 articles | "
        "pages/s | articles/s | peak RSS MB (crawler + workers) | peak PSS MB, sampled | processes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in TABLE_ORDER:
        spec = RUNS[key]
        r = res.get(key)
        if r is None:
            if key in ctx["skipped"]:
                lines.append(f"| ({key}) | {spec.label} | skipped: {ctx['skipped'][key]} | | | | | | | | | |")
            continue
        failed = f" ({r.requisites_failed} failed)" if r.requisites_failed else ""
        lines.append(
            f"| ({key}) | {spec.label} | {r.pages} | {r.requisites}{failed} | {r.items} | {r.cpu_per_1k:.2f} | "
            f"{r.cpu_per_1k_articles:.2f} | {r.pages_per_s:.0f} | {r.articles_per_s:.0f} | "
            f"{r.rss_mb:.0f} ({r.rss_own_mb:.0f} + {r.rss_children_mb:.0f}) | {r.pss_tree_mb:.0f} | {r.processes} |")
    lines += ["", "## Ratios", "",
              "CPU of one run against another's, per page and per article ((c) also fetches each article's "
              "requisites: per article is its whole cost, per page spreads it over cheap image fetches).", "",
              "| ratio | CPU per page | CPU per article | pages/s | peak RSS |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for top, bottom in (("c", "f"), ("c0", "f"), ("c", "p"), ("c0", "p"), ("c", "c0"), ("p", "f"), ("f", "a"),
                        ("d", "c")):
        x, y = res.get(top), res.get(bottom)
        if x is None or y is None:
            continue
        lines.append(f"| ({top}) / ({bottom}) | {ratio(x.cpu_per_1k, y.cpu_per_1k)} | "
                     f"{ratio(x.cpu_per_1k_articles, y.cpu_per_1k_articles)} | "
                     f"{ratio(x.pages_per_s, y.pages_per_s)} | {ratio(x.rss_mb, y.rss_mb)} |")
    cores = ctx.get("cores") or {}
    if cores.get("results"):
        lines += ["", "## One core and two", "",
                  "The crawl's process tree under `taskset` (EXTRACT_PROCESSES left at its default: the first "
                  "20 pages are read in the crawler and timed, and page readers, one per usable core, read the "
                  "rest only when a page costs more than EXTRACT_PROCESSES_AUTO_MS; the Global Research "
                  "extractor never does, so both runs read in the crawler). "
                  f"Medians of {ctx['repeat']} round(s).", "",
                  "| run | crawl on cores | replica | pages/s | × 1 core | CPU s / 1,000 pages | processes |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
        for key in ("a", "c"):
            one = cores["results"].get(f"{key}@1")
            for label in ("1", "2"):
                raw = cores["results"].get(f"{key}@{label}")
                if raw is None:
                    continue
                r = Result(**raw)
                base = Result(**one).pages_per_s if one else 0.0
                lines.append(f"| ({key}) | {r.cores} | {cores['replica'].get(f'{key}@{label}', '?')} | "
                             f"{r.pages_per_s:.0f} | {ratio(r.pages_per_s, base)} | {r.cpu_per_1k:.2f} | "
                             f"{r.processes} |")
    elif cores.get("skipped"):
        lines += ["", "## One core and two", "", f"Not run: {cores['skipped']}."]
    mem = ctx["memory"]
    lines += ["", "## Memory growth: peak RSS against N", "",
              "Peak RSS as above (crawler + workers). The fingerprints are computed for each run's own page count: "
              "one 40-character request fingerprint and one path per page fetched, in sets (what any crawl must "
              "hold until its end).", "",
              "| run | " + " | ".join(f"N = {n:,}" for n in mem["sizes"]) + " | growth | fingerprints' growth "
              "(computed) | growth beyond them |",
              "| --- | " + " | ".join("---:" for _ in mem["sizes"]) + " | ---: | ---: | ---: |"]
    for key in ("a", "c"):
        row = mem["rss"].get(key, {})
        values = [row.get(str(n)) for n in mem["sizes"]]
        if None in values or len(values) < 2:
            continue
        growth = values[-1]["rss_mb"] - values[0]["rss_mb"]
        prints = values[-1]["fingerprints_mb"] - values[0]["fingerprints_mb"]
        lines.append(f"| ({key}) | " + " | ".join(f"{v['rss_mb']:.0f} MB ({v['pages']:,} pages)" for v in values)
                     + f" | {growth:+.0f} MB | {prints:.1f} MB | {growth - prints:+.0f} MB |")
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
    lines += ["", "## Targets (issue 15)", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    for name, measured, ok in ctx["targets"]:
        lines.append(f"| {name} | {measured} | {verdict(ok)} |")
    profiles = ctx.get("profiles") or []
    if profiles:
        keys = [p["run"] for p in profiles]
        lines += ["", f"## Profiles (py-spy --subprocesses, {profiles[0]['rate']} Hz, every thread of every process "
                  f"of the tree, N = {profiles[0]['n']})", "",
                  "Flame graph data: " + ", ".join(f"`{p['file']}`" for p in profiles)
                  + " (open in https://www.speedscope.app).", "",
                  ("Busy samples (threads running or waiting for a core; waiting threads and start-up imports, "
                   "the page readers' preload too, left out) by area, as CPU seconds per 1,000 pages: each run's "
                   "share of samples times its measured CPU s / 1,000 pages above. A sample counts for the first "
                   "area of this list found in its stack."), "",
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
            lines += ["", f"Busy samples of ({prof['run']}) by process: "
                      + ", ".join(f"{name} {share:.0f}%" for name, share in prof.get("processes", [])) + "."]
        for prof in profiles:
            if not prof["top"]:
                continue
            lines += ["", f"Top functions of ({prof['run']}) by own time:", "", "| function | self | total |",
                      "| --- | ---: | ---: |"]
            lines += [f"| `{fn}` | {s_:.1f}% | {t:.1f}% |" for fn, s_, t in prof["top"]]
    if ctx.get("notes"):
        lines += ["", "## Findings", "", *ctx["notes"]]
    lines += ["", "## Commands", "", "Each run is the equivalent of (bench/child.py runs it in-process, with the "
              "project's settings for ours as `scrapy crawl` does, to time the crawl from the engine's start):", ""]
    for key in TABLE_ORDER:
        r = res.get(key)
        if r is not None:
            lines += [f"- ({key}) `{r.command}`"]
    for key, raw in (cores.get("results") or {}).items():
        lines += [f"- ({key.replace('@', ') on ')} core(s) `{raw['command']}`"]
    lines.append("")
    return "\n".join(lines)


def sizes_arg(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def runs_arg(text: str) -> list[str]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in RUNS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown run(s) {', '.join(unknown)}; known: {', '.join(RUNS)}")
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="articles for the side-by-side runs (default 1000)")
    parser.add_argument("--sizes", type=sizes_arg, default=[1000, 20000],
                        help="replica sizes for memory growth (default 1000,20000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each run at --n (median; default 3)")
    parser.add_argument("--runs", type=runs_arg, default=list(DEFAULT_RUNS),
                        help=f"side-by-side runs (default {','.join(DEFAULT_RUNS)}; also b, w)")
    parser.add_argument("--extract-pages", type=int, default=300, help="pages for extraction alone (default 300)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run (~2 min): N=300, sizes 300,1000, one round; writes "
                             "bench/out/RESULTS-quick.md, not bench/RESULTS.md")
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto",
                        help="py-spy profile of (c) when a target is missed (auto), always or never")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the RESULTS file alone")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite bench/RESULTS.md from bench/out/results.json (and bench/FINDINGS.md), no "
                             "runs; with --quick, the smoke run's files")
    opts = parser.parse_args(argv)
    if opts.render_only:
        return render_only(opts.quick)
    if opts.quick:
        opts.n, opts.sizes, opts.repeat, opts.extract_pages = 300, [300, 1000], 1, 60
    command = "python -m bench.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    began = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                           "command": command.strip(), "n": opts.n, "repeat": opts.repeat, "skipped": {},
                           "notes": [], "quick": opts.quick}

    keys = list(opts.runs)
    for key in ("a", "c"):  # the cores and memory runs need them
        if key not in keys:
            keys.insert(0 if key == "a" else len(keys), key)
    if "d" in keys and not s3_store_available():
        keys.remove("d")
        ctx["skipped"]["d"] = "no S3 store"
    if "p" in keys and (why := peer_available()):
        keys.remove("p")
        ctx["skipped"]["p"] = why
    for key, why in ctx["skipped"].items():
        print(f"({key}) skipped: {why}", flush=True)
    per_key: dict[str, list[Result]] = {k: [] for k in keys}
    print(f"side by side at N={opts.n}, {opts.repeat} round(s): {', '.join(keys)}", flush=True)
    with ReplicaProcess(opts.n, OUT) as replica, _maybe_moto("d" in keys) as moto:
        for round_no in range(opts.repeat):
            for key in keys:
                per_key[key].append(run_one(RUNS[key], opts.n, replica.base_url, f"{key}-{opts.n}-{round_no}",
                                            moto=moto))
        results = {k: median_result(v) for k, v in per_key.items()}
        ctx["results"] = results

        usable = sorted(os.sched_getaffinity(0))
        if len(usable) < 2:
            ctx["cores"] = {"skipped": f"this process may use {len(usable)} core(s)"}
        else:
            print("one core and two (taskset)", flush=True)
            sets = {"1": (usable[0],), "2": (usable[0], usable[1])}
            runs: dict[str, list[Result]] = {}
            where: dict[str, str] = {}
            for round_no in range(opts.repeat):
                for key in ("a", "c"):
                    for label, cores in sets.items():
                        spec = replace(RUNS[key], cores=cores)
                        with replica_beside(replica, cores) as placed:
                            where[f"{key}@{label}"] = placed
                            runs.setdefault(f"{key}@{label}", []).append(
                                run_one(spec, opts.n, replica.base_url, f"{key}-{opts.n}-cores{label}-{round_no}"))
            ctx["cores"] = {"results": {k: median_result(v).__dict__ for k, v in runs.items()}, "replica": where}

    print("memory growth", flush=True)
    rss: dict[str, dict[str, dict[str, float]]] = {"a": {}, "c": {}}
    for n in opts.sizes:
        if n == opts.n:
            for key in ("a", "c"):
                r = results[key]
                rss[key][str(n)] = {"rss_mb": r.rss_mb, "pages": r.pages, "fingerprints_mb": fingerprint_mb(r.pages)}
            continue
        with ReplicaProcess(n, OUT) as replica:
            for key in ("a", "c"):
                r = run_one(RUNS[key], n, replica.base_url, f"{key}-{n}-mem")
                rss[key][str(n)] = {"rss_mb": r.rss_mb, "pages": r.pages, "fingerprints_mb": fingerprint_mb(r.pages)}
    ctx["memory"] = {"sizes": opts.sizes, "rss": rss}

    print("extraction alone", flush=True)
    ctx["extraction"] = extraction_bench(opts.extract_pages)
    ctx["targets"] = targets(ctx)

    missed = any(ok is False for _, _, ok in ctx["targets"])
    py_spy = Path(sys.executable).parent / "py-spy"
    wanted = opts.profile == "always" or (opts.profile == "auto" and missed)
    if wanted and not py_spy.exists():
        print(f"no profiles: {py_spy} is missing (pip install py-spy)", flush=True)
        ctx["notes"].append(f"No profiles in this run: py-spy is not installed ({py_spy}); `pip install py-spy`.")
    elif wanted:
        print("profile of (c) under py-spy --subprocesses", flush=True)
        ctx["profiles"] = []
        with ReplicaProcess(opts.n, OUT) as replica:
            prof_file = OUT / "profile-c.speedscope.json"
            run_one(RUNS["c"], opts.n, replica.base_url, f"c-{opts.n}-profile", profile=prof_file)
            ctx["profiles"].append({"run": "c", "n": opts.n, "rate": 200,
                                    "file": str(prof_file.relative_to(REPO_ROOT)),
                                    "top": profile_top(prof_file, 25), "areas": profile_by_area(prof_file),
                                    "processes": profile_by_process(prof_file)})
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
        {**{k: v for k, v in ctx.items() if k not in ("results", "targets")},
         "results": {k: r.__dict__ for k, r in results.items()}}, indent=1, default=str))
    if not opts.no_write:
        results_md.write_text(text)
        print(f"written: {results_md.relative_to(REPO_ROOT)}")
    return 0


def render_only(quick: bool) -> int:
    """RESULTS.md again from the last full run's results.json (with --quick: the last smoke run's files)."""
    source, target = OUT / "results.json", RESULTS
    if quick:
        source, target = OUT / "results-quick.json", OUT / "RESULTS-quick.md"
    saved = json.loads(source.read_text())
    fields = set(Result.__dataclass_fields__)
    saved["results"] = {k: Result(**{f: v for f, v in r.items() if f in fields}) for k, r in saved["results"].items()}
    saved["targets"] = targets(saved)
    notes_file = REPO_ROOT / "bench" / "FINDINGS.md"
    saved["notes"] = notes_file.read_text().strip().splitlines() if notes_file.exists() else []
    text = render(saved)
    print(text)
    target.write_text(text)
    print(f"written: {target.relative_to(REPO_ROOT)} (from {source.relative_to(REPO_ROOT)})")
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
