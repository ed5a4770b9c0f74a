"""Incoming rate limits through HTTP: each limit answers 429 RATE_LIMITED with Retry-After, failed sign-ins throttle
the guessing address and never the account, X-Forwarded-For counts only from an allowed proxy, and the limits
hold on the in-process fallback while Redis is down."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from core.bootstrap import Container
from tests.api.test_auth import PASSWORD
from tests.helpers import error_of, make_user, ok_result, signed_in

ATTACKER, OWNER = "203.0.113.7", "198.51.100.9"


@asynccontextmanager
async def client(container: Container, *, ip: str = "127.0.0.1", **settings) -> AsyncIterator[httpx.AsyncClient]:
    """An API client on an app with the given settings (same database and Redis keys as `container`)."""
    from api.main import create_app

    limited = Container(container.settings.model_copy(update=settings), clock=container.clock)
    transport = httpx.ASGITransport(app=create_app(limited), client=(ip, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await limited.close()


def refused(response: httpx.Response, window_seconds: int = 60) -> None:
    error = error_of(response, 429, "RATE_LIMITED")
    assert 0 < int(response.headers["Retry-After"]) <= window_seconds
    assert error["details"]["retry_after"] == int(response.headers["Retry-After"])


async def test_the_general_limit_counts_each_signed_in_user_apart(container) -> None:
    _, first = await signed_in(container)
    _, second = await signed_in(container)
    async with client(container, rate_limit_per_minute=3) as api:
        for _ in range(3):
            ok_result(await api.get("/api/v1/me", headers=first))
        refused(await api.get("/api/v1/me", headers=first))
        ok_result(await api.get("/api/v1/me", headers=second))  # same address, another user


async def test_the_general_limit_counts_each_address_without_a_token(container) -> None:
    async with client(container, rate_limit_per_minute=2) as api:
        for _ in range(2):
            ok_result(await api.get("/api/v1/areas/health"))
        refused(await api.get("/api/v1/areas/health"))
        forged = {"Authorization": "Bearer not-a-token"}  # an invalid token does not open a fresh budget
        refused(await api.get("/api/v1/areas/health", headers=forged))
    async with client(container, ip="10.1.2.3", rate_limit_per_minute=2) as other:
        ok_result(await other.get("/api/v1/areas/health"))


ENDPOINT_LIMITS = [
    ("rate_limit_signin", "POST", "/api/v1/auth/signin", {"email": "who@example.com", "password": "Wrong-pass1"}),
    ("rate_limit_signup", "POST", "/api/v1/auth/signup", {"email": "bad", "password": "x"}),
    ("rate_limit_refresh", "POST", "/api/v1/auth/refresh", {"refresh_token": "not-a-token"}),
    ("rate_limit_password_reset", "POST", "/api/v1/auth/request-password-reset", {"email": "who@example.com"}),
    ("rate_limit_password_reset", "POST", "/api/v1/auth/reset-password",
     {"token": "not-a-token", "new_password": "An0ther-pass!"}),
    ("rate_limit_verification", "POST", "/api/v1/auth/check-email-verification-code",
     {"verification_token": "not-a-token", "code": "123456"}),
    # A new code goes to one address once a minute anyway: each request asks for another address.
    ("rate_limit_verification", "POST", "/api/v1/auth/send-email-verification", {"email": "who{n}@example.com"}),
    ("rate_limit_feed", "GET", "/api/v1/calendar/feed/guessed-token.ics", None),
]


@pytest.mark.parametrize(("setting", "method", "path", "body"), ENDPOINT_LIMITS,
                         ids=[f"{m} {p.rsplit('/', 1)[-1]}" for _, m, p, _ in ENDPOINT_LIMITS])
async def test_each_guessable_endpoint_has_its_own_limit_per_address(container, setting, method, path,
                                                                     body) -> None:
    def numbered(n: int) -> dict | None:
        return body and {key: value.format(n=n) for key, value in body.items()}

    async with client(container, **{setting: "2/minute"}) as api:
        answers = [await api.request(method, path, json=numbered(n)) for n in range(2)]
        assert all(answer.status_code != 429 for answer in answers), [a.json() for a in answers]
        refused(await api.request(method, path, json=numbered(2)))
        ok_result(await api.get("/api/v1/areas/health"))  # the rest of the API is not affected
    async with client(container, ip="10.1.2.3", **{setting: "2/minute"}) as other:
        assert (await other.request(method, path, json=numbered(3))).status_code != 429


async def test_the_right_password_from_another_address_works_after_20_failures_from_one(container) -> None:
    user = await make_user(container, email="owner@example.com")
    async with client(container, forwarded_allow_ips="127.0.0.1", rate_limit_signin="5/minute") as api:
        guesses = [await api.post("/api/v1/auth/signin", json={"email": user.email, "password": f"Guess-{n}!x"},
                                  headers={"X-Forwarded-For": ATTACKER}) for n in range(20)]
        assert [g.status_code for g in guesses] == [401] * 5 + [429] * 15
        refused(guesses[-1])
        # The guessing address is held back even with the right password; the owner, elsewhere, is not.
        refused(await api.post("/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD},
                               headers={"X-Forwarded-For": ATTACKER}))
        owner = ok_result(await api.post("/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD},
                                         headers={"X-Forwarded-For": OWNER}))
        sessions = ok_result(await api.get("/api/v1/auth/sessions", headers={
            "Authorization": f"Bearer {owner['tokens']['access_token']}", "X-Forwarded-For": OWNER}))
    assert [s["ip_address"] for s in sessions["sessions"]] == [OWNER]


async def test_x_forwarded_for_is_ignored_unless_it_comes_from_an_allowed_proxy(container) -> None:
    user = await make_user(container, email="owner@example.com")
    async with client(container, rate_limit_signin="2/minute") as api:  # FORWARDED_ALLOW_IPS empty
        for n in range(2):
            await api.post("/api/v1/auth/signin", json={"email": user.email, "password": "Wrong-pass1"},
                           headers={"X-Forwarded-For": f"10.0.0.{n}"})
        refused(await api.post("/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD},
                               headers={"X-Forwarded-For": OWNER}))
    async with client(container, ip="10.5.5.5", forwarded_allow_ips="127.0.0.1") as api:  # not from the proxy
        tokens = ok_result(await api.post("/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD},
                                          headers={"X-Forwarded-For": OWNER}))["tokens"]
        sessions = ok_result(await api.get("/api/v1/auth/sessions",
                                           headers={"Authorization": f"Bearer {tokens['access_token']}"}))
    assert [s["ip_address"] for s in sessions["sessions"]] == ["10.5.5.5"]


async def test_limits_hold_on_the_in_process_fallback_while_redis_is_down(container, own_redis) -> None:
    own_redis.kill()
    async with client(container, rate_limit_signup="2/minute") as api:
        for n in range(2):
            ok_result(await api.post("/api/v1/auth/signup", json={"email": f"n{n}@example.com",
                                                                   "password": PASSWORD}))
        refused(await api.post("/api/v1/auth/signup", json={"email": "n3@example.com", "password": PASSWORD}))
