"""The crawl's identity: which outlet, under which id, from which origin. Settled once per crawl.

The spider parses its arguments into a `CrawlIdentity` (`-a base_url`, `-a since`, `-a crawl_id`, scrapyd's
`_job`); `crawler.extensions.crawl.CrawlExtension` settles it (the JOBDIR resume decision) before any
component uses it and hands it to every component that asks (`crawler.get_extension(CrawlExtension)`).
Nothing reads these facts from the spider.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

__all__ = ["CrawlIdentity", "host_in", "new_crawl_id", "origin_of", "outlet_url"]


def new_crawl_id(now: datetime | None = None) -> str:
    """A crawl id that sorts by start time: 20261125T104512Z-3f9a."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(2)}"


def host_in(host: str | None, domains: tuple[str, ...] | list[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one (case-insensitive, as DNS is).

    Hosts, not netlocs: a mirror on 127.0.0.1:8000 has "127.0.0.1" as its domain.
    """
    host = (host or "").lower()
    if not host:
        return False
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def origin_of(url: str, arg: str) -> str:
    """The scheme://host[:port] of an http(s) URL; ValueError naming `arg` for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{arg}: expected an http(s) URL such as http://127.0.0.1:8000, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def outlet_url(url: str, fetch_origin: str, outlet_origin: str) -> str:
    """The outlet's own URL for a URL fetched from `fetch_origin` (a mirror's origin swapped back)."""
    if fetch_origin and fetch_origin != outlet_origin and url.startswith(fetch_origin):
        return outlet_origin + url[len(fetch_origin):]
    return url


@dataclass(frozen=True, kw_only=True)
class CrawlIdentity:
    """What names a crawl and its files. Frozen: settled once, then only read."""

    outlet: str
    """The outlet's key in outlets.toml (the spider's name)."""
    outlet_origin: str
    """The outlet's own origin: what items and the index name."""
    domains: tuple[str, ...]
    """The outlet's own domains."""
    crawl_id: str
    fetch_origin: str
    """Where pages are fetched from: the outlet's origin, or a mirror's (`-a base_url`)."""
    scrapyd_job: str | None = None
    since: date | None = None
    """`-a since`: articles published before this day are not archived."""

    @property
    def mirror(self) -> bool:
        return self.fetch_origin != self.outlet_origin

    @property
    def allowed_domains(self) -> tuple[str, ...]:
        """Hosts the crawl may fetch from: a mirror's host, or the outlet's domains."""
        if self.mirror:
            return (urlsplit(self.fetch_origin).hostname or "",)
        return self.domains

    def renamed(self, crawl_id: str) -> CrawlIdentity:
        return replace(self, crawl_id=crawl_id)

    def to_fetch_url(self, url: str) -> str:
        """The URL to request for an outlet URL: a mirror's origin swapped in, the path kept."""
        parts = urlsplit(url)
        if self.mirror and host_in(parts.hostname, self.domains):
            base = urlsplit(self.fetch_origin)
            return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))

    def to_outlet_url(self, url: str) -> str:
        """The outlet's own URL for a fetched URL (the inverse of to_fetch_url)."""
        return outlet_url(url, self.fetch_origin, self.outlet_origin)

    def on_outlet(self, url: str) -> bool:
        """True for a URL on the outlet's domains, or on the mirror the crawl fetches from."""
        parts = urlsplit(url)
        return host_in(parts.hostname, self.domains) or (
            self.mirror and parts.netloc == urlsplit(self.fetch_origin).netloc)
