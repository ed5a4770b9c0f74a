"""Through a real uvicorn server (its access log included): no secret reaches a log line, and a 500 closes the
connection so a kept-alive client's next request simply works.

Also: production without a mail server refuses to start, with its reason.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from api.main import create_app
from core.config import Settings
from core.errors import ConfigurationError
from core.logs import (
    QUIET_LOGGERS,
    UVICORN_LOGGERS,
    install_record_factory,
    quiet_noisy_loggers,
    route_uvicorn_logs_to_root,
)
from tests.api.test_auth import latest_code, latest_reset_token
from tests.helpers import ok_result

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Str0ng-pass!"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def served(app) -> AsyncIterator[str]:
    """The app behind a real uvicorn in this event loop (so it shares the test's database connections)."""
    port = _free_port()
    # As `python -m web` runs it: our logging configuration, uvicorn's loggers at INFO (the access log).
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="info",
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def production_log_levels() -> Iterator[None]:
    """What configure_logging sets up for libraries' loggers, without replacing pytest's log capture (another
    test's uvicorn may have given uvicorn's loggers handlers of their own)."""
    loggers = [logging.getLogger(name) for name in (*QUIET_LOGGERS, *UVICORN_LOGGERS)]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in loggers]
    quiet_noisy_loggers()
    route_uvicorn_logs_to_root()
    yield
    for lg, level, handlers, propagate, disabled in saved:
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate, lg.disabled = propagate, disabled


async def test_no_secret_reaches_any_log_line(container, caplog, production_log_levels) -> None:
    """Everything our code logs, at DEBUG, through signup, verification, refresh, password reset, the ICS feed
    and a signed picture link: not one of the secrets involved appears."""
    secrets: dict[str, str] = {}
    with caplog.at_level(logging.DEBUG):
        async with served(create_app(container)) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
            email = "secret.keeper@example.com"
            signup = ok_result(await client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD}))
            secrets["verification token"] = signup["verification_token"]
            secrets["verification code"] = latest_code(container, email)
            verified = ok_result(await client.post("/api/v1/auth/check-email-verification-code", json={
                "verification_token": signup["verification_token"], "code": secrets["verification code"]}))
            secrets["access token"] = verified["tokens"]["access_token"]
            secrets["refresh token"] = verified["tokens"]["refresh_token"]
            refreshed = ok_result(await client.post("/api/v1/auth/refresh",
                                                    json={"refresh_token": secrets["refresh token"]}))
            secrets["refreshed access token"] = refreshed["access_token"]
            headers = {"Authorization": f"Bearer {refreshed['access_token']}"}

            ok_result(await client.post("/api/v1/auth/request-password-reset", json={"email": email}))
            secrets["reset token"] = latest_reset_token(container, email)
            ok_result(await client.post("/api/v1/auth/reset-password",
                                        json={"token": secrets["reset token"], "new_password": "N3w-secret!"}))

            signed_in = ok_result(await client.post("/api/v1/auth/signin",
                                                    json={"email": email, "password": "N3w-secret!"}))
            headers = {"Authorization": f"Bearer {signed_in['tokens']['access_token']}"}
            feed_url = ok_result(await client.get("/api/v1/calendar/feed", headers=headers))["url"]
            secrets["feed token"] = urlsplit(feed_url).path.rsplit("/", 1)[1].removesuffix(".ics")
            assert (await client.get(_path(feed_url))).status_code == 200

            await client.post("/api/v1/future-story/draft", headers=headers,
                              json={"area_id": "health", "answer": "Бегаю по утрам"})
            story = ok_result(await client.post("/api/v1/future-story/generate", headers=headers))
            asset = ok_result(await client.post("/api/v1/visuals/generate-story-image", headers=headers,
                                                json={"story_id": story["id"], "image_key": "health"}))
            secrets["picture signature"] = dict(p.split("=", 1) for p in urlsplit(asset["url"]).query.split("&"))["sig"]
            assert (await client.get(_path(asset["url"]))).status_code == 200

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    access_lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("/calendar/feed/***.ics" in line for line in access_lines)
    assert any("sig=***" in line for line in access_lines)
    assert any("DEV OUTBOX" in r.getMessage() for r in caplog.records)
    leaked = [name for name, value in secrets.items() if value in logged]
    assert leaked == []


async def test_a_500_closes_the_connection_and_the_next_request_works(container, caplog,
                                                                      production_log_levels) -> None:
    app = create_app(container)

    async def fail() -> None:
        raise RuntimeError("boom on a kept-alive connection")

    app.add_api_route("/test/fail", fail)
    with caplog.at_level(logging.INFO):
        async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
            first = await client.get("/health")
            failed = await client.get("/test/fail", headers={"X-Request-ID": "keepalive-1"})
            after = await client.get("/health")
    assert first.status_code == 200 and after.status_code == 200
    assert failed.status_code == 500 and failed.headers["connection"] == "close"
    assert failed.json()["meta"]["request_id"] == "keepalive-1"
    assert len([r for r in caplog.records if r.exc_info]) == 1


def test_outgoing_request_lines_lose_the_bot_token() -> None:
    install_record_factory()  # as configure_logging does
    record = logging.getLogger("httpx").makeRecord(
        "httpx", logging.INFO, __file__, 1, 'HTTP Request: %s %s "%s %d %s"',
        ("POST", "https://api.telegram.org/bot123456:SECRET/sendMessage", "HTTP/1.1", 200, "OK"), None)
    assert "SECRET" not in record.getMessage() and "/bot***/sendMessage" in record.getMessage()


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "ENV": "production", "DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}", "JWT_SECRET_KEY": "j" * 40,
            "BOT_SECRET_KEY": "b" * 20, "TOKEN_ENCRYPTION_KEYS": "Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=",
            "BOT_TOKEN": "1:x", "PYTHONPATH": str(REPO), **extra}


def test_production_without_smtp_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SMTP_HOST"):
        Settings(_env_file=None, env="production", jwt_secret_key="j" * 40, bot_secret_key="b",
                 token_encryption_keys="k", smtp_host="").ensure_secrets()
    started = subprocess.run([sys.executable, "-m", "web"], cwd=tmp_path, env=_production_env(tmp_path),
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "Mechta cannot start" in started.stderr and "SMTP_HOST" in started.stderr
    assert "Traceback" not in started.stderr
