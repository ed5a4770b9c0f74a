"""Redis refused (killed) or hanging (SIGSTOP): every endpoint family still answers 2xx within a second on the
in-process fallbacks, /health says degraded, and the app goes back to Redis once it answers again."""
from __future__ import annotations

import asyncio
import logging
import time

import pytest

from core.security import hash_password
from tests.api.test_auth import PASSWORD, latest_code, latest_reset_token
from tests.helpers import TIMED, machine_slowdown, ok_result, signed_in
from tests.resilience.conftest import BREAKER_SECONDS, timed
from tests.utils.redis_server import RedisServer

FAST_SECONDS = 1.0
PASSWORD_PATHS = {"/api/v1/auth/signup", "/api/v1/auth/signin", "/api/v1/auth/reset-password"}
GOAL = {"title": "Run a half marathon", "area_id": "health", "horizon": "1y"}


def break_redis(server: RedisServer, outage: str) -> None:
    server.kill() if outage == "refused" else server.pause()


@pytest.mark.parametrize("outage", ["refused", "hanging"])
@TIMED
async def test_every_endpoint_family_answers_fast_without_redis(api, container, own_redis, outage) -> None:
    user, headers = await signed_in(container)
    feed_url = ok_result(await api.get("/api/v1/calendar/feed", headers=headers))["url"]
    break_redis(own_redis, outage)
    # What the machine needs right now for one password hash: on a busy CI box it alone can take most of a
    # second, so requests that hash or check a password get it on top of the bound. Redis may add nothing.
    started = time.monotonic()
    await asyncio.to_thread(hash_password, PASSWORD)
    hash_seconds = time.monotonic() - started
    # The bound is for this box: FAST_SECONDS on an idle one, stretched by how loaded it is around the requests.
    slowdown = machine_slowdown()

    answers = []

    async def call(method: str, path: str, **kwargs):
        response, elapsed = await timed(api.request(method, path, **kwargs))
        answers.append((method, path, response.status_code, round(elapsed, 3)))
        return ok_result(response)

    # The first request finds Redis dead and waits out one timeout (0.5 s); on a busy machine a password hash on
    # top of it could pass a second by itself, so that request is a light one.
    await call("GET", "/api/v1/me", headers=headers)
    signup = await call("POST", "/api/v1/auth/signup", json={"email": "fresh@example.com", "password": PASSWORD})
    verified = await call("POST", "/api/v1/auth/check-email-verification-code", json={
        "verification_token": signup["verification_token"], "code": latest_code(container, "fresh@example.com")})
    await call("POST", "/api/v1/auth/send-email-verification", json={"email": "someone@example.com"})
    signed = await call("POST", "/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD})
    await call("POST", "/api/v1/auth/refresh", json={"refresh_token": signed["tokens"]["refresh_token"]})
    await call("POST", "/api/v1/auth/request-password-reset", json={"email": user.email})
    await call("POST", "/api/v1/auth/reset-password", json={
        "token": latest_reset_token(container, user.email), "new_password": "An0ther-pass!"})
    fresh = {"Authorization": f"Bearer {verified['tokens']['access_token']}"}
    assert (await call("GET", "/api/v1/me", headers=fresh))["user"]["email"] == "fresh@example.com"
    await call("POST", "/api/v1/life_wheel", headers=fresh, json={"scores": {"health": 6, "career": 7}})
    assert (await call("GET", "/api/v1/life_wheel/latest", headers=fresh))["scores"]["health"] == 6
    await call("POST", "/api/v1/goals/batch", headers=fresh, json={"goals": [GOAL]})
    assert [g["title"] for g in (await call("GET", "/api/v1/goals", headers=fresh))] == [GOAL["title"]]
    await asyncio.sleep(BREAKER_SECONDS)  # a probe is due now: it runs in the background, nobody waits for it
    feed, elapsed = await timed(api.get(feed_url[feed_url.index("/api/v1/"):]))
    answers.append(("GET", "feed.ics", feed.status_code, round(elapsed, 3)))
    health = await call("GET", "/health")
    slowdown = max(slowdown, machine_slowdown())

    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert all(200 <= status < 300 for *_, status, _elapsed in answers), answers
    slow = [(path, elapsed) for _method, path, _status, elapsed in answers
            if elapsed >= FAST_SECONDS * slowdown + (hash_seconds if path in PASSWORD_PATHS else 0)]
    assert slow == [], (hash_seconds, slowdown, answers)
    assert health["status"] == "degraded"
    assert {c["name"]: c["status"] for c in health["components"]}["redis"] == "down"


async def test_the_app_returns_to_redis_when_it_answers_again(api, container, own_redis) -> None:
    _, headers = await signed_in(container)
    own_redis.pause()
    ok_result(await api.get("/api/v1/me", headers=headers))
    assert ok_result(await api.get("/health"))["status"] == "degraded"

    own_redis.resume()
    await asyncio.sleep(BREAKER_SECONDS)
    ok_result(await api.get("/api/v1/me", headers=headers))  # the probe is due: it runs in the background
    await container.redis.wait_for_probe()
    ok_result(await api.get("/api/v1/me", headers=headers))

    assert ok_result(await api.get("/health"))["status"] == "ok"
    assert container.redis.available
    assert await container.redis.client.exists(container.settings.redis_prefix + "me:user:" + str(_.id)) == 1


@TIMED
async def test_a_dead_redis_is_tried_once_per_breaker_period_not_per_request(api, container, own_redis) -> None:
    _, headers = await signed_in(container)
    # What a /me takes on this box right now with Redis answering: a request that waits for the frozen Redis takes
    # the Redis timeout on top of about that much, on any machine.
    answered = []
    for _ in range(3):
        _response, seconds = await timed(api.get("/api/v1/me", headers=headers))
        answered.append(seconds)
    own_redis.pause()
    elapsed = []
    for _ in range(20):
        _response, seconds = await timed(api.get("/api/v1/me", headers=headers))
        elapsed.append(seconds)
        await asyncio.sleep(BREAKER_SECONDS / 5)

    # The first request waits out one Redis timeout; then the breaker skips Redis, and its probes run in the
    # background, so no later request waits, however many breaker periods pass.
    slow = [seconds for seconds in elapsed if seconds >= container.settings.redis_timeout_seconds + min(answered) / 2]
    assert len(slow) <= 1, (answered, elapsed)


async def test_an_outage_costs_a_line_per_dropped_identity_not_a_traceback(container, own_redis, caplog) -> None:
    user, _ = await signed_in(container)
    break_redis(own_redis, "refused")

    with caplog.at_level(logging.WARNING):
        await container.identities.forget([user.id])  # meets the outage (opens the breaker)
        await container.identities.forget([user.id])  # skipped while the breaker is open

    ours = [record for record in caplog.records if record.name.startswith("mechta.")]
    dropped = [record.getMessage() for record in ours if "could not drop the cached identities" in record.getMessage()]
    assert len(dropped) == 2 and "RedisUnavailable" in dropped[1]
    assert [record.getMessage() for record in ours if record.exc_info] == []
