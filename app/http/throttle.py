"""Throttling, scope `integration`: a moving window per principal, kept in memory or, when
`INTEGRATIONS_REDIS_URL` is set, in Redis so every worker shares one count.

When Redis cannot be reached, counting falls back to in-process limits (each worker counts
alone, so a client may get up to one limit per worker) with one warning in the log, and
Redis is tried again every `RETRY_SECONDS`; readiness reports throttling as degraded."""

from __future__ import annotations

import logging
import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.http.problems import RateLimited

SCOPE = "integration"
RETRY_SECONDS = 5.0
REDIS_TIMEOUT = 0.5
log = logging.getLogger("app.http.throttle")


class Throttle:
    def __init__(self, rate: str, redis_url: str = "") -> None:
        self.item = parse(rate)
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.shared = MovingWindowRateLimiter(RedisStorage(
            f"async+{redis_url}", implementation="redispy", key_prefix="integrations",
            wrap_exceptions=True, socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT)) if redis_url else None
        self.degraded_since: float | None = None
        self._retry_at = 0.0

    @property
    def mode(self) -> str:
        """`redis`, `in-process` (no Redis configured) or `degraded` (Redis unreachable)."""
        if self.shared is None:
            return "in-process"
        return "redis" if self.degraded_since is None else "degraded"

    async def hit(self, key: str) -> None:
        """Count one request for `key`; raise `RateLimited` once the window is full."""
        if not await self._call("hit", key):
            await self._refuse(key)

    async def check(self, key: str) -> None:
        """Raise `RateLimited` if `key`'s window is full, without counting a request."""
        if not await self._call("test", key):
            await self._refuse(key)

    async def count(self, key: str) -> None:
        """Count one request for `key`, whether or not its window is full."""
        await self._call("hit", key)

    async def probe(self) -> str:
        """Try Redis now (readiness), so a recovery shows without waiting for traffic."""
        if self.shared is not None and self.degraded_since is not None:
            self._retry_at = 0.0
            await self._call("test", "probe")
        return self.mode

    async def _call(self, method: str, key: str) -> bool:
        if self.shared is not None and time.monotonic() >= self._retry_at:
            try:
                result = await getattr(self.shared, method)(self.item, SCOPE, key)
            except StorageError as exc:
                self._degrade(exc)
            else:
                self._recovered()
                return bool(result)
        return bool(await getattr(self.local, method)(self.item, SCOPE, key))

    def _recovered(self) -> None:
        if self.degraded_since is not None:
            self.degraded_since = None
            log.warning("Redis is reachable again: throttling is shared across workers again")

    def _degrade(self, exc: StorageError) -> None:
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if self.degraded_since is None:
            self.degraded_since = time.time()
            log.warning("Redis is unreachable (%s): throttling falls back to in-process "
                        "limits until it is back", type(exc.storage_error).__name__)

    async def _refuse(self, key: str) -> None:
        limiter = self.local if self.shared is None or self.degraded_since else self.shared
        try:
            stats = await limiter.get_window_stats(self.item, SCOPE, key)
        except StorageError:
            stats = await self.local.get_window_stats(self.item, SCOPE, key)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
