"""Throttling, scope `integration`: a window per principal, kept in memory or, when
`INTEGRATIONS_REDIS_URL` is set, shared through Redis by every worker.

Shared counts are leased, not asked for request by request: a worker takes a share of a key's
window from Redis (one `INCRBY` of `LEASE_SHARE` of the limit, at least one request) and spends
it locally, going back only when the share is spent. So the requests all workers let through
never exceed the limit; a worker may refuse while another still holds an unspent share (at
most one share per other worker), and a limit under 1/`LEASE_SHARE` per window asks Redis for
every request, so small limits count exactly. Shared windows are fixed (they start on the
minute, hour, ...); `Retry-After` says when the current one ends. In-process windows move.

When Redis cannot be reached, counting falls back to in-process limits (each worker counts
alone, so a client may get up to one limit per worker) with one warning in the log, and
Redis is tried again every `RETRY_SECONDS`; readiness reports throttling as degraded."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.http.problems import RateLimited

SCOPE = "integration"
RETRY_SECONDS = 5.0
REDIS_TIMEOUT = 0.5
LEASE_SHARE = 0.01
"""The part of a window's limit a worker takes from Redis at once."""
MAX_LEASES = 10_000
"""Keys remembered per worker before the leases of past windows are dropped."""
LEASE = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return used
"""
log = logging.getLogger("app.http.throttle")


@dataclass
class Lease:
    """What this worker may still let through for one key in one shared window."""

    window: int
    left: int = 0
    full: bool = False
    """Redis said the window's limit is taken: no more shares to lease."""


class Throttle:
    def __init__(self, rate: str, redis_url: str = "") -> None:
        self.item = parse(rate)
        self.period = self.item.get_expiry()
        self.share = max(1, int(self.item.amount * LEASE_SHARE))
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.redis = (
            Redis.from_url(
                redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            if redis_url
            else None
        )
        self._lease = self.redis.register_script(LEASE) if self.redis is not None else None
        self._leases: dict[str, Lease] = {}
        self.degraded_since: float | None = None
        self._retry_at = 0.0

    @property
    def mode(self) -> str:
        """`redis`, `in-process` (no Redis configured) or `degraded` (Redis unreachable)."""
        if self.redis is None:
            return "in-process"
        return "redis" if self.degraded_since is None else "degraded"

    async def hit(self, key: str) -> None:
        """Count one request for `key`; raise `RateLimited` once the window is full."""
        if not await self._spend(key, 1):
            await self._refuse(key)

    async def check(self, key: str) -> None:
        """Raise `RateLimited` if `key`'s window is full, without counting a request."""
        if not await self._spend(key, 0):
            await self._refuse(key)

    async def count(self, key: str) -> None:
        """Count one request for `key`, whether or not its window is full."""
        await self._spend(key, 1)

    async def probe(self) -> str:
        """Try Redis now (readiness), so a recovery shows without waiting for traffic."""
        if self.redis is not None and self.degraded_since is not None:
            try:
                await self.redis.ping()
            except (RedisError, OSError) as exc:
                self._degrade(exc)
            else:
                self._recovered()
        return self.mode

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    async def _spend(self, key: str, requests: int) -> bool:
        """Whether `key` may have `requests` more (0: whether its window has room)."""
        if self.redis is not None and time.monotonic() >= self._retry_at:
            try:
                allowed = await self._spend_shared(key, requests)
            except (RedisError, OSError) as exc:
                self._degrade(exc)
            else:
                self._recovered()
                return allowed
        method = self.local.hit if requests else self.local.test
        return bool(await method(self.item, SCOPE, key))

    async def _spend_shared(self, key: str, requests: int) -> bool:
        lease = self._lease_for(key)
        if lease.left < max(requests, 1) and not lease.full and requests:
            assert self._lease is not None
            used = int(
                await self._lease(
                    keys=[f"integrations:throttle:{key}:{lease.window}"],
                    args=[self.share, int(self.period) + 1],
                )
            )
            lease.left += max(self.share - max(used - self.item.amount, 0), 0)
            lease.full = used >= self.item.amount
        if lease.left >= requests and (lease.left or not lease.full):
            lease.left -= requests
            return True
        return False

    def _lease_for(self, key: str) -> Lease:
        window = int(time.time() // self.period)
        lease = self._leases.get(key)
        if lease is None or lease.window != window:
            if len(self._leases) >= MAX_LEASES:
                self._leases = {k: v for k, v in self._leases.items() if v.window == window}
            lease = self._leases[key] = Lease(window)
        return lease

    def _recovered(self) -> None:
        if self.degraded_since is not None:
            self.degraded_since, self._retry_at = None, 0.0
            log.warning("Redis is reachable again: throttling is shared across workers again")

    def _degrade(self, exc: Exception) -> None:
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if self.degraded_since is None:
            self.degraded_since = time.time()
            log.warning(
                "Redis is unreachable (%s): throttling falls back to in-process "
                "limits until it is back",
                type(exc).__name__,
            )

    async def _refuse(self, key: str) -> None:
        if self.redis is not None and self.degraded_since is None:
            window_ends = (self._lease_for(key).window + 1) * self.period
            raise RateLimited(max(1, math.ceil(window_ends - time.time())))
        stats = await self.local.get_window_stats(self.item, SCOPE, key)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
