"""The web process in webhook mode, served for real: the playground's Bot API emulator plays Telegram and
pushes updates through a round-robin proxy to the web app(s)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import Settings
from playground import BotApiEmulator, create_playground_app
from tests.utils.asgi_server import serve_asgi
from tests.utils.round_robin_proxy import RoundRobinProxy
from web.telegram import WEBHOOK_PATH

WEBHOOK_SECRET = "test-webhook-secret_42"


@dataclass
class Telegram:
    emulator: BotApiEmulator
    base_url: str


@pytest.fixture
async def telegram(tmp_path: Path) -> AsyncIterator[Telegram]:
    app = create_playground_app(tmp_path / "telegram")
    async with serve_asgi(app) as base_url:
        try:
            yield Telegram(app.state.emulator, base_url)
        finally:
            await app.state.emulator.aclose()


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[RoundRobinProxy, str]]:
    balancer = RoundRobinProxy()
    async with serve_asgi(balancer) as base_url:
        try:
            yield balancer, base_url
        finally:
            await balancer.aclose()


@pytest.fixture
def settings(settings: Settings, telegram: Telegram, proxy: tuple[RoundRobinProxy, str]) -> Settings:
    return settings.model_copy(update={
        "telegram_api_url": f"{telegram.base_url}/tg",
        "bot_webhook_url": f"{proxy[1]}{WEBHOOK_PATH}",
        "bot_webhook_secret": WEBHOOK_SECRET,
        "bot_webhook_claim_lease_seconds": 3,
        "bot_throttle_seconds": 0,
    })
