"""Throttling, scope `integration`: a moving window per principal, kept in memory or, when
`INTEGRATIONS_REDIS_URL` is set, in Redis so every worker shares one count."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.http.problems import RateLimited

SCOPE = "integration"


class Throttle:
    def __init__(self, rate: str, redis_url: str = "") -> None:
        self.item = parse(rate)
        storage: Storage = (
            RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix="integrations")
            if redis_url else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(storage)

    async def hit(self, key: str) -> None:
        """Count one request for `key`; raise `RateLimited` once the window is full."""
        if await self.limiter.hit(self.item, SCOPE, key):
            return
        stats = await self.limiter.get_window_stats(self.item, SCOPE, key)
        raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
