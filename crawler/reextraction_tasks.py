"""`scrapy reextract` over many WARC files: one task per file, run here, in a process pool or on a Dask cluster.

Two rounds of tasks. The first scans every file (crawler.reextraction.scan_warc: where its responses are, what
its revisits refer to, which outlets it holds); the second extracts each file's items, in file order, into
`<name>.jsonl` of the output folder, written under a temporary name, flushed to disk and renamed, so that a run
killed half way leaves no half file under a final name. A task gets plain, picklable values (the
ExtractionRules, the file, the records its revisits refer to in other files) and hands back plain values, its
warnings among them: a pool process or a Dask worker logs nowhere the user looks, so the command logs them.

Across machines, the WARC files and the output folder must be at the same paths on every Dask worker (a shared
file system), and the project installed in the workers' environment. Extraction is Python bound by the GIL:
workers of one thread each (`dask worker --nworkers N --nthreads 1`) use the cores.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from warcio.exceptions import ArchiveLoadFailed

from crawler.reextraction import ExtractionRules, RecordReader, WarcScan

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DaskRunner", "FileOutcome", "InProcessRunner", "PoolRunner", "Runner", "WarcTask", "extract_to",
           "extract_to_folder", "output_name", "usable_cores"]

_T = TypeVar("_T")
LogLine = tuple[int, str, str]
"""A captured log record: level, logger name, message."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container or taskset limits it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def output_name(path: Path) -> str:
    """`<crawl_id>-00003.warc.gz` → `<crawl_id>-00003.jsonl`."""
    name = path.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return name.removesuffix(suffix) + ".jsonl"
    return name + ".jsonl"


@dataclass(frozen=True)
class WarcTask:
    """One file's extraction, as the scan round left it."""

    path: Path
    whole: int
    size: int
    payloads: Mapping[str, tuple[Path, int]] = field(default_factory=dict)
    """The response records of other files (or its own) that its revisits refer to: id → (file, offset)."""

    @classmethod
    def of(cls, scan: WarcScan, responses: Mapping[str, tuple[Path, int]]) -> WarcTask:
        return cls(scan.path, scan.whole, scan.size,
                   {ref: responses[ref] for ref in sorted(scan.refers_to) if ref in responses})


@dataclass
class FileOutcome:
    """What a file's extraction gave: its item count, the one line saying what is wrong with it (if anything)."""

    path: Path
    items: int = 0
    problem: str | None = None
    readable: bool = True
    """False for a file that could not be read through, or is no WARC (a cut file is read as far as it is whole)."""
    output: Path | None = None
    logs: list[LogLine] = field(default_factory=list)


def extract_to(rules: ExtractionRules, task: WarcTask, sink: TextIO) -> FileOutcome:
    """Write a file's items to `sink` as JSON Lines, in file order. A file that cannot be read or is not a WARC
    has a problem and keeps what was written before it showed; a cut one keeps the items of what is whole."""
    outcome = FileOutcome(task.path)
    try:
        for item in RecordReader(rules, task.payloads).items_of(task.path, end=task.whole):
            sink.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
            outcome.items += 1
    except OSError as exc:
        outcome.problem, outcome.readable = f"cannot read {task.path}: {exc.strerror or exc}", False
    except ArchiveLoadFailed:
        outcome.problem, outcome.readable = f"not a WARC file: {task.path}", False
    else:
        if task.whole < task.size:
            outcome.problem = (f"{task.path} is cut short: whole up to byte {task.whole} of {task.size}; "
                               f"{outcome.items} item(s) kept from what is whole")
    return outcome


def extract_to_folder(rules: ExtractionRules, task: WarcTask, folder: Path, capture_logs: bool) -> FileOutcome:
    """A file's items into `folder/<name>.jsonl`, renamed into place once whole (a cut WARC's items too, with its
    problem); a file that is unreadable or no WARC leaves no output."""
    target = folder / output_name(task.path)
    with _captured_logs(capture_logs) as logs:
        # A hidden name of its own, then os.replace: the standard library's atomic publish (tempfile's files
        # would be 0600; this one gets the umask's mode, as the final file should).
        part = folder / f".{target.name}.{uuid.uuid4().hex[:12]}.part"
        with part.open("x", encoding="utf-8") as handle:
            try:
                outcome = extract_to(rules, task, handle)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        if outcome.readable:
            part.replace(target)
            outcome.output = target
        else:
            part.unlink()
    outcome.logs = logs
    return outcome


@contextmanager
def _captured_logs(capture: bool) -> Iterator[list[LogLine]]:
    """The warnings logged while a task runs, to hand back to the command (in a worker, nobody reads them)."""
    lines: list[LogLine] = []
    if not capture:
        yield lines
        return
    thread = threading.get_ident()  # a Dask worker may run several tasks at once, in threads

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                lines.append((record.levelno, record.name, record.getMessage()))

    root = logging.getLogger()
    handler, level = Collect(logging.WARNING), root.level
    root.addHandler(handler)
    root.setLevel(min(level or logging.WARNING, logging.WARNING))
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class Runner:
    """Where tasks run: `each(fn, calls)` yields (index of the call, its result or the exception it raised), as
    they finish."""

    remote = False
    """Whether tasks run in other processes (their warnings are captured and handed back)."""

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def share(self, value: _T) -> _T:
        """A value every task gets (sent once per worker where the engine allows)."""
        return value

    def each(self, fn: Callable[..., _T], calls: list[tuple[Any, ...]]) -> Iterator[tuple[int, _T | BaseException]]:
        for index, args in enumerate(calls):
            try:
                yield index, fn(*args)
            except Exception as exc:
                yield index, exc


class InProcessRunner(Runner):
    """One task after another, in this process."""


class PoolRunner(Runner):
    """A pool of processes on this machine (concurrent.futures)."""

    remote = True

    def __init__(self, workers: int) -> None:
        # forkserver, not fork: the command's process may hold threads (tqdm's monitor, logging), which fork
        # copies in whatever state they are; the server imports the task module once, and forks workers from it.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawler.reextraction_tasks"])
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def each(self, fn: Callable[..., _T], calls: list[tuple[Any, ...]]) -> Iterator[tuple[int, _T | BaseException]]:
        futures: dict[Future[_T], int] = {self.pool.submit(fn, *args): index for index, args in enumerate(calls)}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], (error if error is not None else future.result())


class DaskRunner(Runner):
    """The workers of a Dask cluster (dask.distributed), through its scheduler's address."""

    remote = True

    def __init__(self, client: Client) -> None:
        self.client = client

    @classmethod
    def connect(cls, address: str, timeout: float = 10) -> DaskRunner:
        from distributed import Client  # imported only for --dask: it takes a second

        return cls(Client(address, timeout=timeout, set_as_default=False))

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def share(self, value: _T) -> _T:
        shared: _T = self.client.scatter(value, broadcast=True, hash=False)  # a Future standing for the value
        return shared

    def each(self, fn: Callable[..., _T], calls: list[tuple[Any, ...]]) -> Iterator[tuple[int, _T | BaseException]]:
        from distributed import as_completed as dask_completed

        # pure=False: a task writes a file, so two equal calls are two tasks, never one result shared.
        futures = {self.client.submit(fn, *args, pure=False): index for index, args in enumerate(calls)}
        for future in dask_completed(futures, loop=self.client.loop):
            if future.status == "error":
                yield futures[future], future.exception()
            else:
                yield futures[future], future.result()
