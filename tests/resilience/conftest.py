"""Outage tests: a Redis server of the test's own (killed or frozen at will) and helpers to time requests."""
from __future__ import annotations

import time

import httpx
import pytest

from core.config import Settings
from tests.utils.redis_server import RedisServer, own_redis

__all__ = ["own_redis"]
BREAKER_SECONDS = 1.0


@pytest.fixture
def settings(settings: Settings, own_redis: RedisServer) -> Settings:
    """The app on the test's own Redis, with a short breaker period so a test can watch it probe again."""
    return settings.model_copy(update={"redis_url": own_redis.url, "redis_breaker_seconds": BREAKER_SECONDS})


async def timed(request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started
