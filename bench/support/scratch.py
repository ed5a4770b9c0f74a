"""Scratch state a bench leaves in the shared services, dropped when it ends."""
from __future__ import annotations

from redis.asyncio import Redis


async def drop_redis_prefix(url: str, prefix: str) -> int:
    """Delete every key under `prefix` (a bench run's own REDIS_PREFIX); returns how many went."""
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=prefix + "*", count=1000)]
        for start in range(0, len(keys), 1000):
            await redis.delete(*keys[start:start + 1000])
        return len(keys)
    finally:
        await redis.aclose()
