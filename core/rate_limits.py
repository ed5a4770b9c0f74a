"""Incoming rate limits with the `limits` library: counted in Redis (shared by every replica) and, while Redis is
unreachable or not configured, in this process (the breaker in core/cache.py decides which).

A refused hit raises `TooManyRequests` (429 RATE_LIMITED with Retry-After in the API).

The general per-client limit is counted in leases (`hit_leased`): a client that used up its last lease within
`LEASE_SECONDS` takes twice as many units next time (up to `lease_cap`, a 50th of the limit, at most `MAX_LEASE`)
and spends them in this process without asking Redis; a lease that does not fit asks for one unit, so the limit is
reached exactly. A client at a human pace takes one unit per request, as before. What a lease bends: its units are
counted when taken (up to LEASE_SECONDS early), and the units of a lease left unspent count as spent.
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
from core.lru import BoundedDict

LEASE_SECONDS = 1.0
MAX_LEASE = 64
MAX_LEASED_CLIENTS = 10_000


class _Lease:
    __slots__ = ("expires_at", "left", "size")

    def __init__(self, size: int, expires_at: float) -> None:
        self.size = size
        self.left = size
        self.expires_at = expires_at


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

        self.lease_cap = max(1, min(MAX_LEASE, self.general.amount // 50))
        self._leases: BoundedDict[tuple[str, ...], _Lease] = BoundedDict(MAX_LEASED_CLIENTS)
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

    async def hit_leased(self, limit: RateLimitItem, *identifiers: str) -> None:
        """`hit`, counted in leases for a busy client (see the module's docstring)."""
        if not self.enabled:
            return
        now = time.monotonic()
        lease = self._leases.get(identifiers)
        if lease is not None and lease.left > 0 and lease.expires_at > now:
            lease.left -= 1
            return
        # Spent within its time: the client keeps this pace, so take more next time; otherwise start again at one.
        size = min(lease.size * 2, self.lease_cap) if lease is not None and lease.expires_at > now else 1
        if size > 1 and not await self._strategy_call("hit", limit, identifiers, cost=size):
            size = 1  # near the limit: count one by one, so it is reached exactly
        if size == 1 and not await self._strategy_call("hit", limit, identifiers):
            self._leases.pop(identifiers, None)
            raise await self._refusal(limit, identifiers)
        current = self._leases.get(identifiers)
        if current is not lease and current is not None and current.expires_at > now:
            current.left += size - 1  # a concurrent request of this client took a lease meanwhile: join it
            return
        lease = _Lease(size, now + LEASE_SECONDS)
        lease.left -= 1
        self._leases[identifiers] = lease

    async def ensure_room(self, limit: RateLimitItem, *identifiers: str) -> None:
        """Raise TooManyRequests when the limit is used up, without counting anything."""
        if self.enabled and not await self._strategy_call("test", limit, identifiers):
            raise await self._refusal(limit, identifiers)

    async def record(self, limit: RateLimitItem, *identifiers: str) -> None:
        """Count one event (a failure) without refusing it."""
        if self.enabled:
            await self._strategy_call("hit", limit, identifiers)

    async def clear(self, limit: RateLimitItem, *identifiers: str) -> None:
        self._leases.pop(identifiers, None)
        await self._strategy_call("clear", limit, identifiers)

    async def _refusal(self, limit: RateLimitItem, identifiers: tuple[str, ...]) -> TooManyRequests:
        reset_at, _remaining = await self._strategy_call("get_window_stats", limit, identifiers)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        return TooManyRequests(retry_after=retry_after, message="Too many requests; try again later.")

    async def _strategy_call(self, method: str, limit: RateLimitItem, identifiers: tuple[str, ...], **cost: int):
        if self._shared is not None:
            shared = getattr(self._shared, method)
            try:
                return await self._redis.call(lambda _redis: shared(limit, *identifiers, **cost))
            except RedisUnavailable:
                pass
        return await getattr(self._memory, method)(limit, *identifiers, **cost)
