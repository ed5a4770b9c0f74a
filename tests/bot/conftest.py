"""The real bot (aiogram Dispatcher + Bot over HTTP) long-polling the playground's Bot API emulator.

Tests act as the Telegram user through the emulator's Python API and read the bot's replies from the emulator,
so every request the bot makes goes through HTTP and the emulator's Telegram-like validation.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from bot.dispatcher import create_dispatcher
from bot.factory import create_bot
from bot.storage import DatabaseStorage
from core.bootstrap import Container
from core.config import Settings
from playground import BotApiEmulator, create_playground_app
from tests.utils.asgi_server import serve_asgi

# How long a test waits for a reply before calling it missing: a wait for an event, not a speed bound (a reply
# comes in well under a second on an idle box; a box running two workers beside other load has taken over 15 s).
REPLY_TIMEOUT = 60


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No anti-flood window: tests answer faster than people (the throttling test turns it back on)."""
    return settings.model_copy(update={"bot_throttle_seconds": 0})


@dataclass
class BotWorld:
    emulator: BotApiEmulator
    base_url: str
    container: Container
    bot: Bot
    dispatcher: Dispatcher | None = None
    polling: asyncio.Task | None = None
    storages: list[BaseStorage] = field(default_factory=list)

    async def start(self, storage: BaseStorage | None = None) -> Dispatcher:
        storage = storage or DatabaseStorage(self.container.db)
        self.storages.append(storage)
        self.dispatcher = create_dispatcher(self.container, storage)
        self.polling = asyncio.create_task(self.dispatcher.start_polling(
            self.bot, handle_signals=False, close_bot_session=False, polling_timeout=1,
            allowed_updates=self.dispatcher.resolve_used_update_types()))
        # start_polling is running once its first getUpdates is waiting at the emulator.
        async with asyncio.timeout(10):
            while not self.dispatcher._running_lock.locked():
                await asyncio.sleep(0.01)
        return self.dispatcher

    async def stop(self) -> None:
        if self.polling is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.dispatcher.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.polling, 10)
        self.polling = None
        # Polling hands every update to its own task and does not wait for them when it stops. A handler still
        # running would write to the database after the test emptied it (a user row with the next test's
        # Telegram id), so the world waits for the last ones to finish.
        pending = list(self.dispatcher._handle_update_tasks)
        if pending:
            await asyncio.wait(pending, timeout=10)

    def user(self, language_code: str = "ru", first_name: str = "Anna") -> int:
        return self.emulator.create_user(first_name, language_code)["id"]

    def last_user_message_id(self, chat_id: int) -> int:
        return max(view["id"] for view in self.emulator.messages(chat_id) if view["from"] == "user")

    async def reply(self, chat_id: int, predicate: Callable[[dict], bool] | None = None, *,
                    after_id: int | None = None) -> dict:
        return await self.emulator.wait_for_bot_message(chat_id, predicate, timeout=REPLY_TIMEOUT, after_id=after_id)

    async def say(self, chat_id: int, text: str, predicate: Callable[[dict], bool] | None = None) -> dict:
        """The user sends text; returns the first bot reply matching predicate."""
        sent = self.emulator.user_sends_text(chat_id, text)
        return await self.reply(chat_id, predicate, after_id=sent["message_id"])

    async def press(self, chat_id: int, message: dict, data_suffix: str,
                    predicate: Callable[[dict], bool] | None = None) -> dict:
        """Press the button of `message` whose callback data ends with data_suffix; returns the next matching
        bot message or edit (anything shown after the press)."""
        data = button_data(message, data_suffix)
        before = self.emulator.version
        self.emulator.user_presses_button(chat_id, message["id"], data)
        return await self.changed(chat_id, before, predicate)

    async def changed(self, chat_id: int, after_version: int, predicate: Callable[[dict], bool] | None = None) -> dict:
        """The first bot message created or edited after `after_version` that matches predicate."""
        async with asyncio.timeout(REPLY_TIMEOUT):
            while True:
                seen = self.emulator.version
                for view in self.emulator.changed_messages(chat_id, after_version):
                    if view["from"] == "bot" and not view["deleted"] and (predicate is None or predicate(view)):
                        return view
                await self.emulator.wait_for_change(seen, 1)

    def answered_notice(self, chat_id: int) -> list[str]:
        """Texts of callback answers the user saw (toasts)."""
        return [notice["text"] for notice in self.emulator.chat_status(chat_id, 0)["notices"]]


def buttons(message: dict) -> list[str]:
    return [button.get("callback_data", "") for row in (message.get("keyboard") or []) for button in row]


def button_data(message: dict, data_suffix: str) -> str:
    matches = [data for data in buttons(message) if data.endswith(data_suffix)]
    assert matches, f"no button ending with {data_suffix!r} in {buttons(message)}"
    return matches[0]


async def joined_days_ago(world: BotWorld, user, days: int) -> None:
    """Backdate a person's sign-up, for screens about a time before today (the weekly review of last week)."""
    from datetime import timedelta

    from sqlalchemy import update

    from core.db.models import User

    async with world.container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id)
                              .values(created_at=world.container.clock.now() - timedelta(days=days)))
    await world.container.db.report_users_changed({user.id})


def with_button(data_part: str) -> Callable[[dict], bool]:
    return lambda view: any(data_part in data for data in buttons(view))


def with_text(fragment: str) -> Callable[[dict], bool]:
    return lambda view: fragment in (view["text"] or view["caption"] or "")


async def close_plain_http_session(bot: Bot) -> None:
    """What `bot.session.close()` does, without its 250 ms pause for TLS connections to wind down: the emulator
    speaks plain HTTP, and the pause was paid by every bot test."""
    if bot.session._session is not None:
        await bot.session._session.close()


@pytest.fixture
async def world(container: Container, tmp_path: Path) -> AsyncIterator[BotWorld]:
    app = create_playground_app(tmp_path / "playground")
    async with serve_asgi(app) as base_url:
        settings = container.settings.model_copy(update={"telegram_api_url": f"{base_url}/tg"})
        bot = create_bot(settings)
        world = BotWorld(app.state.emulator, base_url, container, bot)
        try:
            yield world
        finally:
            await world.stop()
            for storage in world.storages:
                await storage.close()
            await close_plain_http_session(bot)


@pytest.fixture
async def running(world: BotWorld) -> BotWorld:
    await world.start()
    return world
