"""What earlier crawls of an outlet archived, read from their CDXJ indexes in the archive itself.

Two parts of a crawl want it: the spider, to skip the articles archived before (crawler/archive_state.py),
and the WARC writer, to write revisit records for payloads archived before. One pass over the indexes
(pipelines.archive.ArchiveExtension.earlier_crawls) serves both: an outlet crawled hourly has thousands of
indexes after some months.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.utils.seen import NewestDates
from pipelines.archive.cdxj import CdxjEntry, read_cdxj, read_indexes
from pipelines.archive.payloads import Capture, Payloads
from pipelines.storage.base import Store

logger = logging.getLogger(__name__)

__all__ = ["Capture", "EarlierCrawls", "article_key"]


def article_key(url: str) -> str:
    """What identifies an article across crawls: its path and query (a mirror's origin differs by run)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    return f"{path}?{parts.query}" if parts.query else path


@dataclass
class EarlierCrawls:
    crawls: int = 0
    captured: NewestDates = field(default_factory=NewestDates)
    """article_key → the newest capture with a 2xx or 3xx answer (4xx and 5xx are tried again), in a scratch file:
    it grows with the archive's history (every URL any earlier crawl archived), not in the crawl's memory."""
    payloads: Payloads = field(default_factory=Payloads)
    """payload digest → its first capture as a 200 response (filled only when asked for), on disk."""

    @classmethod
    def read(cls, store: Store, outlet: str, *, payloads: bool = True, spool: Path | None = None,
             scratch: Path | None = None) -> EarlierCrawls:
        """The indexes of the outlet's earlier crawls: those still in the spool first (a killed crawl's, just
        recovered and being stored in the background), then the store's; each crawl's index counted once. Their
        tables go in scratch files under `scratch` (the crawl's SCHEDULER_SPILL_DIR; None: the system's temporary
        folder).

        Spool first: a file leaves the spool only after it is stored, so an index moving from one to the
        other during the read is found in one or the other.
        """
        found = cls(captured=NewestDates(scratch), payloads=Payloads(scratch))
        prefix = f"indexes/{outlet}/"
        seen: set[str] = set()
        if spool is not None:
            for key, data in _spooled_indexes(spool, prefix):
                seen.add(key)
                found._add(read_cdxj(data), payloads=payloads)
        for key, entries in read_indexes(store, prefix):
            if key not in seen:
                found._add(entries, payloads=payloads)
        return found

    def _add(self, entries: Iterable[CdxjEntry], *, payloads: bool) -> None:
        self.crawls += 1
        captures: list[tuple[str, Capture]] = []
        for entry in entries:
            if entry.truncated:  # a cut body is no capture: the next crawl fetches it again
                continue
            if payloads and entry.digest and entry.record_id and entry.status == 200 \
                    and entry.record_type == "response":
                captures.append((entry.digest, Capture(entry.url, entry.warc_date, entry.record_id,
                                                       entry.filename, entry.offset, entry.length)))
            if not 200 <= entry.status < 400:
                continue
            when = _warc_date(entry.warc_date)
            if when is not None:
                self.captured.keep_newest(article_key(entry.url), when)
        self.payloads.add_first(captures)

    def archived_since(self, url: str, since: datetime | None) -> bool:
        """True when an earlier crawl archived `url` (at or after `since`, when given)."""
        when = self.captured.get(article_key(url))
        return when is not None and (since is None or when >= since)

    def logged(self, outlet: str) -> EarlierCrawls:
        logger.info("incremental: %d URLs archived by %d earlier crawl(s) of %s", len(self.captured),
                    self.crawls, outlet)
        return self


def _spooled_indexes(spool: Path, prefix: str) -> Iterator[tuple[str, bytes]]:
    folder = spool.joinpath(*prefix.strip("/").split("/"))
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.cdxj")):
        try:
            yield prefix + path.name, path.read_bytes()
        except FileNotFoundError:  # stored (and removed) since the listing: the store's read finds it
            continue


def _warc_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
