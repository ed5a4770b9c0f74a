"""Fixtures: every DB-backed test runs on SQLite and on PostgreSQL; Redis-backed parts use the real Redis.

Each pytest process creates its own databases (a temp SQLite file, a uniquely named PostgreSQL database) and
Redis key prefix, migrates once, and empties the tables after every test, so parallel or repeated runs never collide.
Set MECHTA_TEST_BACKENDS=sqlite for a quick local run on SQLite only (CI always runs both).
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from redis.exceptions import RedisError
from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url

import bot.lazy_types  # noqa: F401  (first: the suite runs aiogram's types built on first use, as the processes do)
from core.bootstrap import Container
from core.cache import RedisCache
from core.clock import FrozenClock
from core.config import Settings
from core.db.base import Base
from core.db.migrate import upgrade_async
from core.db.seed import default_area_rows
from core.security import use_password_hash
from tests.fakes.openai_server import fake_openai  # noqa: F401  (a fixture for every test that talks to the fake OpenAI)

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = [b.strip() for b in os.environ.get("MECHTA_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"

# Passwords are hashed with the product's argon2id, at the smallest cost: the recommended one took ~0.5 s a hash on a
# busy box, and sign-ups and sign-ins run through the app in hundreds of tests. What a hash is and how it is checked
# stays the same (tests/unit/test_password_hash.py checks the production cost separately).
use_password_hash(PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)))


async def _postgres_admin(sql: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_ADMIN_URL)
    conn = await asyncpg.connect(user=url.username or "postgres", password=url.password, host=url.host or "127.0.0.1",
                                 port=url.port or 5432, database=url.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mechta")


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_root: Path) -> AsyncIterator[str]:
    """A migrated, empty database for this test process, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_root / f'mechta_{RUN_ID}.db'}"
        await upgrade_async(url)
        yield url
        return
    name = f"mechta_test_{RUN_ID}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        yield url
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        env="test",
        database_url=database_url,
        redis_url=TEST_REDIS_URL,
        redis_prefix=f"mechta-test:{RUN_ID}:{uuid.uuid4().hex[:6]}:",
        data_dir=tmp_path / "data",
        uploads_dir=tmp_path / "uploads",
        jwt_secret_key="test-jwt-secret-" + "x" * 32,
        bot_secret_key="test-bot-secret",
        token_encryption_keys="Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=",
        bot_token="123456:TEST",
        openai_api_key="",
        # Two test workers, PostgreSQL and the browser share two cores: a new connection may take seconds. The
        # outage tests set their own short timeout.
        database_connect_timeout_seconds=20.0,
        google_client_id="",
        google_client_secret="",
        # Tests sign up and sign in far faster than people: the request limits are raised out of their way (the
        # rate-limit tests in tests/resilience set them low). Failed sign-ins stay throttled as configured.
        rate_limit_per_minute=1_000_000,
        rate_limit_signin="100000/minute",
        rate_limit_signup="100000/minute",
        rate_limit_refresh="100000/minute",
        rate_limit_password_reset="100000/minute",
        rate_limit_verification="100000/minute",
        rate_limit_feed="100000/minute",
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def container(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    container = Container(settings, clock=clock)
    try:
        yield container
    finally:
        await _empty_database(container)
        if isinstance(container.cache, RedisCache):
            # A test may have killed or frozen its own Redis: nothing to clean there then.
            with contextlib.suppress(RedisError, OSError):
                keys = [k async for k in container.cache.redis.scan_iter(match=settings.redis_prefix + "*")]
                if keys:
                    await container.cache.redis.delete(*keys)
        await container.close()


async def _empty_database(container: Container) -> None:
    async with container.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.execute(insert(Base.metadata.tables["areas"]), default_area_rows(datetime.now(UTC)))


@pytest.fixture
async def api(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    from api.main import create_app

    app = create_app(container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
