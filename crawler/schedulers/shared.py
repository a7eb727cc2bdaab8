"""The scheduler of a shared crawl: scrapy-redis's Scheduler and RFPDupeFilter, with a lease on every request.

Set by the shared crawl's add-on (crawler/addons/shared_crawl.py) when REDIS_URL is given. The queue and the
seen set are scrapy-redis's (its PriorityQueue's encoding, its RFPDupeFilter's fingerprints); what it lacks for
workers that come and go is added here, with the shared crawl's state (crawler/extensions/shared_crawl.py):

- a request is seen and queued in one step (a Lua script): a worker killed between the two would leave a
  fingerprint seen and its request never queued;
- every request of the spider goes through the seen set, those it marks dont_filter too (its seeds): every
  worker runs the same start(), and a joining worker must not fetch the seeds again. Only retries (Scrapy's
  RetryMiddleware copies, `retry_times` in meta) are queued unfiltered;
- a request taken from the queue is held under a lease until the engine is done with it (its response went
  through the spider and the item pipelines, and what it led to is queued), not merely until it is dequeued;
- requests are taken a few at a time (SHARED_CRAWL_PREFETCH), under leases renewed like the others until the engine
  asks for them: every call to Redis is a round trip on the reactor's thread, which one worker spent a third of
  its time waiting on when each request took its own;
- SCHEDULER_PERSIST's choice is not the worker's: closing never clears the queue or the seen set, which the
  other workers share; the last worker of the crawl removes its keys.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler.extensions.shared_crawl import SharedCrawl, shared_crawl

__all__ = ["SharedScheduler"]

# How often the engine's asking for a request releases the leases of those it is done with (has_pending_requests,
# asked when the engine may be idle, always does).
_RELEASE_EVERY = 0.1


class SharedScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis is untyped
    def __init__(self, crawler: Crawler, shared: SharedCrawl) -> None:
        keys = shared.keys
        super().__init__(
            server=shared.client,
            persist=True,  # never cleared by a closing worker: the last one removes the crawl's keys
            queue_key=keys.queue.replace("%", "%%"),  # scrapy-redis formats it with the spider's name
            queue_cls="scrapy_redis.queue.PriorityQueue",
            dupefilter=RFPDupeFilter(shared.client, keys.seen, debug=crawler.settings.getbool("DUPEFILTER_DEBUG")),
            dupefilter_key=keys.seen,
        )
        self.crawler = crawler
        self.shared = shared
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        shared = shared_crawl(crawler)
        if shared is None:
            raise RuntimeError("SharedScheduler needs REDIS_URL and the SharedCrawl extension in EXTENSIONS")
        return cls(crawler, shared)

    def open(self, spider: Spider) -> None:
        if self.shared.error is None:  # else the worker is refused at spider_opened, before any request
            super().open(spider)

    def close(self, reason: str) -> None:
        if self.shared.error is None and not self.shared.refused:
            self.shared.give_back()

    def enqueue_request(self, request: Request) -> bool:
        if self.shared.error is not None or self.shared.refused:
            return False
        keys = self.shared.keys
        data = self.queue._encode_request(request)  # scrapy-redis's own encoding of its queue
        score = -request.priority
        if request.dont_filter and "retry_times" in request.meta:
            self.shared.scripts.push(keys=[keys.queue], args=[score, data])
        elif not self.shared.scripts.enqueue(keys=[keys.seen, keys.queue],
                                             args=[self.df.request_fingerprint(request), score, data]):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.shared.error is not None or self.shared.refused:
            return None
        self.shared.ready()
        self.shared.release_finished(at_most_every=_RELEASE_EVERY)
        if not self.shared.buffered:
            taken = self.shared.take(self.shared.prefetch)
            self.shared.keep([(lease, self.queue._decode_request(data)) for lease, data in taken])
        request = self.shared.hand_over()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.shared.error is not None or self.shared.refused:
            return False
        if self.shared.buffered:
            return True
        self.shared.release_finished()
        return len(self) > 0
