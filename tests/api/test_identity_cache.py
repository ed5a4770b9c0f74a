"""The cached identity behind access tokens: two API replicas (own containers and in-process caches, one database and
one Redis) must refuse a session revoked on the other at once, and see user changes made elsewhere."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from api.main import create_app
from core.bootstrap import Container
from core.db.models import User
from core.identity import CLOCK_MARGIN_SECONDS, IdentityCache, identity_key, identity_of
from core.services.quotas import USAGE_COMPANION
from tests.helpers import listening, ok_result, signed_in

# Pub/sub delivery between two processes takes milliseconds; this bounds it generously.
PROPAGATION_SECONDS = 1.0


@pytest.fixture
async def replicas(container: Container, settings, clock) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    other = Container(settings, clock=clock)
    clients = []
    try:
        for each in (container, other):
            await listening(each)
            clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(each)),
                                             base_url="http://testserver"))
        yield tuple(clients)
    finally:
        for client in clients:
            await client.aclose()
        await other.close()


async def _status_within(client: httpx.AsyncClient, headers: dict, expected: int) -> int:
    deadline = time.monotonic() + PROPAGATION_SECONDS
    while True:
        response = await client.get("/api/v1/me", headers=headers)
        if response.status_code == expected or time.monotonic() > deadline:
            return response.status_code
        await asyncio.sleep(0.01)


async def test_logout_on_one_replica_is_refused_by_the_other_that_cached_the_session(replicas, container):
    first, second = replicas
    user, headers = await signed_in(container)
    await asyncio.sleep(CLOCK_MARGIN_SECONDS + 0.1)  # past the drop that creating the user caused
    ok_result(await first.get("/api/v1/me", headers=headers))
    assert user.id in container.identities._local  # the first replica answers from its memory now

    ok_result(await second.post("/api/v1/auth/logout", headers=headers))

    assert await _status_within(first, headers, 401) == 401
    body = (await first.get("/api/v1/me", headers=headers)).json()
    assert body["error"]["code"] == "AUTH_SESSION_REVOKED"


async def test_a_profile_change_on_one_replica_shows_on_the_other(replicas, container):
    first, second = replicas
    user, headers = await signed_in(container, locale="ru")
    await asyncio.sleep(CLOCK_MARGIN_SECONDS + 0.1)
    assert ok_result(await first.get("/api/v1/me", headers=headers))["user"]["locale"] == "ru"
    assert user.id in container.identities._local

    ok_result(await second.put("/api/v1/me", headers=headers, json={"locale": "en"}))

    deadline = time.monotonic() + PROPAGATION_SECONDS
    while ok_result(await first.get("/api/v1/me", headers=headers))["user"]["locale"] != "en":
        assert time.monotonic() < deadline, "the first replica kept the old profile"
        await asyncio.sleep(0.01)


async def test_ai_usage_spent_in_another_process_shows_at_once_in_me(replicas, container, settings, clock):
    first, _second = replicas
    user, headers = await signed_in(container)
    await asyncio.sleep(CLOCK_MARGIN_SECONDS + 0.1)
    assert ok_result(await first.get("/api/v1/me", headers=headers))["usage"]["text"]["used"] == 0
    assert container.identities.recall(user.id, USAGE_COMPANION) is not None  # the counters are in memory now

    worker = Container(settings, clock=clock)  # the bot or the scheduler, spending a unit
    try:
        await worker.quotas.reserve(user.id, "text")
    finally:
        await worker.close()

    deadline = time.monotonic() + PROPAGATION_SECONDS
    while ok_result(await first.get("/api/v1/me", headers=headers))["usage"]["text"]["used"] != 1:
        assert time.monotonic() < deadline, "the first process kept the old counters"
        await asyncio.sleep(0.01)


async def _drops_published_during(container: Container, action) -> list[str]:
    """The user ids published on the drop channel while `action` ran, in order."""
    channel = container.identities.channel
    listener = Redis.from_url(container.settings.redis_url, decode_responses=True)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(channel)
        await action()
        # Messages on one channel arrive in order: everything the action published comes before this one.
        await listener.publish(channel, "end")
        published = []
        async with asyncio.timeout(5):
            while (message := await pubsub.get_message(timeout=1.0)) is None or message["data"] != "end":
                if message is not None:
                    published.append(message["data"])
        return published
    finally:
        await pubsub.aclose()
        await listener.aclose()


async def test_a_profile_change_drops_the_identity_once(api, container):
    user, headers = await signed_in(container, locale="ru")

    async def change_locale() -> None:
        ok_result(await api.put("/api/v1/me", headers=headers, json={"locale": "en"}))

    assert await _drops_published_during(container, change_locale) == [str(user.id)]


async def test_usage_read_before_the_last_drop_is_not_kept_in_memory(container):
    await listening(container)
    user, _headers = await signed_in(container)
    await container.identities.forget([user.id])

    container.identities.keep(user.id, USAGE_COMPANION, {"period": "2030-01", "used": {}},
                              checked_at=time.time() - 5, ttl_seconds=60)

    assert container.identities.recall(user.id, USAGE_COMPANION) is None


async def test_a_user_disabled_in_the_database_is_refused_after_a_committed_change(api, container):
    user, headers = await signed_in(container)
    ok_result(await api.get("/api/v1/me", headers=headers))

    async with container.db.transaction() as session:
        (await session.get(User, user.id)).is_active = False

    response = await api.get("/api/v1/me", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "AUTH_USER_INACTIVE"


async def test_a_cached_identity_needs_no_database_until_it_is_dropped(api, container):
    user, headers = await signed_in(container, first_name="Ada")
    # Creating the user dropped its identity; reads within the clock margin of a drop are not cached.
    await asyncio.sleep(CLOCK_MARGIN_SECONDS + 0.1)
    ok_result(await api.get("/api/v1/me", headers=headers))
    # A bulk statement bypasses the ORM: the cached row is served until something drops it.
    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(first_name="Grace"))
    assert ok_result(await api.get("/api/v1/me", headers=headers))["user"]["first_name"] == "Ada"

    await container.db.report_users_changed({user.id})

    assert ok_result(await api.get("/api/v1/me", headers=headers))["user"]["first_name"] == "Grace"


async def test_a_read_older_than_the_last_drop_is_not_cached(container):
    user, _headers = await signed_in(container)
    identities = container.identities
    auth_session = await container.auth.start_session(user)
    principal = await container.auth.authenticate_access_token(auth_session.access_token)
    checked_before_the_drop = time.time() - 5
    await identities.forget([user.id])

    await identities.put(user.id, identity_of(principal.user, principal.session), checked_at=checked_before_the_drop)

    assert await identities.get(user.id) is None
    assert await container.cache.get_json(identity_key(user.id)) is None


async def test_without_a_time_to_live_nothing_is_cached(container):
    user, _headers = await signed_in(container)
    identities = IdentityCache(container.cache, ttl_seconds=0, redis_url=container.settings.redis_url)
    tokens = await container.auth.start_session(user)
    principal = await container.auth.authenticate_access_token(tokens.access_token)
    await identities.put(user.id, identity_of(principal.user, principal.session), checked_at=time.time())

    assert await identities.get(user.id) is None


async def test_a_process_that_cannot_hear_drops_uses_no_cached_identity(container):
    """Redis unreachable for the subscription: even the cache's in-memory fallback could miss a revocation."""
    user, _headers = await signed_in(container)
    await asyncio.sleep(CLOCK_MARGIN_SECONDS + 0.1)
    tokens = await container.auth.start_session(user)
    principal = await container.auth.authenticate_access_token(tokens.access_token)
    unreachable = IdentityCache(container.cache, ttl_seconds=30, redis_url="redis://127.0.0.1:1/0",
                                redis_prefix=container.settings.redis_prefix)
    unreachable.start()
    try:
        await unreachable.put(user.id, identity_of(principal.user, principal.session), checked_at=time.time())
        assert await unreachable.get(user.id) is None
    finally:
        await unreachable.close()
