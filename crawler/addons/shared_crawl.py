"""What REDIS_URL changes in a crawl's settings: Scrapy's add-on for a worker of a shared crawl.

Settings are read before any component is built, and a scheduler cannot switch itself off (there is no
NotConfigured for SCHEDULER): so an add-on, Scrapy's way to configure components from a setting, puts the
shared scheduler in place when REDIS_URL is given, and leaves every setting as it is when it is not.

Politeness moves from each worker to the crawl: the outlet's download delay becomes the crawl's, kept in
Redis for each host (crawler/middlewares/shared_politeness.py), and the worker's own downloader runs without
delay of its own (a local delay, randomized or raised by AutoThrottle, would let two workers' fetches
closer together than the shared budget granted them). The outlet's concurrency stays the per-host cap of
each worker and becomes the crawl's too.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings, Settings

__all__ = ["SharedCrawlAddon"]


class SharedCrawlAddon:
    def update_settings(self, settings: Settings) -> None:
        if not settings.get("REDIS_URL"):
            return
        _set(settings, "SCHEDULER", "crawler.schedulers.shared.SharedScheduler")
        if settings.getbool("SHARED_POLITENESS_ENABLED"):
            if settings.get("SHARED_POLITENESS_DELAY") is None:
                _set(settings, "SHARED_POLITENESS_DELAY", settings.getfloat("DOWNLOAD_DELAY"))
            _set(settings, "DOWNLOAD_DELAY", 0.0)  # no jitter either: a share of no delay is none
            _set(settings, "AUTOTHROTTLE_ENABLED", False)


def _set(settings: BaseSettings, name: str, value: object) -> None:
    """Set over whatever set it before (the outlet's spider settings, the command line)."""
    settings.set(name, value, priority=max(settings.getpriority(name) or 0, settings.getpriority("REDIS_URL") or 0))
