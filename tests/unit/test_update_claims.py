"""The claim protocol of webhook updates, in Redis and in the database (the fallback without Redis)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from core.bootstrap import Container
from core.cache import ResilientRedis
from core.services.update_claims import ClaimState, UpdateClaims

BOT = 123456


@pytest.fixture(params=["redis", "database"])
async def claims(request: pytest.FixtureRequest, container: Container) -> AsyncIterator[UpdateClaims]:
    redis: ResilientRedis | None = container.redis if request.param == "redis" else None
    assert request.param == "database" or redis is not None
    yield UpdateClaims(container.db, container.clock, redis=redis, prefix=container.settings.redis_prefix,
                       lease_seconds=30, done_ttl_seconds=86400)


async def test_only_the_first_claim_of_an_update_wins(claims: UpdateClaims) -> None:
    first = await claims.claim(BOT, 1)
    second = await claims.claim(BOT, 1)
    other_update = await claims.claim(BOT, 2)

    assert first[0] is ClaimState.CLAIMED and first[1] is not None
    assert second == (ClaimState.IN_PROGRESS, None)
    assert other_update[0] is ClaimState.CLAIMED


async def test_a_finished_update_is_done_for_every_later_delivery(claims: UpdateClaims) -> None:
    _, claim = await claims.claim(BOT, 7)
    await claims.finish(claim)

    assert await claims.claim(BOT, 7) == (ClaimState.DONE, None)


async def test_a_released_update_can_be_claimed_again(claims: UpdateClaims) -> None:
    _, claim = await claims.claim(BOT, 8)
    await claims.release(claim)

    state, again = await claims.claim(BOT, 8)

    assert state is ClaimState.CLAIMED and again.token != claim.token


async def test_a_dead_holders_database_claim_is_taken_over_after_its_lease(container: Container) -> None:
    dead_replica, claims = (UpdateClaims(container.db, container.clock, redis=None, prefix="", lease_seconds=30,
                                         done_ttl_seconds=86400) for _ in range(2))
    _, dead = await dead_replica.claim(BOT, 9)

    container.clock.advance(timedelta(seconds=29))
    assert await claims.claim(BOT, 9) == (ClaimState.IN_PROGRESS, None)
    container.clock.advance(timedelta(seconds=2))
    state, successor = await claims.claim(BOT, 9)

    assert state is ClaimState.CLAIMED
    assert await dead_replica.renew(dead) is False
    await dead_replica.finish(dead)  # the dead holder's late finish must not count
    assert await claims.claim(BOT, 9) == (ClaimState.IN_PROGRESS, None)
    await claims.finish(successor)
    assert await claims.claim(BOT, 9) == (ClaimState.DONE, None)


async def test_claims_fall_back_to_the_database_when_redis_is_unreachable(container: Container) -> None:
    unreachable = ResilientRedis("redis://127.0.0.1:1/0", timeout=0.2)
    claims = UpdateClaims(container.db, container.clock, redis=unreachable, prefix="", lease_seconds=30,
                          done_ttl_seconds=86400)
    try:
        state, claim = await claims.claim(BOT, 10)
        await claims.finish(claim)

        assert (state, claim.store) == (ClaimState.CLAIMED, "database")
        assert await claims.claim(BOT, 10) == (ClaimState.DONE, None)
    finally:
        await unreachable.aclose()


async def test_a_duplicate_while_redis_stops_answering_is_not_claimed_again(container: Container) -> None:
    # The claim is in Redis; then Redis stops answering and the duplicate would fall back to the database, which
    # knows nothing of it. The process that holds the claim knows.
    claims = UpdateClaims(container.db, container.clock, redis=container.redis,
                          prefix=container.settings.redis_prefix, lease_seconds=30, done_ttl_seconds=86400)
    unreachable = ResilientRedis("redis://127.0.0.1:1/0", timeout=0.2)
    try:
        state, held = await claims.claim(BOT, 11)
        claims.redis = unreachable

        assert (state, held.store) == (ClaimState.CLAIMED, "redis")
        assert await claims.claim(BOT, 11) == (ClaimState.IN_PROGRESS, None)
        await claims.finish(held)  # recorded in the database while Redis is away
        assert await claims.claim(BOT, 11) == (ClaimState.DONE, None)
    finally:
        await unreachable.aclose()
