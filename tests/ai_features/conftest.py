"""Fixtures for the AI features: a local OpenAI-compatible server and a Container/API client that use it.

`container`/`api` (from tests/conftest.py) run with no OPENAI_API_KEY, i.e. the offline provider;
`online_container`/`online_api` share the same database but talk to `fake_openai` through the real openai client.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.bootstrap import Container
from core.clock import FrozenClock
from core.config import Settings
from tests.fakes.openai_server import FakeOpenAI, running_fake_openai

# Long enough for a loaded CI machine, short enough that the timeout test stays quick.
FAKE_TIMEOUT_SECONDS = 1.0


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with running_fake_openai() as fake:
        yield fake


@pytest.fixture
def online_settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return settings.model_copy(update={
        "openai_api_key": "test",
        "openai_base_url": fake_openai.base_url,
        "openai_timeout_seconds": FAKE_TIMEOUT_SECONDS,
        "openai_max_retries": 0,
    })


@pytest.fixture
async def online_container(container: Container, online_settings: Settings,
                           clock: FrozenClock) -> AsyncIterator[Container]:
    """Same database as `container` (which empties it afterwards), but the OpenAI provider."""
    online = Container(online_settings, clock=clock)
    try:
        yield online
    finally:
        await online.close()


@pytest.fixture
async def online_api(online_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    from api.main import create_app

    app = create_app(online_container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
