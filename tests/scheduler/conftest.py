"""A real Bot API emulator served over HTTP, and an aiogram Bot pointed at it."""
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from api.playground import BotApiEmulator, create_playground_app
from tests.utils.asgi_server import serve_asgi

BOT_TOKEN = "5151:scheduler-test-token"


@dataclass
class Playground:
    emulator: BotApiEmulator
    base_url: str


def make_bot(base_url: str) -> Bot:
    return Bot(token=BOT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(f"{base_url}/tg")))


@pytest.fixture(scope="module")
async def playground(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Playground]:
    app = create_playground_app(tmp_path_factory.mktemp("playground"))
    async with serve_asgi(app) as base_url:
        yield Playground(app.state.emulator, base_url)


@pytest.fixture(scope="module")
async def bot(playground: Playground) -> AsyncIterator[Bot]:
    bot = make_bot(playground.base_url)
    yield bot
    await bot.session.close()
