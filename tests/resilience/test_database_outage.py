"""The database gone and back, through a real HTTP server and one kept-alive client: 503 SERVICE_UNAVAILABLE with
Retry-After, quickly and without a reset connection, then 2xx again without a restart.

PostgreSQL is reached through a TCP proxy the test closes and reopens (the shared server is never stopped);
SQLite "goes away" when its folder does."""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy.engine import make_url

from core.bootstrap import Container
from core.db.failures import is_database_unavailable
from core.db.migrate import upgrade_async
from tests.helpers import auth_headers, error_of, make_user, ok_result
from tests.resilience.conftest import timed
from tests.utils.asgi_server import serve_asgi
from tests.utils.tcp_proxy import TcpProxy

FAST_SECONDS = 5.0  # well under the minute a hanging connect would take without a timeout


@asynccontextmanager
async def served(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A served app and a client patient enough for a loaded CI box: speed is asserted where it matters (FAST_SECONDS),
    not by httpx's default five-second read timeout."""
    from api.main import create_app

    async with serve_asgi(create_app(container)) as base_url, httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        yield client


def unavailable(response: httpx.Response, retry_after: int) -> None:
    error = error_of(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["Retry-After"] == str(retry_after)
    assert error["details"]["retry_after"] == retry_after


async def test_postgres_gone_answers_503_then_recovers_without_a_restart(container, database_url, settings) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the TCP proxy stands in front of PostgreSQL; SQLite has its own test below")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    proxied = settings.model_copy(update={
        "database_url": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
        "database_connect_timeout_seconds": 3.0})
    app_container = Container(proxied, clock=container.clock)
    try:
        headers = await auth_headers(app_container, await make_user(app_container))
        async with served(app_container) as client:
            ok_result(await client.get("/api/v1/me", headers=headers))

            await proxy.close()
            # The goals list always reads the database (/me may be answered from the identity and usage caches).
            gone, elapsed = await timed(client.get("/api/v1/goals", headers=headers))
            unavailable(gone, proxied.database_retry_after_seconds)
            assert elapsed < FAST_SECONDS
            unavailable(await client.post("/api/v1/life_wheel", headers=headers, json={"scores": {"health": 5}}),
                        proxied.database_retry_after_seconds)
            health = await client.get("/health")
            assert health.status_code == 503 and health.json()["result"]["status"] == "down"

            await proxy.reopen()
            ok_result(await client.get("/api/v1/goals", headers=headers))  # the same kept-alive client, no restart
            ok_result(await client.get("/api/v1/me", headers=headers))
            ok_result(await client.post("/api/v1/life_wheel", headers=headers, json={"scores": {"health": 5}}))
            assert (await client.get("/health")).status_code == 200
    finally:
        await app_container.close()
        await proxy.close()


async def test_sqlite_that_cannot_be_opened_answers_503(container, backend, settings, tmp_path) -> None:
    if backend != "sqlite":
        pytest.skip("a SQLite file of its own; PostgreSQL has the proxy test above")
    folder = tmp_path / "vanishing"
    database_url = f"sqlite+aiosqlite:///{folder / 'mechta.db'}"
    await upgrade_async(database_url)
    app_container = Container(settings.model_copy(update={"database_url": database_url}), clock=container.clock)
    try:
        headers = await auth_headers(app_container, await make_user(app_container))
        await app_container.db.dispose()  # no pooled connection keeps the old file open
        shutil.rmtree(folder)
        async with served(app_container) as client:
            unavailable(await client.get("/api/v1/me", headers=headers), settings.database_retry_after_seconds)
            assert (await client.get("/health")).status_code == 503
    finally:
        await app_container.close()


def test_a_bug_is_not_mistaken_for_an_outage() -> None:
    assert not is_database_unavailable(ValueError("not a database problem"))
    assert not is_database_unavailable(ConnectionRefusedError("raised outside the database stack"))
