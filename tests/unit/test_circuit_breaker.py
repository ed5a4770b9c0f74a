"""The circuit breaker in front of Redis, and the cache that falls back to the process while Redis is away."""
from __future__ import annotations

import asyncio

import pytest

from core.cache import CircuitBreaker, RedisCache, RedisUnavailable, ResilientRedis


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_failure_opens_the_breaker_and_one_probe_follows_its_period() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(5, clock=clock)
    assert breaker.is_closed and not breaker.probe_due()

    breaker.failed()
    clock.now += 4.9
    assert not breaker.is_closed and not breaker.probe_due()
    clock.now += 0.2
    assert breaker.probe_due()
    assert not breaker.probe_due()  # one probe at a time

    breaker.succeeded()
    assert breaker.is_closed


def test_a_failed_probe_opens_the_breaker_for_another_period() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(5, clock=clock)
    breaker.failed()
    clock.now += 5
    assert breaker.probe_due()

    breaker.failed()
    clock.now += 4
    assert not breaker.probe_due()
    clock.now += 1
    assert breaker.probe_due()


def test_an_abandoned_probe_lets_the_next_caller_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(5, clock=clock)
    breaker.failed()
    clock.now += 5
    assert breaker.probe_due()

    breaker.abandoned()
    assert breaker.probe_due()


async def test_a_refused_redis_is_skipped_and_probed_in_the_background() -> None:
    clock = FakeClock()
    redis = ResilientRedis("redis://127.0.0.1:1/0", timeout=0.2, open_seconds=5, clock=clock)
    calls = 0

    async def ping(client):
        nonlocal calls
        calls += 1
        return await client.ping()

    try:
        for _ in range(3):
            with pytest.raises(RedisUnavailable):
                await redis.call(ping)
        assert calls == 1 and not redis.available
        clock.now += 5
        with pytest.raises(RedisUnavailable):  # answered at once; the probe runs on its own
            await redis.call(ping)
        await redis.wait_for_probe()
        assert calls == 1 and not redis.available
        assert not redis.breaker.probe_due()  # the failed probe started another period
    finally:
        await redis.aclose()


async def test_a_probe_that_gets_an_answer_closes_the_breaker() -> None:
    clock = FakeClock()
    redis = ResilientRedis("redis://127.0.0.1:6379/0", timeout=0.5, open_seconds=5, clock=clock)
    try:
        redis.tripped(ConnectionError("pretend"))
        with pytest.raises(RedisUnavailable):
            await redis.call(lambda client: client.ping())
        clock.now += 5
        assert not redis.usable()
        await redis.wait_for_probe()

        assert redis.available and await redis.call(lambda client: client.ping())
    finally:
        await redis.aclose()


async def test_a_bug_in_a_call_does_not_open_the_breaker() -> None:
    redis = ResilientRedis("redis://127.0.0.1:1/0", timeout=0.2)

    async def broken(_client):
        raise ValueError("a bug, not an outage")

    try:
        with pytest.raises(ValueError):
            await redis.call(broken)
        assert redis.available
    finally:
        await redis.aclose()


async def test_the_cache_works_in_the_process_while_redis_is_refused() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0", "t:", timeout=0.2)
    try:
        await cache.set_json("a", {"x": 1}, 60)
        assert await cache.get_json("a") == {"x": 1}
        assert [await cache.incr("n", 60) for _ in range(3)] == [1, 2, 3]
        assert await cache.set_if_absent("lock", "1", 60) is True
        assert await cache.set_if_absent("lock", "1", 60) is False
        assert 0 < await cache.ttl("lock") <= 60
        await cache.delete("a", "lock")
        assert await cache.get_json("a") is None and await cache.set_if_absent("lock", "1", 60) is True
        with pytest.raises(RedisUnavailable):
            await cache.ping()
    finally:
        await cache.close()


async def test_closing_during_a_probe_leaves_nothing_running() -> None:
    async def never_answer(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()  # a frozen Redis: the connection is accepted, nothing comes back

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    clock = FakeClock()
    redis = ResilientRedis(f"redis://127.0.0.1:{port}/0", timeout=5, clock=clock)
    try:
        redis.breaker.failed()
        clock.now += 10
        assert not redis.usable()
        await asyncio.sleep(0.05)  # the probe is waiting for its answer

        await redis.aclose()

        assert redis._probe.done()
        assert redis.breaker.probe_due()  # the cancelled probe did not leave the breaker half-open for good
    finally:
        server.close()
