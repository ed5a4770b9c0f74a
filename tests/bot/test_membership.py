"""Blocking the bot stops ritual prompts; unblocking resumes them."""
from __future__ import annotations

import asyncio

from core.db.models import User
from tests.bot.conftest import BotWorld
from tests.bot.test_dialogs import onboarded


async def _blocked_at(world: BotWorld, user: User):
    async with world.container.db.read() as session:
        return (await session.get(User, user.id)).bot_blocked_at


async def _until(predicate) -> None:
    async with asyncio.timeout(10):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_blocking_and_unblocking_the_bot_is_recorded(running: BotWorld) -> None:
    chat, user = await onboarded(running)

    running.emulator.set_blocked(chat, True)
    await _until(lambda: _is_blocked(running, user, True))
    running.emulator.set_blocked(chat, False)
    await _until(lambda: _is_blocked(running, user, False))

    assert await _blocked_at(running, user) is None


async def _is_blocked(world: BotWorld, user: User, expected: bool) -> bool:
    return (await _blocked_at(world, user) is not None) is expected
