"""What earlier crawls of an outlet already archived, as the spider asks it: was this article archived?

The state lives where the archive lives (ARCHIVE_URI), so any machine crawling into the same archive sees
it; nothing is kept on the crawling host. It is read from the earlier crawls' indexes
(pipelines/earlier_crawls.py), in the same pass as the WARC writer's revisit table when the crawl archives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.archive import ArchiveExtension
from pipelines.earlier_crawls import EarlierCrawls, article_key
from pipelines.store import Store, store_from_uri

__all__ = ["ArchiveState", "article_key"]

logger = logging.getLogger(__name__)


@dataclass
class ArchiveState:
    """The newest capture time of every URL an earlier crawl fetched with a 2xx or 3xx answer."""

    captured: dict[str, datetime] = field(default_factory=dict)
    crawls: int = 0

    @classmethod
    def read(cls, store: Store, outlet: str) -> ArchiveState:
        earlier = EarlierCrawls.read(store, outlet, payloads=False)
        return cls(earlier.captured, earlier.crawls)

    @classmethod
    def from_settings(cls, settings: Any, outlet: str) -> ArchiveState:
        """The state under the crawl's ARCHIVE_URI; empty (everything is fetched) when it cannot be read."""
        try:
            store = store_from_uri(settings.get("ARCHIVE_URI") or "archive", settings)
            state = cls.read(store, outlet)
        except Exception as exc:
            return cls._unreadable(exc)
        return state._logged(outlet)

    @classmethod
    def of_crawl(cls, crawler: Any, outlet: str) -> ArchiveState:
        """The state for a running crawl: the archive's one read of the indexes when the crawl archives."""
        archive = ArchiveExtension.of(crawler)
        if archive is None:
            return cls.from_settings(crawler.settings, outlet)
        try:
            earlier = archive.earlier_crawls()
        except Exception as exc:
            return cls._unreadable(exc)
        return cls(earlier.captured, earlier.crawls)._logged(outlet)

    @classmethod
    def _unreadable(cls, exc: Exception) -> ArchiveState:
        logger.warning("earlier crawls' indexes could not be read: every article is fetched (%s)", exc)
        return cls()

    def _logged(self, outlet: str) -> ArchiveState:
        logger.info("incremental: %d URLs archived by %d earlier crawl(s) of %s", len(self.captured),
                    self.crawls, outlet)
        return self

    def archived_since(self, url: str, since: datetime | None) -> bool:
        """True when an earlier crawl archived `url` (at or after `since`, when given)."""
        when = self.captured.get(article_key(url))
        return when is not None and (since is None or when >= since)
