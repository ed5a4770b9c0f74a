"""Incoming rate limits with the `limits` library: counted in Redis (shared by every replica) and, while Redis is
unreachable or not configured, in this process (the breaker in core/cache.py decides which).

A refused hit raises `TooManyRequests` (429 RATE_LIMITED with Retry-After in the API).
"""
from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from core.cache import RedisUnavailable, ResilientRedis
from core.config import Settings
from core.errors import TooManyRequests


class RateLimits:
    def __init__(self, settings: Settings, redis: ResilientRedis | None) -> None:
        self.enabled = settings.rate_limits_enabled
        self.general = RateLimitItemPerMinute(settings.rate_limit_per_minute)
        self.signin = parse(settings.rate_limit_signin)
        self.signup = parse(settings.rate_limit_signup)
        self.refresh = parse(settings.rate_limit_refresh)
        self.password_reset = parse(settings.rate_limit_password_reset)
        self.verification = parse(settings.rate_limit_verification)
        self.feed = parse(settings.rate_limit_feed)
        window = settings.signin_failure_window_seconds
        self.signin_failures_per_account = RateLimitItemPerSecond(settings.signin_max_failures, window)
        self.signin_failures_per_ip = RateLimitItemPerSecond(settings.signin_ip_max_failures, window)

        self._redis = redis
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared = None
        if redis is not None:
            storage = RedisStorage(f"async+{redis.url}", implementation="redispy",
                                   connection_pool=redis.client.connection_pool,
                                   key_prefix=f"{settings.redis_prefix}limits")
            self._shared = MovingWindowRateLimiter(storage)

    async def hit(self, limit: RateLimitItem, *identifiers: str) -> None:
        """Count one request; raise TooManyRequests when it is over the limit (it is then not counted)."""
        if not self.enabled:
            return
        if not await self._strategy_call("hit", limit, identifiers):
            raise await self._refusal(limit, identifiers)

    async def ensure_room(self, limit: RateLimitItem, *identifiers: str) -> None:
        """Raise TooManyRequests when the limit is used up, without counting anything."""
        if self.enabled and not await self._strategy_call("test", limit, identifiers):
            raise await self._refusal(limit, identifiers)

    async def record(self, limit: RateLimitItem, *identifiers: str) -> None:
        """Count one event (a failure) without refusing it."""
        if self.enabled:
            await self._strategy_call("hit", limit, identifiers)

    async def clear(self, limit: RateLimitItem, *identifiers: str) -> None:
        await self._strategy_call("clear", limit, identifiers)

    async def _refusal(self, limit: RateLimitItem, identifiers: tuple[str, ...]) -> TooManyRequests:
        reset_at, _remaining = await self._strategy_call("get_window_stats", limit, identifiers)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        return TooManyRequests(retry_after=retry_after, message="Too many requests; try again later.")

    async def _strategy_call(self, method: str, limit: RateLimitItem, identifiers: tuple[str, ...]):
        if self._shared is not None:
            shared = getattr(self._shared, method)
            try:
                return await self._redis.call(lambda _redis: shared(limit, *identifiers))
            except RedisUnavailable:
                pass
        return await getattr(self._memory, method)(limit, *identifiers)
