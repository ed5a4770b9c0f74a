"""The scheduler with Redis gone: reminders are still handed out once (per process), and sends keep their pace
on the process's own limiter."""
from __future__ import annotations

import time
from datetime import timedelta

from scheduler.rate_limit import RedisSendRateLimiter, create_send_rate_limiter
from tests.calendar.conftest import monday_clock
from tests.calendar.test_reminders import planned_block
from tests.helpers import TIMED, machine_slowdown

__all__ = ["monday_clock"]


async def test_a_starting_block_is_still_reminded_once_without_redis(container, own_redis, monday_clock) -> None:
    user, step, block = await planned_block(container)
    own_redis.kill()
    monday_clock.set(block.start_at + timedelta(minutes=2))

    first = await container.calendar.reminders.blocks_due(monday_clock.now())
    again = await container.calendar.reminders.blocks_due(monday_clock.now())

    assert [(r.user.id, r.step_id) for r in first] == [(user.id, step.id)]
    assert again == []


@TIMED
async def test_sends_keep_their_pace_on_the_process_limiter_without_redis(container, own_redis) -> None:
    limiter = create_send_rate_limiter(container.cache, rate=20)
    assert isinstance(limiter, RedisSendRateLimiter)
    own_redis.pause()

    slowdown = machine_slowdown()
    started = time.monotonic()
    for _ in range(11):
        await limiter.acquire()
    elapsed = time.monotonic() - started
    slowdown = max(slowdown, machine_slowdown())

    # 11 sends at 20/s need 10 intervals of 50 ms; a frozen Redis costs one timeout (0.5 s) at most. The margin
    # (0.5 s on an idle box: a second timeout fails) stretches with the load; the pace and the timeout do not.
    assert 0.45 <= elapsed < 0.5 + 0.5 + 0.5 * slowdown, (elapsed, slowdown)
