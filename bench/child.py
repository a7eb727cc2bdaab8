"""One measured crawl, in its own process: what `scrapy crawl` does, plus a clock around the crawl.

    python -m bench.child --kind project --spider globalresearch --out run.json \\
        --settings '{"WARC_ENABLED": false}' --args '{"base_url": "http://127.0.0.1:8800"}'

`--kind project` loads the project's settings (scrapy.cfg: settings.local) exactly as `scrapy crawl` does and
applies --settings at the command line's priority, as `-s` would; `--kind plain` runs bench.plain_spider
with Scrapy's defaults (`-a parse=lxml` for the parse floor); `--kind peer` runs bench.peer_spider (from .venv-peer, on
Scrapy 2.11) with a 2.11 project's settings. The result file holds the crawl's stats and, at the engine's start
and after the crawl has fully finished (writers closed, spool drained, manifest written, page readers ended),
the CPU time of the whole process tree (this process, every thread, and its descendants: the page readers'
forkserver and workers) and wall time. Memory: this process's peak RSS (VmHWM) and, sampled every
RSS_SAMPLE_EVERY responses and when the spider closes, the summed RSS of its live descendants; the parent
reports VmHWM plus the descendants' peak.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import psutil
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from bench.plain_spider import PLAIN_SETTINGS, PlainSpider

RSS_SAMPLE_EVERY = 100  # responses between samples of the descendants' RSS


def descendants_cpu() -> tuple[float, float]:
    """CPU seconds and summed RSS (KB) of this process's live descendants (the page readers' forkserver and its
    workers), each with what its own finished children used: their cost is the crawl's cost."""
    cpu = rss = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
            cpu += times.user + times.system + times.children_user + times.children_system
            rss += child.memory_info().rss / 1024
        except psutil.NoSuchProcess:
            continue
    return cpu, rss


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def malloc_kb() -> dict[str, float]:
    """glibc's malloc: KB in use (main arena and thread arenas: uordblks, mmapped: hblkhd) and free but held
    (fordblks); empty where there is no mallinfo2 (musl, macOS, glibc < 2.33)."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _Mallinfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"malloc_used_kb": (info.uordblks + info.hblkhd) / 1024, "malloc_free_kb": info.fordblks / 1024}


def snapshot() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    live_cpu, live_rss_kb = descendants_cpu()
    children_cpu = waited.ru_utime + waited.ru_stime + live_cpu
    return {"wall": time.monotonic(), "cpu": usage.ru_utime + usage.ru_stime + children_cpu,
            "children_cpu": children_cpu, "children_rss_kb": live_rss_kb,
            "user": usage.ru_utime, "sys": usage.ru_stime, "maxrss_kb": float(usage.ru_maxrss)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=("project", "plain", "peer"), required=True)
    parser.add_argument("--spider", default="globalresearch")
    parser.add_argument("--out", required=True, help="JSON result file")
    parser.add_argument("--settings", default="{}", help="JSON object of settings, at the command line's priority")
    parser.add_argument("--args", default="{}", help="JSON object of spider arguments (-a)")
    parser.add_argument("--tracemalloc-at", type=int, default=0,
                        help="trace allocations from the engine's start; at this many responses, record the top "
                             "allocation sites (slow: an investigation, not a measurement)")
    parser.add_argument("--rss-trace", action="store_true",
                        help="keep every sample: responses, seconds, this process's RSS and VmHWM (KB), requests "
                             "pending in the scheduler, in the downloader and responses waiting in the scraper "
                             "(an investigation of where memory grows: transient peaks or steady growth)")
    parser.add_argument("--malloc-trim", action="store_true",
                        help="at each sample, hand the C heap's free pages back (glibc malloc_trim): how much of the "
                             "RSS is free memory malloc holds (an investigation)")
    parser.add_argument("--rss-every", type=int, default=RSS_SAMPLE_EVERY,
                        help=f"responses between samples (default {RSS_SAMPLE_EVERY})")
    args = parser.parse_args(argv)
    marks: dict[str, Any] = {"process": snapshot()}
    spider: Any
    if args.kind == "project":
        settings, spider = get_project_settings(), args.spider
    elif args.kind == "peer":
        from bench.peer_spider import PEER_SETTINGS, PeerSpider  # Scrapy 2.11 and trafilatura: .venv-peer only

        settings, spider = Settings(PEER_SETTINGS), PeerSpider
    else:
        settings, spider = Settings(PLAIN_SETTINGS), PlainSpider
    settings.setdict(json.loads(args.settings), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    peaks = {"children_rss_kb": 0.0, "children_pss_kb": 0.0, "tree_rss_kb": 0.0, "tree_pss_kb": 0.0,
             "children": 0, "samples": 0, "sampling_cpu": 0.0}
    trace: list[dict[str, float]] = []

    def sample_rss() -> None:
        """The tree's memory now; the CPU this costs the crawl's thread is noted, for the parent to subtract."""
        began = time.thread_time()
        own = psutil.Process()
        children = own.children(recursive=True)  # one scan of /proc per sample: the costly part
        own_rss = own.memory_info().rss / 1024
        rss: list[float] = []
        pss: list[float] = []
        for proc in children:
            try:
                full = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss.append(full.rss / 1024)
            # PSS as well: forked workers share pages with each other, which a sum of RSS counts once per process.
            pss.append(getattr(full, "pss", full.rss) / 1024)
        own_pss = getattr(own.memory_full_info(), "pss", own_rss * 1024) / 1024
        peaks["children_rss_kb"] = max(peaks["children_rss_kb"], sum(rss))
        peaks["tree_rss_kb"] = max(peaks["tree_rss_kb"], own_rss + sum(rss))
        peaks["children_pss_kb"] = max(peaks["children_pss_kb"], sum(pss))
        peaks["tree_pss_kb"] = max(peaks["tree_pss_kb"], own_pss + sum(pss))
        peaks["children"] = max(peaks["children"], len(children))
        peaks["samples"] += 1
        if args.malloc_trim:
            ctypes.CDLL(None).malloc_trim(0)
        if args.rss_trace:
            trace.append(trace_row())
        peaks["sampling_cpu"] += time.thread_time() - began

    def trace_row() -> dict[str, float]:
        status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        row = {"responses": responses, "t": time.monotonic() - marks["start"]["wall"],
               "rss_kb": float(status["VmRSS"].split()[0]), "hwm_kb": float(status["VmHWM"].split()[0]),
               # Python's small-object heap (pymalloc blocks in use, ~32 bytes each on average) against what
               # the C allocator holds (in use; free but kept): live objects apart from fragmentation.
               "py_blocks": float(sys.getallocatedblocks()), **malloc_kb()}
        engine = crawler.engine
        slot = getattr(engine, "_slot", None) if engine is not None else None
        if engine is not None and slot is not None:
            row["scheduled"] = len(slot.scheduler)
            row["in_progress"] = len(slot.inprogress)
            row["downloading"] = len(engine.downloader.active)
            scraper = engine.scraper.slot
            if scraper is not None:
                row["scraper_queue"] = len(scraper.queue)
                row["scraper_active_kb"] = scraper.active_size / 1024
                row["items_in_pipelines"] = scraper.itemproc_size
        return row

    def engine_started() -> None:
        marks["start"] = snapshot()
        if args.tracemalloc_at:
            tracemalloc.start(4)

    responses = 0

    def response_received() -> None:
        nonlocal responses
        responses += 1
        if responses % args.rss_every == 0:
            sample_rss()
        if responses == args.tracemalloc_at and tracemalloc.is_tracing():
            snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            marks["tracemalloc"] = [
                {"size_mb": stat.size / 1024 / 1024, "count": stat.count,
                 "where": " < ".join(f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback)}
                for stat in snap.statistics("traceback")[:30]
            ]
            marks["tracemalloc_total_mb"] = sum(s.size for s in snap.statistics("filename")) / 1024 / 1024
            tracemalloc.stop()

    def spider_closed(spider: Any, reason: str) -> None:
        sample_rss()  # connected before the crawl's own components: the page readers are still alive
        marks["closed"] = snapshot()
        marks["reason"] = reason

    crawler.signals.connect(engine_started, signal=signals.engine_started)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed)
    crawler.signals.connect(response_received, signal=signals.response_received)
    process.crawl(crawler, **json.loads(args.args))
    process.start()
    marks["end"] = snapshot()
    marks["rss"] = peaks
    if args.rss_trace:
        marks["rss_trace"] = trace
    stats = {k: v if isinstance(v, int | float | str | bool) or v is None else str(v)
             for k, v in (crawler.stats.get_stats() if crawler.stats else {}).items()}
    Path(args.out).write_text(json.dumps({"marks": marks, "stats": stats}, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
