"""Scrapy's own scheduler, with the pending requests on disk whether or not the crawl has a JOBDIR.

Without JOBDIR, Scrapy keeps every pending request in memory: a sitemap of 20,000 articles is 20,000 Request
objects held until each is fetched, so a crawl's memory grew with the outlet's size (bench/RESULTS.md). With
SCHEDULER_SPILL_ENABLED, a crawl without JOBDIR queues its requests in Scrapy's own disk queues
(SCHEDULER_DISK_QUEUE), in a scratch folder under SCHEDULER_SPILL_DIR (the system's temporary folder when empty)
that is removed when the crawl closes: nothing is resumed from it, JOBDIR remains the way to resume. A request
that cannot be pickled falls back to the memory queue, as in any JOBDIR crawl. Requests therefore keep to spider
methods for their callbacks, as JOBDIR already asks.

Scrapy's PickleLifoDiskQueue (SCHEDULER_DISK_QUEUE's default) turns each request into its dict with
Request.to_dict(spider=...), which finds the callback's and the errback's names by inspect.getmembers over every
attribute of the spider, properties read and all: ~60 µs a request, most of what the disk queue costs a page. The
scheduler swaps it for NamedCallbacksLifoDiskQueue, the same queue whose to_dict looks the names up among the
request's own two callbacks only: the same dict and the same pickles on disk (a JOBDIR written by either resumes
with the other), at a sixth of the cost. (One difference: a method the spider also has under another name, an alias,
is named by its own name where Scrapy names the alias first in alphabetical order; both load back as that method.)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.squeues import PickleLifoDiskQueue
from twisted.internet.defer import Deferred

from crawler.utils.seen import spill_folder

__all__ = ["NamedCallbacksLifoDiskQueue", "SpillingScheduler", "request_dict"]


class _Callbacks:
    """What Request.to_dict looks a request's callbacks up in: the spider's methods of their names, nothing else
    (to_dict takes, by inspect.getmembers, the name under which it finds the very method)."""

    __slots__ = ("_methods",)

    def __init__(self, spider: Spider, request: Request) -> None:
        self._methods: dict[str, Callable[..., Any]] = {}
        for func in (request.callback, request.errback):
            name = getattr(func, "__name__", None)
            if callable(func) and isinstance(name, str) and getattr(spider, name, None) == func:  # its own method
                self._methods[name] = func

    def __dir__(self) -> list[str]:
        return list(self._methods)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            return self._methods[name]
        except KeyError:
            raise AttributeError(name) from None


def request_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """`request.to_dict(spider=spider)`, the callbacks' names found among the request's own two methods rather than
    among every attribute of the spider. A callback that is not the spider's method of its own name is left to
    Scrapy's own search, which finds it under another name or refuses the request (ValueError), as ever."""
    if spider is not None:
        try:
            return request.to_dict(spider=_Callbacks(spider, request))  # type: ignore[arg-type]
        except (ValueError, AttributeError):  # (AttributeError: a Scrapy that reads more of the spider than names)
            pass
    return request.to_dict(spider=spider)


class NamedCallbacksLifoDiskQueue(PickleLifoDiskQueue):  # type: ignore[misc,valid-type]
    """Scrapy's PickleLifoDiskQueue, its requests turned into dicts by `request_dict`."""

    def push(self, request: Request) -> None:
        # ScrapyRequestQueue.push is `super().push(request.to_dict(spider=self.spider))`: the same, past it.
        super(PickleLifoDiskQueue, self).push(request_dict(request, self.spider))  # type: ignore[misc]


class SpillingScheduler(Scheduler):
    def __init__(self, dupefilter: BaseDupeFilter, jobdir: str | None = None, *, crawler: Crawler | None = None,
                 **kwargs: Any) -> None:
        self.scratch: Path | None = None
        if jobdir is None and crawler is not None and crawler.settings.getbool("SCHEDULER_SPILL_ENABLED"):
            parent = spill_folder(crawler.settings)
            if parent is not None:
                parent.mkdir(parents=True, exist_ok=True)
            self.scratch = Path(tempfile.mkdtemp(prefix="outlet-archive-requests-", dir=parent))
            jobdir = str(self.scratch)
        super().__init__(dupefilter, jobdir=jobdir, crawler=crawler, **kwargs)
        if self.dqclass is PickleLifoDiskQueue:
            self.dqclass = NamedCallbacksLifoDiskQueue

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            return super().close(reason)
        finally:
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)
