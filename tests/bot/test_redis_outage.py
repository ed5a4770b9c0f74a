"""The bot with Redis gone: it keeps answering, and a dialog survives Redis dying in the middle and coming back
(dialog state is written through to the database; chat locks fall back to per-process ones)."""
from __future__ import annotations

import asyncio

import pytest

from bot.storage import WriteThroughStorage, create_storage
from core.config import Settings
from tests.bot.conftest import BotWorld, with_text
from tests.bot.test_wheel import onboarded, score_areas, score_question
from tests.utils.redis_server import RedisServer, own_redis

__all__ = ["own_redis"]
BREAKER_SECONDS = 1.0


@pytest.fixture
def settings(settings: Settings, own_redis: RedisServer) -> Settings:
    return settings.model_copy(update={"redis_url": own_redis.url, "redis_breaker_seconds": BREAKER_SECONDS})


async def start_with_redis(world: BotWorld) -> WriteThroughStorage:
    container = world.container
    storage = create_storage(container.settings, container.db, container.redis)
    assert isinstance(storage, WriteThroughStorage)
    await world.start(storage)
    return storage


async def test_the_bot_answers_with_a_dead_redis_url(world: BotWorld, own_redis: RedisServer) -> None:
    own_redis.kill()  # REDIS_URL now points at nothing
    await start_with_redis(world)
    chat, user = await onboarded(world)

    first = await world.say(chat, "/wheel", score_question(1))
    await score_areas(world, chat, first, [7, 3, 6, 8, 2, 9, 5, 10])
    await world.reply(chat, with_text("Focus for now"), after_id=first["id"])

    assert (await world.container.wheel.latest(user.id)).scores["spirit"] == 10


async def test_a_dialog_goes_on_when_redis_dies_in_the_middle(world: BotWorld, own_redis: RedisServer) -> None:
    await start_with_redis(world)
    chat, user = await onboarded(world)
    first = await world.say(chat, "/wheel", score_question(1))
    third = await score_areas(world, chat, first, [9, 8])

    own_redis.kill()
    await score_areas(world, chat, third, [7, 6, 5, 4, 3, 2])
    await world.reply(chat, with_text("Focus for now"), after_id=first["id"])

    assert list((await world.container.wheel.latest(user.id)).scores.values()) == [9, 8, 7, 6, 5, 4, 3, 2]


async def test_steps_taken_while_redis_hung_are_not_undone_when_it_returns(world: BotWorld,
                                                                            own_redis: RedisServer) -> None:
    storage = await start_with_redis(world)
    chat, user = await onboarded(world)
    first = await world.say(chat, "/wheel", score_question(1))
    third = await score_areas(world, chat, first, [9, 8])

    own_redis.pause()
    sixth = await score_areas(world, chat, third, [7, 6, 5])  # Redis still holds the dialog at question 3
    own_redis.resume()
    await asyncio.sleep(BREAKER_SECONDS)
    await score_areas(world, chat, sixth, [4, 3, 2])
    await world.reply(chat, with_text("Focus for now"), after_id=first["id"])

    assert list((await world.container.wheel.latest(user.id)).scores.values()) == [9, 8, 7, 6, 5, 4, 3, 2]
    assert storage.resilient.available
