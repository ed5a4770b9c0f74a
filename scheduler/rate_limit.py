"""A global pace for messages to Telegram: shared by every scheduler process through Redis, or in-process without it.

The Redis limiter hands out send slots spaced `1/rate` apart (GCRA, kept in one key by a Lua script that reads the
Redis server's clock), so any number of processes together stay at or under `rate` messages per second — even
within a single second, unlike a per-second counter, which lets two full windows meet at the boundary.
"""
from __future__ import annotations

import asyncio
from typing import Protocol

from aiolimiter import AsyncLimiter

from core.cache import Cache, RedisCache, RedisUnavailable, ResilientRedis

# KEYS[1] = the slot key; ARGV[1] = microseconds between sends. Returns microseconds to wait for the reserved slot.
_RESERVE_SLOT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local following = slot + interval
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', math.floor((following - now) / 1000) + 1000)
return slot - now
"""


class SendRateLimiter(Protocol):
    rate: float

    async def acquire(self) -> None:
        """Wait until one more message may go out."""
        ...


class LocalSendRateLimiter:
    """One process on its own: aiolimiter's leaky bucket."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        # One send per 1/rate seconds, no initial burst: a full bucket would let `rate` messages out at once and
        # push the first second over the limit.
        self._limiter = AsyncLimiter(max_rate=1, time_period=1.0 / rate)

    async def acquire(self) -> None:
        await self._limiter.acquire()


class RedisSendRateLimiter:
    """Every process that uses the same key shares one pace; while Redis is unreachable, this process keeps its own
    pace (per-process, like without Redis) and rejoins the shared one when the breaker closes."""

    def __init__(self, redis: ResilientRedis, key: str, rate: float) -> None:
        self.rate = rate
        self.key = key
        self._redis = redis
        self._interval_us = max(1, round(1_000_000 / rate))
        self._reserve = redis.client.register_script(_RESERVE_SLOT)
        self._local = LocalSendRateLimiter(rate)

    async def acquire(self) -> None:
        try:
            wait_us = int(await self._redis.call(lambda _redis: self._reserve(keys=[self.key],
                                                                              args=[self._interval_us])))
        except RedisUnavailable:
            await self._local.acquire()
            return
        if wait_us > 0:
            await asyncio.sleep(wait_us / 1_000_000)


def create_send_rate_limiter(cache: Cache, rate: float) -> SendRateLimiter:
    if rate <= 0:
        raise ValueError("telegram_send_rate must be positive")
    if isinstance(cache, RedisCache):
        return RedisSendRateLimiter(cache.resilient, cache.prefix + "telegram:send-slot", rate)
    return LocalSendRateLimiter(rate)
