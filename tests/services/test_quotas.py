"""Monthly AI quotas: limits per plan, release, the user's own month, and races for the last unit."""
from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from core.db.models import AIUsageCounter, User
from core.errors import NotFound, QuotaExceeded
from core.services.quotas import usage_cache_key
from tests.helpers import make_user


async def _used(container, user_id, resource: str = "text") -> dict[str, int]:
    async with container.db.read() as session:
        rows = await session.execute(select(AIUsageCounter.period, AIUsageCounter.used)
                                     .where(AIUsageCounter.user_id == user_id, AIUsageCounter.resource == resource))
        return dict(rows.all())


async def _set_used(container, user_id, resource: str, used: int) -> None:
    await container.quotas.reserve(user_id, resource)
    async with container.db.transaction() as session:
        await session.execute(update(AIUsageCounter).where(AIUsageCounter.user_id == user_id,
                                                           AIUsageCounter.resource == resource).values(used=used))
    await container.quotas.forget_usage(user_id)


async def test_free_plan_allows_five_text_units_a_month(container) -> None:
    user = await make_user(container)
    for _ in range(5):
        await container.quotas.reserve(user.id, "text")
    with pytest.raises(QuotaExceeded) as caught:
        await container.quotas.reserve(user.id, "text")
    assert caught.value.code == "QUOTA_EXCEEDED" and caught.value.http_status == 403
    assert caught.value.details == {"resource": "text", "used": 5, "limit": 5}
    assert list((await _used(container, user.id)).values()) == [5]


async def test_free_plan_allows_one_image(container) -> None:
    user = await make_user(container)
    await container.quotas.reserve(user.id, "image")
    with pytest.raises(QuotaExceeded) as caught:
        await container.quotas.reserve(user.id, "image")
    assert caught.value.details == {"resource": "image", "used": 1, "limit": 1}
    # Resources are counted apart.
    await container.quotas.reserve(user.id, "text")


async def test_pro_plan_allows_twenty_images(container) -> None:
    user = await make_user(container, plan="pro")
    for _ in range(20):
        await container.quotas.reserve(user.id, "image")
    with pytest.raises(QuotaExceeded) as caught:
        await container.quotas.reserve(user.id, "image")
    assert caught.value.details == {"resource": "image", "used": 20, "limit": 20}


async def test_pro_plan_allows_a_hundred_text_units(container) -> None:
    user = await make_user(container, plan="pro")
    await _set_used(container, user.id, "text", 99)
    await container.quotas.reserve(user.id, "text")
    with pytest.raises(QuotaExceeded) as caught:
        await container.quotas.reserve(user.id, "text")
    assert caught.value.details == {"resource": "text", "used": 100, "limit": 100}


async def test_release_gives_the_unit_back_once(container) -> None:
    user = await make_user(container)
    reservations = [await container.quotas.reserve(user.id, "text") for _ in range(5)]
    await container.quotas.release(reservations[0])
    await container.quotas.release(reservations[0])
    assert list((await _used(container, user.id)).values()) == [4]
    await container.quotas.reserve(user.id, "text")
    with pytest.raises(QuotaExceeded):
        await container.quotas.reserve(user.id, "text")


async def test_release_never_goes_below_zero(container) -> None:
    user = await make_user(container)
    reservation = await container.quotas.reserve(user.id, "text")
    await _set_used(container, user.id, "text", 0)
    await container.quotas.release(reservation)
    assert list((await _used(container, user.id)).values()) == [0]


async def test_reserved_block_releases_on_failure_and_keeps_on_success(container) -> None:
    user = await make_user(container)
    with pytest.raises(RuntimeError):
        async with container.quotas.reserved(user.id, "text"):
            raise RuntimeError("the AI call failed")
    assert list((await _used(container, user.id)).values()) == [0]
    async with container.quotas.reserved(user.id, "text") as reservation:
        assert reservation.resource == "text"
    assert list((await _used(container, user.id)).values()) == [1]


async def test_usage_reports_used_and_limits_of_the_plan(container) -> None:
    user = await make_user(container, plan="pro")
    await container.quotas.reserve(user.id, "image")
    assert await container.quotas.usage(user) == {"text": {"used": 0, "limit": 100}, "image": {"used": 1, "limit": 20}}


async def test_usage_is_fresh_after_reserve_and_release(container) -> None:
    user = await make_user(container)
    assert (await container.quotas.usage(user))["text"]["used"] == 0  # now cached
    reservation = await container.quotas.reserve(user.id, "text")
    assert (await container.quotas.usage(user))["text"]["used"] == 1
    await container.quotas.release(reservation)
    assert (await container.quotas.usage(user))["text"]["used"] == 0


async def test_usage_is_cached_for_a_minute(container) -> None:
    user = await make_user(container)
    await container.quotas.usage(user)
    assert 0 < await container.cache.ttl(usage_cache_key(user.id)) <= 60


async def test_month_follows_the_users_time_zone(container, clock) -> None:
    # 10:30 UTC on 31 January is already 00:30 on 1 February on Kiritimati (UTC+14).
    clock.set(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    islander = await make_user(container, time_zone="Pacific/Kiritimati")
    londoner = await make_user(container, time_zone="UTC")
    for user in (islander, londoner):
        for _ in range(5):
            await container.quotas.reserve(user.id, "text")
    assert (await container.quotas.usage(islander))["text"]["used"] == 5

    clock.advance(hours=1, minutes=30)
    february = await container.quotas.reserve(islander.id, "text")
    assert february.period == "2026-02"
    assert (await container.quotas.usage(islander))["text"]["used"] == 1
    with pytest.raises(QuotaExceeded):
        await container.quotas.reserve(londoner.id, "text")
    assert await _used(container, islander.id) == {"2026-01": 5, "2026-02": 1}


async def test_release_after_the_month_changed_returns_the_unit_to_its_own_month(container, clock) -> None:
    clock.set(datetime(2026, 3, 31, 23, 50, tzinfo=UTC))
    user = await make_user(container, time_zone="UTC")
    reservation = await container.quotas.reserve(user.id, "text")
    clock.advance(minutes=20)
    await container.quotas.reserve(user.id, "text")
    await container.quotas.release(reservation)
    assert await _used(container, user.id) == {"2026-03": 0, "2026-04": 1}


async def test_only_one_of_two_racing_requests_gets_the_last_unit(container) -> None:
    user = await make_user(container)
    for _ in range(4):
        await container.quotas.reserve(user.id, "text")
    results = await asyncio.gather(*(container.quotas.reserve(user.id, "text") for _ in range(2)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, QuotaExceeded) for r in results) == 1
    assert list((await _used(container, user.id)).values()) == [5]


async def test_racing_first_requests_of_the_month_never_exceed_the_limit(container) -> None:
    user = await make_user(container)
    results = await asyncio.gather(*(container.quotas.reserve(user.id, "text") for _ in range(8)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 5
    assert sum(isinstance(r, QuotaExceeded) for r in results) == 3
    assert list((await _used(container, user.id)).values()) == [5]


async def test_unknown_user_and_resource_are_refused(container) -> None:
    user = await make_user(container)
    with pytest.raises(ValueError):
        await container.quotas.reserve(user.id, "video")
    with pytest.raises(NotFound):
        await container.quotas.reserve(uuid.uuid4(), "text")


async def test_plan_upgrade_raises_the_limit_at_once(container) -> None:
    user = await make_user(container)
    for _ in range(5):
        await container.quotas.reserve(user.id, "text")
    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(plan="pro"))
    await container.quotas.reserve(user.id, "text")
    upgraded = await container.users.get(user.id)
    assert (await container.quotas.usage(upgraded))["text"] == {"used": 6, "limit": 100}

