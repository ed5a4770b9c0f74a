"""The general limit counted in leases: a busy client asks the counter rarely and still stops exactly at the limit;
a client at a human pace takes one unit per request."""
from __future__ import annotations

import pytest

from core.config import Settings
from core.errors import TooManyRequests
from core.rate_limits import RateLimits


def limits(per_minute: int) -> RateLimits:
    return RateLimits(Settings(_env_file=None, env="test", rate_limit_per_minute=per_minute), None)


def count_calls(rate_limits: RateLimits) -> list[int]:
    """Wraps the counter: the cost of every hit it is asked for."""
    costs: list[int] = []
    counter = rate_limits._memory.hit

    async def counted(item, *identifiers, cost: int = 1):
        costs.append(cost)
        return await counter(item, *identifiers, cost=cost)

    rate_limits._memory.hit = counted
    return costs


async def test_a_busy_client_is_refused_exactly_at_the_limit() -> None:
    rate_limits = limits(1000)
    costs = count_calls(rate_limits)
    for _ in range(1000):
        await rate_limits.hit_leased(rate_limits.general, "general", "user:a")
    with pytest.raises(TooManyRequests) as refused:
        await rate_limits.hit_leased(rate_limits.general, "general", "user:a")
    assert refused.value.headers["Retry-After"]
    assert len(costs) < 100  # leases of up to 20 units, not a counter call per request


async def test_leases_are_per_client() -> None:
    rate_limits = limits(100)
    for _ in range(100):
        await rate_limits.hit_leased(rate_limits.general, "general", "user:a")
    with pytest.raises(TooManyRequests):
        await rate_limits.hit_leased(rate_limits.general, "general", "user:a")
    await rate_limits.hit_leased(rate_limits.general, "general", "user:b")


async def test_a_small_limit_is_counted_one_request_at_a_time() -> None:
    rate_limits = limits(3)
    costs = count_calls(rate_limits)
    for _ in range(3):
        await rate_limits.hit_leased(rate_limits.general, "general", "ip:1")
    with pytest.raises(TooManyRequests):
        await rate_limits.hit_leased(rate_limits.general, "general", "ip:1")
    assert set(costs) == {1}
