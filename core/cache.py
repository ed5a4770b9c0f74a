"""Key-value cache and counters: Redis when REDIS_URL is set, an in-process fallback otherwise."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Protocol

from redis.asyncio import Redis


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


class RedisCache:
    backend = "redis"

    def __init__(self, url: str, prefix: str = "mechta:") -> None:
        self.redis = Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix

    def _k(self, key: str) -> str:
        return self.prefix + key

    async def get_json(self, key: str) -> Any | None:
        raw = await self.redis.get(self._k(key))
        return None if raw is None else json.loads(raw)

    async def set_json(self, key: str, value: Any, ttl: int) -> None:
        await self.redis.set(self._k(key), json.dumps(value, default=str), ex=ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self.redis.delete(*(self._k(k) for k in keys))

    async def incr(self, key: str, ttl: int) -> int:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._k(key))
            pipe.expire(self._k(key), ttl, nx=True)
            value, _ = await pipe.execute()
        return int(value)

    async def ttl(self, key: str) -> int:
        return int(await self.redis.ttl(self._k(key)))

    async def set_if_absent(self, key: str, value: str, ttl: int) -> bool:
        return bool(await self.redis.set(self._k(key), value, ex=ttl, nx=True))

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()


def create_cache(redis_url: str, prefix: str = "mechta:") -> Cache:
    return RedisCache(redis_url, prefix) if redis_url else MemoryCache()
