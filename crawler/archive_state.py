"""What earlier crawls of an outlet already archived, read from their CDXJ indexes in the archive itself.

The state lives where the archive lives (ARCHIVE_URI), so any machine crawling into the same archive sees
it; nothing is kept on the crawling host. Only the indexes are read (indexes/{outlet}/*.cdxj, one small
file per crawl), through the store: the spider asks `archived_since` and nothing else of the archive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pipelines.cdxj import read_indexes
from pipelines.store import Store, store_from_uri

__all__ = ["ArchiveState", "article_key"]

logger = logging.getLogger(__name__)


def article_key(url: str) -> str:
    """What identifies an article across crawls: its path and query (a mirror's origin differs by run)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


@dataclass
class ArchiveState:
    """The newest capture time of every URL an earlier crawl fetched with a 2xx or 3xx answer."""

    captured: dict[str, datetime] = field(default_factory=dict)
    crawls: int = 0

    @classmethod
    def read(cls, store: Store, outlet: str) -> ArchiveState:
        state = cls()
        for _key, entries in read_indexes(store, f"indexes/{outlet}/"):
            state.crawls += 1
            for entry in entries:
                # 4xx and 5xx were not archived as articles: the next crawl tries them again.
                if not 200 <= entry.status < 400:
                    continue
                when = _warc_date(entry.warc_date)
                url = article_key(entry.url)
                if when is not None and (url not in state.captured or state.captured[url] < when):
                    state.captured[url] = when
        return state

    @classmethod
    def from_settings(cls, settings: Any, outlet: str) -> ArchiveState:
        """The state under the crawl's ARCHIVE_URI; empty (everything is fetched) when it cannot be read."""
        try:
            store = store_from_uri(settings.get("ARCHIVE_URI") or "archive", settings)
            state = cls.read(store, outlet)
        except Exception as exc:
            logger.warning("earlier crawls' indexes could not be read: every article is fetched (%s)", exc)
            return cls()
        logger.info("incremental: %d URLs archived by %d earlier crawl(s) of %s", len(state.captured),
                    state.crawls, outlet)
        return state

    def archived_since(self, url: str, since: datetime | None) -> bool:
        """True when an earlier crawl archived `url` (at or after `since`, when given)."""
        when = self.captured.get(article_key(url))
        return when is not None and (since is None or when >= since)


def _warc_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
