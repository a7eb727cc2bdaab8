"""One crawl of an outlet at a time in one archive: a lease object in the store, renewed while the crawl runs.

Two crawls of one outlet into one archive would each archive every article (neither sees the other's index
until it ends). The lease is `leases/{outlet}.json`, created only if absent (If-None-Match on S3, a hard link
on a folder), renewed every third of ARCHIVE_LEASE_TTL, removed at the end. A second crawl finds it and
stops before any fetch, in one line naming the holder. A lease whose holder is gone is taken over: past its
expiry (a crawl killed on another host), or at once when its holder ran on this host and its process is dead
(a crawl killed here, then started again).

The workers of a shared crawl (REDIS_URL, crawler/extensions/shared_crawl.py) hold one lease together: each
takes it (a shared lease of their crawl id is theirs), each renews it, the last to close releases it. An
unrelated crawl is refused as before, and so is a crawl of its own under a shared crawl's id (and the reverse).
"""

from __future__ import annotations

import json
import os
import platform
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from pipelines.storage.base import Store

__all__ = ["Lease", "LeaseHeld", "OutletLease", "lease_key"]


def lease_key(outlet: str) -> str:
    return f"leases/{outlet}.json"


class LeaseHeld(Exception):
    """Another live crawl holds the outlet's lease."""


@dataclass(frozen=True)
class Lease:
    crawl_id: str
    host: str
    pid: int
    expires_at: str
    shared: bool = False
    """Held by the workers of a shared crawl (REDIS_URL) together: renewed by each, its pid the last renewer's."""

    def expired(self, now: datetime) -> bool:
        try:
            return datetime.fromisoformat(self.expires_at) <= now
        except ValueError:
            return True

    def holder_dead(self) -> bool:
        """True when the holder ran on this host and its process is gone (it was killed). Never for a shared
        crawl's lease: the worker that renewed it last may be gone while the others go on."""
        if self.shared or self.host != platform.node():
            return False
        if self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False


class OutletLease:
    def __init__(self, store: Store, outlet: str, crawl_id: str, ttl: float, *, shared: bool = False) -> None:
        self.store = store
        self.shared = shared
        self.key = lease_key(outlet)
        self.crawl_id = crawl_id
        self.ttl = ttl
        self.held = False
        # Renewal runs in a worker thread: a renewal under way must not write the lease back after its release.
        self._lock = threading.Lock()

    def _mine(self) -> bytes:
        expires = datetime.now(UTC) + timedelta(seconds=self.ttl)
        lease = Lease(self.crawl_id, platform.node(), os.getpid(), expires.isoformat(timespec="seconds"), self.shared)
        return json.dumps(asdict(lease)).encode("utf-8")

    def current(self) -> Lease | None:
        if self.store.head(self.key) is None:
            return None
        try:
            return Lease(**json.loads(self.store.read(self.key)))
        except (ValueError, TypeError):
            return Lease("?", "?", 0, "")  # unreadable: treated as expired

    def acquire(self) -> None:
        """Take the lease, or raise LeaseHeld naming its live holder. Blocking (store round trips)."""
        for _ in range(3):
            if self.store.create(self.key, self._mine()):
                self.held = True
                return
            holder = self.current()
            if holder is None:
                continue  # released between our create and our read: try again
            # Our own: a resumed crawl under the same id, or another worker of the same shared crawl. A crawl of
            # its own and a shared crawl never share a lease, even under the same id.
            if holder.crawl_id == self.crawl_id and holder.shared == self.shared:
                self.store.overwrite(self.key, self._mine())
                self.held = True
                return
            if holder.expired(datetime.now(UTC)) or holder.holder_dead():
                self.store.delete(self.key)
                continue
            raise LeaseHeld(f"crawl {holder.crawl_id} (host {holder.host}, pid {holder.pid}) holds "
                            f"{self.store.uri}/{self.key} until {holder.expires_at}")
        raise LeaseHeld(f"{self.store.uri}/{self.key} keeps changing hands: another crawl is starting")

    def renew(self) -> None:
        with self._lock:
            if self.held:
                self.store.overwrite(self.key, self._mine())

    def release(self) -> None:
        with self._lock:
            if not self.held:
                return
            self.held = False
            holder = self.current()
            if holder is not None and holder.crawl_id == self.crawl_id:
                self.store.delete(self.key)
