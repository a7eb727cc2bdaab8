"""Scrapy's own scheduler, with the pending requests on disk whether or not the crawl has a JOBDIR.

Without JOBDIR, Scrapy keeps every pending request in memory: a sitemap of 20,000 articles is 20,000 Request
objects held until each is fetched, so a crawl's memory grew with the outlet's size (bench/RESULTS.md). With
SCHEDULER_SPILL_ENABLED, a crawl without JOBDIR queues its requests in Scrapy's own disk queues
(SCHEDULER_DISK_QUEUE), in a scratch folder under SCHEDULER_SPILL_DIR (the system's temporary folder when empty)
that is removed when the crawl closes: nothing is resumed from it, JOBDIR remains the way to resume. A request
that cannot be pickled falls back to the memory queue, as in any JOBDIR crawl. Requests therefore keep to spider
methods for their callbacks, as JOBDIR already asks.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from twisted.internet.defer import Deferred

__all__ = ["SpillingScheduler"]


class SpillingScheduler(Scheduler):
    def __init__(self, dupefilter: BaseDupeFilter, jobdir: str | None = None, *, crawler: Crawler | None = None,
                 **kwargs: Any) -> None:
        self.scratch: Path | None = None
        if jobdir is None and crawler is not None and crawler.settings.getbool("SCHEDULER_SPILL_ENABLED"):
            parent = crawler.settings.get("SCHEDULER_SPILL_DIR") or None
            if parent:
                Path(parent).mkdir(parents=True, exist_ok=True)
            self.scratch = Path(tempfile.mkdtemp(prefix="outlet-archive-requests-", dir=parent))
            jobdir = str(self.scratch)
        super().__init__(dupefilter, jobdir=jobdir, crawler=crawler, **kwargs)

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            return super().close(reason)
        finally:
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)
