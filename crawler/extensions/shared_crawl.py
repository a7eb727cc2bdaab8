"""One crawl of an outlet shared by several workers through Redis (REDIS_URL, CRAWL_ID).

`scrapy crawl <outlet> -s REDIS_URL=redis://host:port/db -s CRAWL_ID=<id>` makes the process a worker of shared
crawl `<id>`: any number join, on any host, at any time. This extension is the worker's side of the crawl's
state in Redis (crawler/extensions/shared_crawl_redis.py has the layout):

- the worker's name (`w1`, `w2`, ... in the order they joined), which its files carry (`file_stem`);
- the leases on the requests it takes (crawler/schedulers/shared.py takes and releases them), renewed with its
  heartbeat while it lives; an expired lease, or every lease of a worker found dead on this host (its spool
  lock free), is put back in the queue by any worker, so a killed worker loses no page;
- the end: the crawl is finished once nothing is queued, nothing is in flight and no worker is still seeding,
  for SHARED_CRAWL_GRACE seconds; every worker then closes by itself ("finished");
- one archive: the last worker to close writes the crawl's one manifest and one index over every worker's
  files (pipelines/archive/workers.py), then removes the crawl's keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.extensions.crawl import crawl_identity
from crawler.extensions.shared_crawl_redis import CrawlKeys, Scripts, decoded
from pipelines.archive.manifest import jsonable, manifest_key
from pipelines.archive.orphans import ItemAt
from pipelines.archive.recovery import recover_spool
from pipelines.archive.workers import count_items, drop_items, merge_indexes, stem_files, sum_stats
from pipelines.storage.base import Store
from pipelines.storage.spool import PublishedFile, Publisher, SpoolLock

__all__ = ["ArchiveSide", "SharedCrawl", "WholeCrawl", "file_stem", "shared_crawl"]

logger = logging.getLogger(__name__)

# Seconds a dead worker's fetches still count against their host's concurrency once it is found dead.
_DEAD_HOLD = 5.0


def shared_crawl(crawler: Crawler) -> SharedCrawl | None:
    """The worker's shared crawl; None when the crawl is this process's alone (no REDIS_URL)."""
    return crawler.get_extension(SharedCrawl)


def file_stem(crawler: Crawler) -> str:
    """What the names of the crawl's files start with: the crawl id, and in a shared crawl the worker's name."""
    shared = shared_crawl(crawler)
    return shared.stem if shared is not None else crawl_identity(crawler).crawl_id


class ArchiveSide(Protocol):
    """What the worker needs of the crawl's archive (pipelines/archive/extension.py hands itself over)."""

    store: Store
    publisher: Publisher


@dataclass(frozen=True)
class WholeCrawl:
    """What the last worker's manifest covers: the workers' stats summed, and every file of every worker."""

    stats: dict[str, Any]
    files: list[PublishedFile]
    finished: bool

    @property
    def started_at(self) -> datetime:
        """When the first worker started."""
        try:
            return datetime.fromisoformat(str(self.stats["start_time"]))
        except (KeyError, ValueError):
            return datetime.now(UTC)

    def stats_collector(self, crawler: Crawler) -> StatsCollector:
        """The summed stats, read as the crawl's own are."""
        collector = StatsCollector(crawler)
        collector.set_stats(dict(self.stats))
        return collector


class SharedCrawl:
    def __init__(self, crawler: Crawler, client: redis.Redis) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.client = client
        self.grace = settings.getfloat("SHARED_CRAWL_GRACE")
        self.ttl = settings.getfloat("SHARED_CRAWL_LEASE_TTL")
        self.poll = settings.getfloat("SHARED_CRAWL_POLL_INTERVAL")
        self.scripts = Scripts(client)
        self.held: dict[str, Request] = {}
        # Requests taken under a lease and not yet asked for by the engine, in the queue's order.
        self.buffered: dict[str, Request] = {}
        self.prefetch = max(1, settings.getint("SHARED_CRAWL_PREFETCH"))
        self._released_at = 0.0
        self.refused = False
        self.last = False
        self.finished = False
        self._joined: tuple[CrawlKeys, str, str | None] | None = None
        self.archive: ArchiveSide | None = None
        self._extract: ItemAt | None = None
        self._claimed: dict[str, tuple[str, SpoolLock]] = {}
        self._registered = False
        self._seeded = False
        self._ready = False
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawl:
        settings = crawler.settings
        url = settings.get("REDIS_URL")
        if not url:
            raise NotConfigured  # the crawl is this process's alone, as always: nothing to say
        client = redis.Redis.from_url(url, socket_timeout=settings.getfloat("SHARED_CRAWL_REDIS_TIMEOUT"),
                                      health_check_interval=30)
        shared = cls(crawler, client)
        crawler.signals.connect(shared.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(shared.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(shared.spider_closed, signal=signals.spider_closed)
        return shared

    def _join(self) -> tuple[CrawlKeys, str, str | None]:
        """The crawl's keys, this worker's name (the next number of the crawl), or why it cannot join. Settled at
        first use: the crawl's identity is CrawlExtension's, which no extension can ask for while being built."""
        if self._joined is None:
            settings = self.crawler.settings
            identity = crawl_identity(self.crawler)
            keys = CrawlKeys(f"{settings.get('SHARED_CRAWL_KEY_PREFIX')}{identity.outlet}:{identity.crawl_id}")
            error, worker = None, "w0"
            if not settings.get("CRAWL_ID"):
                error = "REDIS_URL makes this process a worker of a shared crawl: name it with -s CRAWL_ID=<id>"
            else:
                try:
                    worker = f"w{self.client.incr(keys.worker_seq)}"
                except redis.RedisError as exc:
                    error = f"Redis at {_where(self.client)} cannot be reached: {exc}"
            self._joined = keys, worker, error
        return self._joined

    @property
    def keys(self) -> CrawlKeys:
        return self._join()[0]

    @property
    def worker(self) -> str:
        return self._join()[1]

    @property
    def error(self) -> str | None:
        return self._join()[2]

    @property
    def stem(self) -> str:
        return f"{crawl_identity(self.crawler).crawl_id}-{self.worker}"

    # Joining.

    def _refuse(self, message: str) -> None:
        self.refused = True
        logger.error("%s: this worker stops before any fetch", message)
        self.crawler.stats.set_value("archive/error", message)
        raise CloseSpider("archive_unwritable")

    async def spider_opened(self) -> None:
        identity = crawl_identity(self.crawler)
        if self.error is not None:
            self._refuse(self.error)
        try:
            await self._check_joinable(identity.crawl_id)
        except CloseSpider:
            for _stem, lock in self._claimed.values():
                lock.release()
            raise
        await asyncio.to_thread(self._register)
        claimed, self._claimed = self._claimed, {}
        await asyncio.to_thread(self._recover_claimed, claimed)
        logger.info("worker %s of shared crawl %s (Redis %s)", self.worker, identity.crawl_id, _where(self.client))
        self.crawler.stats.set_value("shared_crawl/worker", self.worker)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._heartbeats()), loop.create_task(self._pokes())]

    async def _check_joinable(self, crawl_id: str) -> None:
        """Refused: a crawl that has finished, or has its manifest (its keys removed), is not joined again."""
        if await asyncio.to_thread(self._exists, self.keys.finished):
            self._refuse(f"shared crawl {crawl_id} has finished; a new crawl needs a new CRAWL_ID")
        archive = self._archive()
        if archive is not None:
            key = manifest_key(crawl_identity(self.crawler).outlet, crawl_id)
            try:
                written = await asyncio.to_thread(archive.store.head, key) is not None
            except Exception:  # an unreachable store is the archive's to report
                written = False
            if written:
                self._refuse(f"crawl {crawl_id} already has its manifest {archive.store.uri}/{key}")

    def _register(self) -> None:
        pipe = self.client.pipeline()
        pipe.sadd(self.keys.seeding, self.worker)
        pipe.execute()
        self.scripts.heartbeat(keys=[self.keys.workers, self.keys.seeding], args=[int(self.ttl * 1000), self.worker])
        self._registered = True

    def ready(self) -> None:
        """The engine asks for requests: the archive holds this worker's spool lock, so a free lock now means a
        dead worker. Registered for the other workers on this host to find should this one die."""
        if self._ready or not self._registered:
            return
        self._ready = True
        archive = self._archive()
        info = {"host": platform.node(), "pid": os.getpid(), "stem": self.stem,
                "spool": str(archive.publisher.spool_dir) if archive is not None else ""}
        self.client.hset(self.keys.worker_info, self.worker, json.dumps(info))

    def _exists(self, key: str) -> bool:
        return bool(self.client.exists(key))

    def attach(self, archive: ArchiveSide, extract: ItemAt | None) -> None:
        """The archive, at its start and before its look at the spool (which finishes the files of every crawl
        whose spool lock is free): this host's dead workers are claimed first, their files filtered later."""
        self.archive = archive
        self._extract = extract
        self._claimed = self._claim_dead_here()

    def _archive(self) -> ArchiveSide | None:
        return self.archive

    # Leases (the scheduler's).

    def take(self, count: int) -> list[tuple[str, bytes]]:
        """Up to `count` of the best queued requests, each under a lease of this worker's (one script)."""
        got = self.scripts.take(keys=[self.keys.queue, self.keys.inflight, self.keys.leases, self.keys.lease_seq],
                                args=[int(self.ttl * 1000), self.worker, count])
        return [(decoded(got[i]), got[i + 1]) for i in range(0, len(got or []), 2)]

    def keep(self, taken: list[tuple[str, Request]]) -> None:
        """Requests taken ahead of the engine's asking (SHARED_CRAWL_PREFETCH): their leases are this worker's and
        renewed with its heartbeat, their URLs noted in one call for the requeued set should it die."""
        if taken:
            self.buffered.update(taken)
            self.client.hset(self.keys.inflight, mapping={f"{lease}:u": request.url for lease, request in taken})

    def hand_over(self) -> Request | None:
        """The next request taken ahead, now the engine's: its lease is released once the engine is done with it."""
        if not self.buffered:
            return None
        lease = next(iter(self.buffered))
        request = self.held[lease] = self.buffered.pop(lease)
        return request

    def release_finished(self, at_most_every: float = 0.0) -> None:
        """Release the leases of the requests the engine is done with: their responses (or failures) went
        through the spider and the item pipelines, and what they led to is queued (Scrapy's engine keeps each
        request in its slot's `inprogress` until then; no signal says it, so the set is read here). With
        `at_most_every`, not again within that many seconds: a lease released later only holds its request a
        little longer, and every call is a round trip to Redis on the reactor's thread."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None or not self.held:
            return
        if at_most_every and time.monotonic() - self._released_at < at_most_every:
            return
        self._released_at = time.monotonic()
        done = [lease for lease, request in self.held.items() if request not in slot.inprogress]
        if done:
            self.scripts.release(keys=[self.keys.inflight, self.keys.leases], args=done)
            for lease in done:
                del self.held[lease]

    def give_back(self) -> None:
        """Put the requests this worker still holds back in the queue (it closes before the crawl is done)."""
        if self.held or self._registered:
            self.scripts.requeue(keys=[self.keys.queue, self.keys.inflight, self.keys.leases, self.keys.requeued],
                                 args=[self.worker])
            self.held.clear()
            self.buffered.clear()

    # While the worker runs.

    async def _heartbeats(self) -> None:
        every = self.ttl / 3
        while True:
            leases = [*self.held, *self.buffered]
            part = json.dumps({k: jsonable(v) for k, v in self.crawler.stats.get_stats().items()})
            try:
                await asyncio.to_thread(self._beat, leases, self.worker, part)
            except redis.RedisError as exc:
                logger.warning("shared crawl: heartbeat failed (%s); retrying", exc)
            except Exception:
                logger.exception("shared crawl: heartbeat failed")
            await asyncio.sleep(every)

    def _beat(self, leases: list[str], worker: str, part: str = "") -> None:
        """Blocking: this worker's heartbeat (none once it is done), its leases renewed, expired leases and dead
        workers' leases taken back, dead workers' files on this host recovered, its stored files listed."""
        dead = self.scripts.heartbeat(keys=[self.keys.workers, self.keys.seeding],
                                      args=[int(self.ttl * 1000), worker])
        if leases and worker:
            gone = self.scripts.renew(keys=[self.keys.leases], args=[int(self.ttl * 1000), *leases])
            # (not merely released meanwhile)
            lost = [lease for lease in map(decoded, gone) if lease in self.held or lease in self.buffered]
            if lost:
                logger.warning("shared crawl: %d lease(s) of worker %s expired before their renewal (a stall "
                               "longer than SHARED_CRAWL_LEASE_TTL): their pages may be fetched twice",
                               len(lost), worker)
        if part:  # its stats so far: the manifest's count of a worker that dies
            self.client.hset(self.keys.parts, worker, part)
        taken_back = self.scripts.requeue(
            keys=[self.keys.queue, self.keys.inflight, self.keys.leases, self.keys.requeued], args=[""])
        if taken_back:
            logger.warning("shared crawl: %d request(s) whose lease expired are queued again", taken_back)
        for name in dead:
            self._free_politeness(decoded(name))
        self._recover_dead_here()
        self._list_files()

    def _list_files(self) -> None:
        archive = self._archive()
        if archive is None:
            return
        mine = [f for f in list(archive.publisher.files) if _of_stem(f.key, self.stem)]
        if mine:
            self.client.hset(self.keys.files, mapping={f.key: json.dumps(asdict(f)) for f in mine})

    def _recover_dead_here(self) -> None:
        """Workers of this crawl that ran on this host with this spool and whose spool lock is free are dead
        (killed): their leases go back to the queue at once, their open files are finished, the items of the
        requests taken back from them dropped (another worker archives those pages), and their files stored."""
        self._recover_claimed(self._claim_dead_here())

    def _claim_dead_here(self) -> dict[str, tuple[str, SpoolLock]]:
        """The dead workers of this host, their spool locks taken: the archive's own recovery (at a worker's
        start, in `scrapy archive-sync`) then leaves their files alone, as those of running crawls."""
        archive = self._archive()
        if archive is None or self.error is not None:
            return {}
        spool = archive.publisher.spool_dir
        infos = {decoded(k): json.loads(v) for k, v in self.client.hgetall(self.keys.worker_info).items()}
        claimed: dict[str, tuple[str, SpoolLock]] = {}
        for worker, info in infos.items():
            if worker == self.worker or info.get("host") != platform.node() or info.get("spool") != str(spool):
                continue
            try:
                claimed[worker] = info["stem"], SpoolLock(spool, info["stem"])
            except BlockingIOError:
                continue  # alive
        return claimed

    def _recover_claimed(self, claimed: dict[str, tuple[str, SpoolLock]]) -> None:
        # Every dead worker's lock is held before any recovery: recovery finishes the files of crawls whose lock
        # is free, and those of a dead worker must be filtered first.
        archive = self._archive()
        try:
            for worker, (stem, _lock) in claimed.items():
                if archive is not None and self.client.hexists(self.keys.worker_info, worker):  # else done meanwhile
                    self._recover_dead(worker, stem, archive)
        finally:
            for _stem, lock in claimed.values():
                lock.release()

    def _recover_dead(self, worker: str, stem: str, archive: ArchiveSide) -> None:
        keys = self.keys
        spool = archive.publisher.spool_dir
        taken_back = self.scripts.requeue(keys=[keys.queue, keys.inflight, keys.leases, keys.requeued],
                                          args=[worker])
        pipe = self.client.pipeline()
        pipe.zrem(keys.workers, worker)
        pipe.srem(keys.seeding, worker)
        pipe.execute()
        self._free_politeness(worker)
        prefix = f"{worker}\t"
        members = (decoded(m) for m in self.client.smembers(keys.requeued))
        urls = {m.removeprefix(prefix) for m in members if m.startswith(prefix)}
        recover_spool(spool, own_crawl=stem, store=archive.store, extract=self._extract)
        dropped = drop_items(spool, stem, urls)
        stored = [archive.publisher.publish_now(path, key) for path, key in stem_files(spool, stem)]
        if stored:
            self.client.hset(keys.files, mapping={f.key: json.dumps(asdict(f)) for f in stored})
        # Its stats are those of its last heartbeat; its items, those its batches hold now.
        files = [PublishedFile(**json.loads(v)) for v in self.client.hgetall(keys.files).values()]
        batches = [f.key for f in files if f.key.startswith("items/") and _of_stem(f.key, stem)]
        part = json.loads(self.client.hget(keys.parts, worker) or "{}")
        part["item_scraped_count"] = count_items(archive.store.read(key) for key in batches)
        self.client.hset(keys.parts, worker, json.dumps(part))
        self.client.hdel(keys.worker_info, worker)
        logger.warning("shared crawl: worker %s died on this host: %d request(s) it held queued again, %d of its "
                       "item(s) left to the workers that fetch them again, %d of its file(s) stored", worker,
                       taken_back, dropped, len(stored))

    def _free_politeness(self, worker: str) -> None:
        """A dead worker's fetches stop counting against their host's concurrency _DEAD_HOLD seconds from now (the
        outlet may still be answering them), not at the expiry of their tokens (DOWNLOAD_TIMEOUT and more)."""
        prefix = f"{worker}:"
        seconds, micros = self.client.time()
        until = seconds * 1000 + micros // 1000 + int(_DEAD_HOLD * 1000)
        for key in self.client.scan_iter(match=f"{self.keys.ns}:polite:*:active"):
            tokens = [t for t in map(decoded, self.client.zrange(key, 0, -1)) if t.startswith(prefix)]
            if tokens:
                self.client.zadd(key, dict.fromkeys(tokens, until), xx=True, lt=True)

    async def _pokes(self) -> None:
        """An idle engine looks at its scheduler every 5 s (its heartbeat); other workers queue requests and
        finish the crawl meanwhile. The engine's next call is scheduled every SHARED_CRAWL_POLL_INTERVAL."""
        while True:
            await asyncio.sleep(self.poll)
            slot = getattr(self.crawler.engine, "_slot", None)
            if slot is not None and not slot.closing:
                slot.nextcall.schedule()

    def spider_idle(self) -> None:
        """Nothing to do here: close only once the whole crawl is finished (or this worker was refused)."""
        if self.refused or not self._registered:
            return
        self.release_finished()
        if not self._seeded:  # the engine is idle only once start() is exhausted
            self._seeded = True
            self.client.srem(self.keys.seeding, self.worker)
        keys = self.keys
        if self.scripts.finished(keys=[keys.queue, keys.leases, keys.seeding, keys.idle_since, keys.finished,
                                       keys.workers], args=[int(self.grace * 1000)]):
            self.finished = True
            logger.info("shared crawl %s is finished: nothing queued or in flight for %.1f s",
                        crawl_identity(self.crawler).crawl_id, self.grace)
            return
        raise DontCloseSpider

    # Closing.

    async def whole_crawl(self, reason: str) -> WholeCrawl | None:
        """Called by the archive once this worker's files are stored. None: other workers still run (or this one
        was refused), and the last one writes the manifest; else what the crawl's one manifest covers."""
        if self.refused or not self._registered:
            return None
        await self._stop()
        await asyncio.to_thread(self.give_back)
        archive = self._archive()
        await asyncio.to_thread(self._list_files)
        part = {k: jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        keys = self.keys
        deadline = asyncio.get_running_loop().time() + self.ttl + self.grace + 5
        again = "0"
        while True:
            live = await asyncio.to_thread(
                self.scripts.done, keys=[keys.workers, keys.seeding, keys.parts, keys.closer],
                args=[self.worker, json.dumps(part), again])
            again = "1"
            if live < 0:
                return None
            if live == 0:
                break
            finished = self.finished or await asyncio.to_thread(self._exists, keys.finished)
            if not finished or asyncio.get_running_loop().time() > deadline:
                logger.info("worker %s done (%s); %d other worker(s) go on, the last writes the manifest",
                            self.worker, reason, live)
                return None
            # The crawl is finished: the others are closing too, or dead and soon found so.
            await asyncio.to_thread(self._beat, [], "")
            await asyncio.sleep(0.2)
        self.last = True
        if archive is None:  # no archive, no files: nothing to gather
            return WholeCrawl(stats={}, files=[], finished=self.finished)
        return await asyncio.to_thread(self._gather, archive)

    def _gather(self, archive: ArchiveSide) -> WholeCrawl:
        self._recover_dead_here()
        identity = crawl_identity(self.crawler)
        keys = self.keys
        files = [PublishedFile(**json.loads(v)) for v in self.client.hgetall(keys.files).values()]
        parts = [json.loads(v) for v in self.client.hgetall(keys.parts).values()]
        prefix = f"indexes/{identity.outlet}/{identity.crawl_id}-"
        index_parts = [f for f in files if f.key.startswith(prefix) and f.key.endswith(".cdxj")]
        files = [f for f in files if f not in index_parts]
        if index_parts:
            key = f"indexes/{identity.outlet}/{identity.crawl_id}.cdxj"
            local = archive.publisher.spool_path(key)

            def read(part: PublishedFile) -> bytes:
                return archive.store.read(part.key) if part.stored else \
                    archive.publisher.spool_path(part.key).read_bytes()

            lines = merge_indexes((read(p) for p in index_parts), local)
            merged = archive.publisher.publish_now(local, key)
            files.append(merged)
            if merged.stored:
                for part in index_parts:
                    if part.stored:
                        archive.store.delete(part.key)
                    else:
                        archive.publisher.spool_path(part.key).unlink(missing_ok=True)
            logger.info("shared crawl: %d index part(s) merged into %s (%d lines)", len(index_parts), key, lines)
        finished = self.finished or self._exists(keys.finished)
        return WholeCrawl(stats=sum_stats(parts), files=sorted(files, key=lambda f: f.key), finished=finished)

    async def closed(self) -> None:
        """The archive's last step (its files stored, the manifest written by the last worker): the last worker
        removes the crawl's keys; any other leaves the lists of live workers."""
        await self._stop()
        if not self._registered:
            return
        await asyncio.to_thread(self._leave)

    def _leave(self) -> None:
        if self.last:
            names = list(self.client.scan_iter(match=f"{self.keys.ns}:*"))
            if names:
                self.client.delete(*names)
            logger.info("shared crawl %s: its %d Redis key(s) removed", crawl_identity(self.crawler).crawl_id,
                        len(names))
            return
        self.give_back()
        pipe = self.client.pipeline()
        pipe.zrem(self.keys.workers, self.worker)
        pipe.srem(self.keys.seeding, self.worker)
        pipe.hdel(self.keys.worker_info, self.worker)
        pipe.execute()

    async def spider_closed(self) -> None:
        if self._archive() is None:  # with the archive, its close path calls whole_crawl and closed in order
            await self.whole_crawl("closed")
            await self.closed()

    async def _stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []


def _of_stem(key: str, stem: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return name.startswith((stem + "-", stem + "."))


def _where(client: redis.Redis) -> str:
    """Host, port and database of a client: never its password."""
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
