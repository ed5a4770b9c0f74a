"""Key-value cache and counters: Redis when REDIS_URL is set, an in-process fallback otherwise — and while
Redis is unreachable. `ResilientRedis` is the shared client behind a circuit breaker for everything else that
talks to Redis directly (rate limits, dialog state, chat locks, update claims, the send pace)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("mechta.redis")
T = TypeVar("T")


class Cache(Protocol):
    backend: str

    async def get_json(self, key: str) -> Any | None: ...
    async def set_json(self, key: str, value: Any, ttl: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> int:
        """Increment a counter; the expiry is set when the counter is created."""
        ...
    async def ttl(self, key: str) -> int: ...
    async def set_if_absent(self, key: str, value: str, ttl: int) -> bool: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryCache:
    backend = "memory"

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self._lock = asyncio.Lock()

    def _live(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    async def get_json(self, key: str) -> Any | None:
        value = self._live(key)
        return None if value is None else json.loads(value)

    async def set_json(self, key: str, value: Any, ttl: int) -> None:
        self._data[key] = (time.monotonic() + ttl, json.dumps(value, default=str))

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> int:
        async with self._lock:
            current = self._live(key)
            if current is None:
                self._data[key] = (time.monotonic() + ttl, 1)
                return 1
            expires, _ = self._data[key]
            self._data[key] = (expires, current + 1)
            return current + 1

    async def ttl(self, key: str) -> int:
        if self._live(key) is None:
            return -2
        return max(0, int(self._data[key][0] - time.monotonic()))

    async def set_if_absent(self, key: str, value: str, ttl: int) -> bool:
        async with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (time.monotonic() + ttl, value)
            return True

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()


class RedisUnavailable(Exception):
    """Redis could not answer (refused, timed out, or skipped while the breaker is open): use the fallback."""


# Outage errors trip the breaker; anything else (a wrong command) is a bug and propagates unchanged.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError,
                                                  asyncio.TimeoutError)


class CircuitBreaker:
    """Closed, calls go through. One outage opens it: calls are skipped for `open_seconds`, after which one probe
    is due (half-open); the probe's success closes the breaker, its failure opens it for another period."""

    def __init__(self, open_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.open_seconds = open_seconds
        self.clock = clock
        self._open_until: float | None = None
        self._probing = False

    @property
    def is_closed(self) -> bool:
        return self._open_until is None

    def probe_due(self) -> bool:
        """True once per opening period, when it has run out and no probe is under way (the caller probes)."""
        if self._open_until is None or self._probing or self.clock() < self._open_until:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._open_until = None
        self._probing = False

    def failed(self) -> None:
        self._open_until = self.clock() + self.open_seconds
        self._probing = False

    def abandoned(self) -> None:
        """The probe was cancelled before it told anything: the next caller probes instead."""
        self._probing = False


def redis_client(url: str, *, timeout: float, decode_responses: bool = True) -> Redis:
    """A client that gives up fast: short socket timeouts, and one immediate retry on a broken connection only
    (a pooled connection that died with a Redis restart), never on a timeout."""
    return Redis.from_url(url, decode_responses=decode_responses, socket_timeout=timeout,
                          socket_connect_timeout=timeout,
                          retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)))


class ResilientRedis:
    """The shared Redis client behind a circuit breaker, for every part that has an in-process fallback.

    `await resilient.call(lambda redis: redis.get(key))` returns the result, or raises `RedisUnavailable`: at once
    while the breaker is open, or when the call meets an outage (which opens it). Callers catch it and fall back.
    While it is open, the probe runs in the background (a PING with the same timeout), so no request waits on a
    dead Redis except the one that found it dead.
    """

    def __init__(self, url: str, *, timeout: float = 0.5, open_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = redis_client(url, timeout=timeout)
        self.breaker = CircuitBreaker(open_seconds, clock=clock)
        self.url = url
        self.timeout = timeout
        self._probe: asyncio.Task | None = None

    @property
    def available(self) -> bool:
        """False while the breaker is open: callers skip Redis without trying."""
        return self.breaker.is_closed

    def usable(self) -> bool:
        """Whether to try Redis now; while the breaker is open, starts the background probe when one is due."""
        if self.breaker.is_closed:
            return True
        if self.breaker.probe_due():
            self._probe = asyncio.get_running_loop().create_task(self._run_probe(), name="redis-probe")
        return False

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        if not self.usable():
            raise RedisUnavailable("skipped: Redis failed recently")
        try:
            return await operation(self.client)
        except OUTAGE_ERRORS as error:
            self.tripped(error)
            raise RedisUnavailable(type(error).__name__) from error

    def tripped(self, error: BaseException) -> None:
        """Record an outage met by a call (open the breaker); parts that call the client themselves use it too."""
        if self.breaker.is_closed:
            log.warning("Redis unreachable (%s); in-process fallbacks, probing every %ss", type(error).__name__,
                        self.breaker.open_seconds)
        self.breaker.failed()

    async def _run_probe(self) -> None:
        try:
            await self.client.ping()
        except OUTAGE_ERRORS:
            self.breaker.failed()
        except BaseException:
            self.breaker.abandoned()
            raise
        else:
            log.warning("Redis answers again; back from the in-process fallbacks")
            self.breaker.succeeded()

    async def wait_for_probe(self) -> None:
        """Let a running probe finish (tests, and a clean shutdown)."""
        if self._probe is not None and not self._probe.done():
            await asyncio.wait([self._probe])

    async def ping(self) -> bool:
        return bool(await self.call(lambda redis: redis.ping()))

    async def aclose(self) -> None:
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
            await asyncio.wait([self._probe])
        await self.client.aclose()


class RedisCache:
    """The cache in Redis, falling back to an in-process cache while Redis is unreachable: a dead Redis costs
    one short timeout, then nothing until the breaker probes again. What is kept in-process during an outage is
    per process (counters, locks and claims are not shared between replicas until Redis is back)."""

    backend = "redis"

    def __init__(self, url: str, prefix: str = "mechta:", *, timeout: float = 0.5, open_seconds: float = 5.0) -> None:
        self.resilient = ResilientRedis(url, timeout=timeout, open_seconds=open_seconds)
        self.redis = self.resilient.client
        self.prefix = prefix
        self.fallback = MemoryCache()

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def get_json(self, key: str) -> Any | None:
        try:
            raw = await self.resilient.call(lambda redis: redis.get(self._k(key)))
        except RedisUnavailable:
            return await self.fallback.get_json(key)
        return None if raw is None else json.loads(raw)

    async def set_json(self, key: str, value: Any, ttl: int) -> None:
        raw = json.dumps(value, default=str)
        try:
            await self.resilient.call(lambda redis: redis.set(self._k(key), raw, ex=ttl))
        except RedisUnavailable:
            await self.fallback.set_json(key, value, ttl)

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        # The in-process copy goes too: an entry written during an outage must not come back after it.
        await self.fallback.delete(*keys)
        with contextlib.suppress(RedisUnavailable):
            await self.resilient.call(lambda redis: redis.delete(*(self._k(k) for k in keys)))

    async def incr(self, key: str, ttl: int) -> int:
        async def increment(redis: Redis) -> int:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incr(self._k(key))
                pipe.expire(self._k(key), ttl, nx=True)
                value, _ = await pipe.execute()
            return int(value)

        try:
            return await self.resilient.call(increment)
        except RedisUnavailable:
            return await self.fallback.incr(key, ttl)

    async def ttl(self, key: str) -> int:
        try:
            return int(await self.resilient.call(lambda redis: redis.ttl(self._k(key))))
        except RedisUnavailable:
            return await self.fallback.ttl(key)

    async def set_if_absent(self, key: str, value: str, ttl: int) -> bool:
        try:
            return bool(await self.resilient.call(lambda redis: redis.set(self._k(key), value, ex=ttl, nx=True)))
        except RedisUnavailable:
            return await self.fallback.set_if_absent(key, value, ttl)

    async def ping(self) -> bool:
        """True only when Redis itself answers (the health check); raises RedisUnavailable otherwise."""
        return await self.resilient.ping()

    async def close(self) -> None:
        await self.resilient.aclose()
        await self.fallback.close()


def create_cache(redis_url: str, prefix: str = "mechta:", *, timeout: float = 0.5,
                 open_seconds: float = 5.0) -> Cache:
    if not redis_url:
        return MemoryCache()
    return RedisCache(redis_url, prefix, timeout=timeout, open_seconds=open_seconds)
