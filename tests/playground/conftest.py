from collections.abc import AsyncIterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from PIL import Image

from playground import BotApiEmulator, create_playground_app
from tests.utils.asgi_server import serve_asgi

BOT_TOKEN = "4242:playground-test-token"


@dataclass
class Playground:
    emulator: BotApiEmulator
    base_url: str


def make_bot(base_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(f"{base_url}/tg"))
    return Bot(token=BOT_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "purple").save(buffer, format="PNG")
    return buffer.getvalue()


async def drain_updates(bot: Bot) -> None:
    """Confirm every pending update so the next test starts from an empty queue."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)


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


@pytest.fixture
async def user(playground: Playground, bot: Bot) -> dict:
    await drain_updates(bot)
    return playground.emulator.create_user("Anna", "ru")


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"
