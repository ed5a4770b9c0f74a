"""Shared test helpers: make users and sign them in without going through email verification."""
from __future__ import annotations

import asyncio
import functools
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from core.bootstrap import Container
from core.db.models import User
from core.security import hash_password


@functools.cache
def _password_hash(password: str) -> str:
    """One real argon2 hash per password for the whole run: the users made here differ by email and id, and a hash
    (tens of milliseconds on an idle box, most of a second on a loaded one) was a large part of many tests' set-up.
    Sign-up, sign-in and password changes through the app still hash and verify for real."""
    return hash_password(password)


async def make_user(container: Container, *, email: str | None = None, password: str = "Str0ng-pass!",
                    telegram_id: int | None = None, **fields) -> User:
    user = User(
        id=uuid.uuid4(),
        email=email or f"user-{uuid.uuid4().hex[:8]}@example.com",
        email_verified_at=datetime.now(UTC),
        password_hash=_password_hash(password),
        telegram_id=telegram_id,
        created_at=fields.pop("created_at", container.clock.now()),
        **fields,
    )
    async with container.db.transaction() as session:
        session.add(user)
    return user


async def listening(container: Container) -> None:
    """Start the container's drop subscription, as a long-running process does, and wait until it hears drops."""
    container.identities.start()
    async with asyncio.timeout(5):
        while not container.identities.hears_drops:
            await asyncio.sleep(0.01)


async def auth_headers(container: Container, user: User) -> dict[str, str]:
    tokens = await container.auth.start_session(user, user_agent="pytest")
    return {"Authorization": f"Bearer {tokens.access_token}"}


async def signed_in(container: Container, **fields) -> tuple[User, dict[str, str]]:
    user = await make_user(container, **fields)
    return user, await auth_headers(container, user)


def ok_result(response: httpx.Response, status: int = 200):
    body = response.json()
    assert response.status_code == status, body
    assert body["ok"] is True, body
    return body["result"]


def error_of(response: httpx.Response, status: int, code: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert body["ok"] is False and body["result"] is None, body
    assert body["error"]["code"] == code, body
    assert body["error"]["http_code"] == status
    assert body["meta"]["request_id"] == response.headers["X-Request-ID"]
    return body["error"]


# For a test that bounds wall-clock time: one rerun. A wall-clock bound also fails on a stall of the box (a 13 s pause
# of a /health that touches no Redis was seen once in a full run); what these tests catch, a request waiting on Redis,
# is systematic and fails the rerun as well. The bound itself is not loosened.
TIMED = pytest.mark.flaky(reruns=1)


def machine_slowdown() -> float:
    """How many times longer than its CPU time a short pure-Python workload takes right now (1.0 on an idle box,
    about 2 when twice as many busy threads as cores compete). Speed bounds that assume a fast machine are scaled
    by it, measured just around what they time; a bound on a waited-out timeout itself is never scaled."""
    ratios = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.thread_time()
        sum(i * i for i in range(1_000_000))
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        ratios.append(wall / max(cpu, 1e-6))
    return max(1.0, sorted(ratios)[1])
