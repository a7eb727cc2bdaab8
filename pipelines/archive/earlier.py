"""What earlier crawls of an outlet archived, read from their CDXJ indexes in the archive itself.

Two parts of a crawl want it: the spider, to skip the articles archived before (crawler/archive_state.py),
and the WARC writer, to write revisit records for payloads archived before. One pass over the indexes
(pipelines.archive.ArchiveExtension.earlier_crawls) serves both: an outlet crawled hourly has thousands of
indexes after some months.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pipelines.archive.cdxj import read_indexes
from pipelines.storage.base import Store

logger = logging.getLogger(__name__)

__all__ = ["Capture", "EarlierCrawls", "article_key"]


@dataclass(frozen=True)
class Capture:
    """An earlier capture of a payload, for revisit records."""

    url: str
    date: str
    record_id: str


def article_key(url: str) -> str:
    """What identifies an article across crawls: its path and query (a mirror's origin differs by run)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


@dataclass
class EarlierCrawls:
    crawls: int = 0
    captured: dict[str, datetime] = field(default_factory=dict)
    """article_key → the newest capture with a 2xx or 3xx answer (4xx and 5xx are tried again)."""
    payloads: dict[str, Capture] = field(default_factory=dict)
    """payload digest → its first capture as a 200 response (filled only when asked for)."""

    @classmethod
    def read(cls, store: Store, outlet: str, *, payloads: bool = True) -> EarlierCrawls:
        found = cls()
        for _key, entries in read_indexes(store, f"indexes/{outlet}/"):
            found.crawls += 1
            for entry in entries:
                if payloads and entry.digest and entry.record_id and entry.status == 200 \
                        and entry.record_type == "response":
                    found.payloads.setdefault(entry.digest, Capture(entry.url, entry.warc_date, entry.record_id))
                if not 200 <= entry.status < 400:
                    continue
                when = _warc_date(entry.warc_date)
                key = article_key(entry.url)
                if when is not None and (key not in found.captured or found.captured[key] < when):
                    found.captured[key] = when
        return found

    def archived_since(self, url: str, since: datetime | None) -> bool:
        """True when an earlier crawl archived `url` (at or after `since`, when given)."""
        when = self.captured.get(article_key(url))
        return when is not None and (since is None or when >= since)

    def logged(self, outlet: str) -> EarlierCrawls:
        logger.info("incremental: %d URLs archived by %d earlier crawl(s) of %s", len(self.captured),
                    self.crawls, outlet)
        return self


def _warc_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
