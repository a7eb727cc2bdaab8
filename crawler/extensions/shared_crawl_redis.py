"""The state of a shared crawl in Redis: its keys, and the scripts that change several of them at once.

Browsertrix's layout, on scrapy-redis's queue and seen set: a sorted-set queue (scrapy_redis.queue.PriorityQueue's
encoding), a seen set (scrapy_redis.dupefilter.RFPDupeFilter's fingerprints), and requests in flight, each under
a lease with its own expiry, renewed by its worker while it lives and put back in the queue by any worker once
expired. Each change that touches more than one key is one Lua script, so a worker killed between two calls
leaves nothing half done (a fingerprint seen but its request never queued would be a page lost for good).
Times are Redis's own clock (TIME), so that workers on hosts whose clocks differ agree on every expiry.

Written by hand: scrapy-redis has no lease, no requeue and no end of a crawl shared by several workers
(docs/scale-out.md says what it lacks), so these scripts add them beside its queue and seen set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

__all__ = ["CrawlKeys", "Scripts", "decoded"]


@dataclass(frozen=True)
class CrawlKeys:
    """Every key of one shared crawl, under one namespace (`{prefix}{outlet}:{crawl_id}`)."""

    ns: str

    @property
    def queue(self) -> str:
        return f"{self.ns}:queue"

    @property
    def seen(self) -> str:
        return f"{self.ns}:seen"

    @property
    def inflight(self) -> str:
        """Hash: lease id → the encoded request; `{id}:s` its queue score, `{id}:w` its worker, `{id}:u` its URL."""
        return f"{self.ns}:inflight"

    @property
    def leases(self) -> str:
        """Sorted set: lease id → its expiry (ms, Redis's clock)."""
        return f"{self.ns}:leases"

    @property
    def lease_seq(self) -> str:
        return f"{self.ns}:lease_seq"

    @property
    def requeued(self) -> str:
        """Set of `{worker}\\t{url}`: the requests taken back from a worker that died holding them."""
        return f"{self.ns}:requeued"

    @property
    def worker_seq(self) -> str:
        return f"{self.ns}:worker_seq"

    @property
    def workers(self) -> str:
        """Sorted set: live worker → the expiry of its heartbeat (ms)."""
        return f"{self.ns}:workers"

    @property
    def worker_info(self) -> str:
        """Hash: worker → JSON (host, pid, spool, file stem), for its files should it die."""
        return f"{self.ns}:worker_info"

    @property
    def seeding(self) -> str:
        """Set: workers whose start() is not exhausted yet (the crawl cannot be finished while one is)."""
        return f"{self.ns}:seeding"

    @property
    def idle_since(self) -> str:
        return f"{self.ns}:idle_since"

    @property
    def finished(self) -> str:
        return f"{self.ns}:finished"

    @property
    def files(self) -> str:
        """Hash: archive key → JSON of a stored file of any worker (PublishedFile)."""
        return f"{self.ns}:files"

    @property
    def parts(self) -> str:
        """Hash: worker → JSON of its stats, once it closed (the crawl's manifest sums them)."""
        return f"{self.ns}:parts"

    @property
    def closer(self) -> str:
        return f"{self.ns}:closer"

    def politeness(self, host: str) -> tuple[str, str]:
        """The per-host budget: the fetches under way (sorted set: token → expiry), and the next allowed start."""
        return f"{self.ns}:polite:{host}:active", f"{self.ns}:polite:{host}:next"


_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: seen, queue. ARGV: fingerprint, score, data. Seen and queued together, or neither.
_ENQUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue. ARGV: score, data. A request that passes no seen set (a retry).
_PUSH = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# KEYS: queue, inflight, leases, lease_seq. ARGV: ttl ms, worker, how many. The best requests (up to that many),
# each moved under a new lease: a flat list of lease ids and encoded requests.
_TAKE = _NOW + """
local got = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local taken = {}
for i = 1, #got, 2 do
  redis.call('ZREM', KEYS[1], got[i])
  local id = tostring(redis.call('INCR', KEYS[4]))
  redis.call('HSET', KEYS[2], id, got[i], id .. ':s', got[i + 1], id .. ':w', ARGV[2])
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), id)
  table.insert(taken, id)
  table.insert(taken, got[i])
end
return taken
"""

# KEYS: leases. ARGV: ttl ms, ids... Only leases still held are renewed (XX): one taken back stays taken back.
# Returns the ids that were not there (released meanwhile, or taken back).
_RENEW = _NOW + """
local gone = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
  else
    table.insert(gone, ARGV[i])
  end
end
return gone
"""

# KEYS: inflight, leases. ARGV: ids... Done: the response and everything it led to are archived or queued.
_RELEASE = """
for i = 1, #ARGV do
  local id = ARGV[i]
  redis.call('HDEL', KEYS[1], id, id .. ':s', id .. ':w', id .. ':u')
  redis.call('ZREM', KEYS[2], id)
end
return #ARGV
"""

# KEYS: queue, inflight, leases, requeued. ARGV: worker ('' for every expired lease).
# Requests back in the queue at their old priority; the URLs taken from each worker are remembered.
_REQUEUE = _NOW + """
local ids
if ARGV[1] == '' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
else
  ids = {}
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if redis.call('HGET', KEYS[2], id .. ':w') == ARGV[1] then table.insert(ids, id) end
  end
end
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then
    redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[2], id .. ':s') or 0, data)
    local worker = redis.call('HGET', KEYS[2], id .. ':w')
    local url = redis.call('HGET', KEYS[2], id .. ':u')
    if worker and url then redis.call('SADD', KEYS[4], worker .. '\\t' .. url) end
  end
  redis.call('HDEL', KEYS[2], id, id .. ':s', id .. ':w', id .. ':u')
  redis.call('ZREM', KEYS[3], id)
end
return #ids
"""

# KEYS: workers, seeding. ARGV: ttl ms, worker ('' for none: a sweep). A heartbeat; returns the workers whose
# heartbeat expired, taken off the lists (their leases expire by themselves and are taken back by _REQUEUE).
_HEARTBEAT = _NOW + """
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2]) end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, w in ipairs(dead) do
  redis.call('ZREM', KEYS[1], w)
  redis.call('SREM', KEYS[2], w)
end
return dead
"""

# KEYS: queue, leases, seeding, idle_since, finished, workers. ARGV: grace ms.
# Finished: nothing queued, nothing in flight, no live worker still seeding, for the whole grace period.
_FINISHED = _NOW + """
if redis.call('EXISTS', KEYS[5]) == 1 then return 1 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not redis.call('ZSCORE', KEYS[6], w) then redis.call('SREM', KEYS[3], w) end
end
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 or redis.call('SCARD', KEYS[3]) > 0 then
  redis.call('DEL', KEYS[4])
  return 0
end
local since = redis.call('GET', KEYS[4])
if not since then
  redis.call('SET', KEYS[4], now)
  return 0
end
if now - tonumber(since) >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[5], now)
  return 1
end
return 0
"""

# KEYS: workers, seeding, parts, closer. ARGV: worker, its stats (JSON), '1' when asked again.
# This worker is done. Returns the live workers left; 0: this worker is the closer, it writes the manifest;
# -1: another is (or was: its part gone with the keys the closer removed).
_DONE = _NOW + """
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return -1 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
if live > 0 then return live end
if redis.call('SET', KEYS[4], ARGV[1], 'NX') then return 0 end
return -1
"""

# KEYS: active, next. ARGV: delay ms, max fetches under way, token, token ttl ms, tokens given back...
# The tokens given back (fetches done since this worker last asked) are removed first. 0: go; > 0: wait this many ms
# for the delay; -1: the host's concurrency is taken, try again shortly.
_POLITE = _NOW + """
for i = 5, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then return nxt - now end
local delay = tonumber(ARGV[1])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
return 0
"""


class Scripts:
    """The Lua scripts, registered once per connection (EVALSHA, reloaded by redis-py when Redis forgot them)."""

    def __init__(self, client: redis.Redis) -> None:
        self.enqueue = client.register_script(_ENQUEUE)
        self.push = client.register_script(_PUSH)
        self.take = client.register_script(_TAKE)
        self.renew = client.register_script(_RENEW)
        self.release = client.register_script(_RELEASE)
        self.requeue = client.register_script(_REQUEUE)
        self.heartbeat = client.register_script(_HEARTBEAT)
        self.finished = client.register_script(_FINISHED)
        self.done = client.register_script(_DONE)
        self.polite = client.register_script(_POLITE)


def decoded(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
