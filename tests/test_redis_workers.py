"""One outlet crawled by several workers through Redis (REDIS_URL, CRAWL_ID): docs/scale-out.md.

A real redis-server (Debian's, no persistence) on a free 127.0.0.1 port; the replica served in this process, each
answer held back a little so that a crawl lasts long enough to kill a worker in the middle of it, and every GET
counted while it is answered (the most at once is what the outlet's politeness must bound).
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from pipelines.archive.lease import LeaseHeld, OutletLease
from pipelines.archive.workers import count_items, drop_items, stem_files
from pipelines.storage.file import FileStore
from tests.crawl_runner import ROOT, Crawl, crawl_command, glob_now, read_items, scrapy_env
from tests.replica.server import ReplicaHandler, ReplicaHTTPServer, load_site
from tests.s3_server import free_port

REDIS_SERVER = "/usr/bin/redis-server"
CRAWL_ID = "shared-crawl-1"
CONCURRENCY = 2  # the outlet's politeness for the run: at most this many fetches at once, across all workers



@pytest.fixture
def redis_url() -> Iterator[str]:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is missing: `make system-deps` installs Debian's package")
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    with redis.Redis(port=port) as client:
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    proc.kill()
                    raise
                time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


class _CountingServer(ReplicaHTTPServer):
    def __init__(self, pause: float) -> None:
        super().__init__(("127.0.0.1", 0), load_site())
        self.RequestHandlerClass = _CountingHandler
        self.pause = pause
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.answered = 0


class _CountingHandler(ReplicaHandler):
    """A request counts from its arrival until its answer starts going out: the client can send its next one
    only once it has the answer, so two requests of one budget token never overlap here."""

    server: _CountingServer
    _counted = False

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.active += 1
            server.peak = max(server.peak, server.active)
        self._counted = True
        try:
            time.sleep(server.pause)
            super().do_GET()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the killed worker's connections
        finally:
            self._uncount()

    def _send(self, *args: Any, **kwargs: Any) -> None:
        self._uncount()
        super()._send(*args, **kwargs)

    def _uncount(self) -> None:
        if self._counted:
            self._counted = False
            with self.server.lock:
                self.server.active -= 1
                self.server.answered += 1


@pytest.fixture
def slow_replica() -> Iterator[_CountingServer]:
    server = _CountingServer(pause=0.25)
    thread = threading.Thread(target=server.serve_forever, name="replica", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _worker(archive: Path, url: str, redis_url: str, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    settings = {"REDIS_URL": redis_url, "CRAWL_ID": CRAWL_ID, "SHARED_CRAWL_GRACE": "2",
                "SHARED_CRAWL_LEASE_TTL": "10", "CONCURRENT_REQUESTS_PER_DOMAIN": str(CONCURRENCY), **extra}
    cmd = crawl_command("globalresearch", base_url=url, archive=archive, settings=settings)
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=scrapy_env(), stdout=out, stderr=subprocess.STDOUT)


def _requests(server: _CountingServer) -> list[dict[str, Any]]:
    log = server.site.request_log()
    assert log["dropped"] == 0
    return list(log["requests"])


def _held_back(logs: list[str]) -> int:
    """Requests the surviving workers queued again: a dead worker's, found on this host or by expiry."""
    found = 0
    for text in logs:
        found += sum(int(n) for n in re.findall(r"died on this host: (\d+) request\(s\) it held queued again", text))
        found += sum(int(n) for n in re.findall(r"(\d+) request\(s\) whose lease expired are queued again", text))
    return found


@pytest.mark.slow
def test_workers_share_one_crawl_and_a_killed_worker_loses_nothing(
        tmp_path: Path, redis_url: str, slow_replica: _CountingServer, replica_crawl: Crawl) -> None:
    archive = tmp_path / "archive"
    url = f"http://127.0.0.1:{slow_replica.server_address[1]}"
    logs = [tmp_path / f"worker{n}.log" for n in range(4)]
    first, second, killed = (_worker(archive, url, redis_url, logs[n]) for n in range(3))
    # Killed in the middle of the crawl (~70 answers in all), once it has archived something (its WARC is open),
    # holding requests (each worker takes some ahead).
    deadline = time.monotonic() + 60
    killed_stem = ""
    while time.monotonic() < deadline:
        named = re.search(r"worker (w\d+) of shared crawl", logs[2].read_text())
        killed_stem = f"{CRAWL_ID}-{named[1]}" if named else ""
        if killed_stem and slow_replica.answered >= 20 and \
                glob_now(archive / ".spool", f"warc/**/{killed_stem}-*.warc.gz.open"):
            break
        time.sleep(0.05)
    assert killed.poll() is None and killed_stem, logs[2].read_text()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    third = _worker(archive, url, redis_url, logs[3])  # joins the running crawl
    for worker in (first, second, third):
        worker.wait(timeout=90)  # they end by themselves: nothing signals them
    texts = [log.read_text() for log in logs]
    for n in (0, 1, 3):
        assert (first, second, killed, third)[n].returncode == 0, texts[n][-3000:]
        assert "is finished: nothing queued or in flight" in texts[n]

    # Every article once, the same articles as a crawl of one process.
    items = read_items(archive)
    fetched = collections.Counter(item["fetched_url"].removeprefix(url) for item in items)
    assert fetched and max(fetched.values()) == 1, fetched
    alone = {item["fetched_url"].split("/", 3)[3] for item in replica_crawl.items()}
    assert {path.lstrip("/") for path in fetched} == alone
    assert {item["crawl_id"] for item in items} == {CRAWL_ID}

    # No page fetched twice, but those the killed worker held (robots.txt is each worker's own).
    answered = collections.Counter(r["path"] for r in _requests(slow_replica)
                                   if r["method"] == "GET" and r["status"] == 200 and r["path"] != "/robots.txt")
    twice = [path for path, n in answered.items() if n > 1]
    assert len(twice) <= _held_back(texts), (twice, _held_back(texts))
    assert _held_back(texts) >= 1  # the kill found it holding requests: the test tested something

    # One manifest and one index for the crawl, listing every worker's files, the killed one's too.
    manifests = sorted(archive.glob("crawls/**/*.json"))
    assert [p.name for p in manifests] == [f"{CRAWL_ID}.json"]
    manifest = json.loads(manifests[0].read_text())
    assert manifest["status"] == "finished"
    listed = {f["key"] for f in manifest["files"]}
    on_disk = {p.relative_to(archive).as_posix() for p in archive.rglob("*")
               if p.is_file() and p.relative_to(archive).parts[0] not in (".spool", "crawls", "leases")}
    assert listed == on_disk
    assert [k for k in listed if k.startswith("indexes/")] == [f"indexes/globalresearch/{CRAWL_ID}.cdxj"]
    assert any(Path(k).name.startswith(killed_stem + "-") for k in listed), sorted(listed)
    assert manifest["counts"]["articles"] == len(items)
    assert not list(archive.glob(".spool/**/*.open"))
    assert not list(archive.glob("leases/*"))  # the last worker released the outlet's lease
    with redis.Redis.from_url(redis_url) as client:
        assert not client.keys("outlet-archive:*")  # the crawl's keys removed

    # Politeness shared: never more fetches at once than the outlet allows, whatever the number of workers.
    assert slow_replica.peak <= CONCURRENCY

    # The archive checks out from outside.
    done = subprocess.run([sys.executable, "-m", "scrapy", "verify", "-s", f"ARCHIVE_URI={archive}"], cwd=ROOT,
                          env=scrapy_env(), capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    # A worker that comes after the end starts nothing: one line, exit 2, the archive unchanged.
    before = sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file())
    late = _worker(archive, url, redis_url, tmp_path / "late.log")
    assert late.wait(timeout=60) == 2
    assert f"crawl {CRAWL_ID} already has its manifest" in (tmp_path / "late.log").read_text()
    assert sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file()
                  and ".active" not in p.parts) == before


@pytest.mark.slow
@pytest.mark.parametrize(("settings", "says"), [
    ({}, "name it with -s CRAWL_ID=<id>"),
    ({"CRAWL_ID": "c1", "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, "cannot be reached"),
])
def test_a_worker_that_cannot_join_stops_before_any_fetch(tmp_path: Path, redis_url: str, replica_url: str,
                                                          settings: dict[str, str], says: str) -> None:
    cmd = crawl_command("globalresearch", base_url=replica_url, archive=tmp_path / "archive",
                        settings={"REDIS_URL": redis_url, **settings})
    done = subprocess.run(cmd, cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and says in errors[0], errors
    assert not list((tmp_path / "archive").glob("warc/**/*.warc.gz"))
    assert not list((tmp_path / "archive").glob("crawls/**/*.json"))
    assert not list((tmp_path / "archive").glob("leases/*"))


def test_the_outlet_lease_lets_the_workers_of_one_shared_crawl_in_and_no_one_else(tmp_path: Path) -> None:
    store = FileStore.from_uri(str(tmp_path), None)
    first = OutletLease(store, "globalresearch", "c1", 60, shared=True)
    first.acquire()
    OutletLease(store, "globalresearch", "c1", 60, shared=True).acquire()  # another worker of c1
    for crawl_id, shared in (("c2", True), ("c2", False), ("c1", False)):  # unrelated, or c1 alone
        with pytest.raises(LeaseHeld):
            OutletLease(store, "globalresearch", crawl_id, 60, shared=shared).acquire()
    # A shared lease renewed last by a process of this host that is gone still belongs to the crawl's others.
    lease = json.loads((tmp_path / "leases" / "globalresearch.json").read_text())
    lease["pid"] = _dead_pid()
    (tmp_path / "leases" / "globalresearch.json").write_text(json.dumps(lease))
    with pytest.raises(LeaseHeld):
        OutletLease(store, "globalresearch", "c2", 60).acquire()
    # Once expired, it is anyone's.
    lease["expires_at"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    (tmp_path / "leases" / "globalresearch.json").write_text(json.dumps(lease))
    OutletLease(store, "globalresearch", "c2", 60).acquire()


def _dead_pid() -> int:
    proc = subprocess.Popen([shutil.which("true") or "/bin/true"])
    proc.wait()
    return proc.pid


def test_a_dead_workers_items_of_pages_fetched_again_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    folder = tmp_path / "items" / "globalresearch" / "2026" / "11" / "30"
    folder.mkdir(parents=True)
    lines = [json.dumps({"fetched_url": f"http://x/{n}", "url": f"http://x/{n}"}) + "\n" for n in range(4)]
    for name, batch in (("c1-w1-00000.jsonl.gz", lines[:3]), ("c1-w1-00001.jsonl.gz", lines[3:]),
                        ("c1-w10-00000.jsonl.gz", lines)):  # another worker's: not touched
        with gzip.open(folder / name, "wt", encoding="utf-8") as out:
            out.writelines(batch)
    assert drop_items(tmp_path, "c1-w1", {"http://x/1", "http://x/3"}) == 2
    kept = [json.loads(line)["fetched_url"] for p in sorted(folder.glob("c1-w1-*"))
            for line in gzip.decompress(p.read_bytes()).splitlines()]
    assert kept == ["http://x/0", "http://x/2"]
    assert not (folder / "c1-w1-00001.jsonl.gz").exists()  # emptied: gone, not an empty batch
    assert count_items([(folder / "c1-w10-00000.jsonl.gz").read_bytes()]) == 4
    assert [key for _, key in stem_files(tmp_path, "c1-w1")] == ["items/globalresearch/2026/11/30/c1-w1-00000.jsonl.gz"]


def test_a_done_fetchs_token_goes_back_with_the_next_ask_or_within_50_ms(redis_url: str) -> None:
    """One round trip a fetch: the token of a fetch done goes back to the host's budget inside the worker's next
    ask for that host (the script removes it before it counts), and within 50 ms when no fetch asks meanwhile."""
    import asyncio
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.http import Response

    from crawler.extensions.shared_crawl_redis import CrawlKeys, Scripts
    from crawler.middlewares.shared_politeness import SharedPolitenessMiddleware

    client = redis.Redis.from_url(redis_url)
    keys = CrawlKeys("t:outlet:crawl")
    shared = SimpleNamespace(client=client, scripts=Scripts(client), keys=keys, worker="w1", error=None,
                             refused=False)
    crawler = SimpleNamespace(stats=SimpleNamespace(inc_value=lambda *a, **k: None))
    middleware = SharedPolitenessMiddleware(crawler, shared, 0.0, 1, 60.0)  # type: ignore[arg-type]
    active, _ = keys.politeness("news.example")

    async def run() -> tuple[int, int, int]:
        first, second, third = (Request(f"https://news.example/{n}") for n in range(3))
        await middleware.process_request(first)
        assert client.zcard(active) == 1
        middleware.process_response(first, Response(first.url))
        held_after_response = client.zcard(active)  # not yet given back: it goes with the next ask
        await asyncio.wait_for(middleware.process_request(second), 1)  # concurrency 1: only if first's went back
        held_with_second = client.zcard(active)
        middleware.process_response(second, Response(second.url))
        await asyncio.sleep(0.2)  # no ask meanwhile: given back by itself
        held_when_idle = client.zcard(active)
        await asyncio.wait_for(middleware.process_request(third), 1)
        return held_after_response, held_with_second, held_when_idle

    assert asyncio.run(run()) == (1, 1, 0)


def test_requests_taken_ahead_stay_leased_until_the_engine_is_done_and_go_back_with_their_worker(
        redis_url: str) -> None:
    """SHARED_CRAWL_PREFETCH: one script takes several requests, each under a lease; a request taken ahead and not
    yet asked for by the engine is no request the engine is done with (its lease is kept), and a closing worker
    puts it back in the queue with the others it holds."""
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.settings import Settings

    from crawler.extensions.shared_crawl import SharedCrawl
    from crawler.extensions.shared_crawl_redis import CrawlKeys

    client = redis.Redis.from_url(redis_url)
    crawler = SimpleNamespace(settings=Settings({"SHARED_CRAWL_GRACE": 1, "SHARED_CRAWL_LEASE_TTL": 30,
                                                 "SHARED_CRAWL_POLL_INTERVAL": 0.5, "SHARED_CRAWL_PREFETCH": 4}),
                              engine=SimpleNamespace(_slot=SimpleNamespace(inprogress=set())))
    shared = SharedCrawl(crawler, client)  # type: ignore[arg-type]
    shared_keys = CrawlKeys("t:outlet:crawl")
    shared._joined = (shared_keys, "w1", None)  # (as joining the crawl settles them)
    for n in range(6):  # priorities 6..1: the queue's best first
        shared.scripts.enqueue(keys=[shared_keys.seen, shared_keys.queue], args=[f"fp{n}", -(6 - n), f"r{n}"])

    taken = shared.take(shared.prefetch)
    assert [data for _, data in taken] == [b"r0", b"r1", b"r2", b"r3"]
    assert client.zcard(shared_keys.queue) == 2 and client.zcard(shared_keys.leases) == 4
    shared.keep([(lease, Request(f"https://news.example/{data.decode()}")) for lease, data in taken])
    assert client.hget(shared_keys.inflight, f"{taken[0][0]}:u") == b"https://news.example/r0"

    request = shared.hand_over()
    assert request is not None and request.url == "https://news.example/r0"
    assert len(shared.held) == 1 and len(shared.buffered) == 3
    shared.release_finished()  # the engine is done with r0 (not in progress); r1-r3 were never handed to it
    assert client.zcard(shared_keys.leases) == 3 and not shared.held and len(shared.buffered) == 3

    shared._registered = True
    shared.give_back()  # the worker closes: what it took ahead goes back in the queue, at its priority
    assert client.zcard(shared_keys.leases) == 0 and not shared.buffered
    assert client.zrange(shared_keys.queue, 0, -1) == [b"r1", b"r2", b"r3", b"r4", b"r5"]
