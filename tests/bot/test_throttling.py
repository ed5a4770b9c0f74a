"""Fair anti-flood: people pressing at a human pace are never throttled, a flood gets its burst, a short queue and
then a polite answer — a skipped update is never dropped silently."""
from __future__ import annotations

import asyncio

import pytest

from bot.i18n import create_i18n
from bot.middlewares import throttling
from bot.middlewares.throttling import ThrottlingMiddleware
from core.bootstrap import Container
from core.cache import RedisCache
from tests.bot.conftest import BotWorld, button_data, with_button, with_text
from tests.bot.test_dialogs import onboarded

HELP = "What I can do"
TOAST = "One moment — I'm still on your previous taps."


def bot_texts(world: BotWorld, chat: int) -> list[str]:
    return [view["text"] or "" for view in world.emulator.messages(chat) if view["from"] == "bot"]


async def until_quiet(world: BotWorld, seconds: float = 1.0) -> None:
    """Until nothing changed in the emulator for `seconds`."""
    async with asyncio.timeout(30):
        while True:
            seen = world.emulator.version
            await world.emulator.wait_for_change(seen, seconds)
            if world.emulator.version == seen:
                return


async def test_ten_people_pressing_a_button_once_a_second_are_all_answered(world: BotWorld) -> None:
    world.container.settings = world.container.settings.model_copy(update={"bot_throttle_seconds": 0.5})
    await world.start()
    people = [(await onboarded(world))[0] for _ in range(10)]
    menus = {chat: await world.say(chat, "/menu", with_button("m:help")) for chat in people}
    presses = 6

    for _ in range(presses):
        world.container.clock.advance(seconds=1)
        for chat in people:
            world.emulator.user_presses_button(chat, menus[chat]["id"], button_data(menus[chat], "m:help"))
        await asyncio.sleep(1)
    await until_quiet(world)

    helps = {chat: sum(HELP in text for text in bot_texts(world, chat)) for chat in people}
    assert helps == dict.fromkeys(people, presses)
    assert not any(TOAST in notice for chat in people for notice in world.answered_notice(chat))


async def test_a_flood_of_commands_gets_its_burst_a_short_queue_and_one_note(world: BotWorld) -> None:
    world.container.settings = world.container.settings.model_copy(update={"bot_throttle_seconds": 0.5})
    await world.start()
    chat, _ = await onboarded(world)

    for _ in range(12):
        sent = world.emulator.user_sends_text(chat, "/help")
    await until_quiet(world, 2.5)
    while_flooding = bot_texts(world, chat)
    world.container.clock.advance(seconds=5)
    after_the_flood = await world.say(chat, "/help", with_text(HELP))

    assert sum(HELP in text for text in while_flooding) == 8  # a burst of 5, then 3 that waited their turn
    assert sum("Not so fast" in text for text in while_flooding) == 1  # the other 3 were told once
    assert after_the_flood["id"] > sent["message_id"]


async def test_presses_past_the_queue_are_answered_one_moment(world: BotWorld) -> None:
    world.container.settings = world.container.settings.model_copy(update={"bot_throttle_seconds": 0.5})
    await world.start()
    chat, _ = await onboarded(world)
    menu = await world.say(chat, "/menu", with_button("m:help"))
    world.container.clock.advance(seconds=5)  # the bucket is full again

    for _ in range(12):
        world.emulator.user_presses_button(chat, menu["id"], button_data(menu, "m:help"))
    await until_quiet(world, 2.5)

    assert sum(HELP in text for text in bot_texts(world, chat)) == 8
    assert world.answered_notice(chat).count(TOAST) == 4
    assert world.emulator.callback_warnings(chat) == []


def webhook_replica(container: Container) -> ThrottlingMiddleware:
    container.settings = container.settings.model_copy(update={
        "bot_throttle_seconds": 0.5, "bot_webhook_url": "https://mechta.example/api/v1/telegram/webhook",
        "bot_webhook_secret": "replica-secret"})
    return ThrottlingMiddleware(container, create_i18n())


async def test_replicas_add_up_what_they_let_through_and_a_flood_across_them_is_throttled(
        container: Container) -> None:
    first, second = webhook_replica(container), webhook_replica(container)
    person = 777
    first._take(person), second._take(person)
    allowed = 5 + 10 / 0.5  # the burst and the refills of one window

    first.shared.pending = {person: 20}
    await first.shared.flush()
    tokens_within_allowance = first.buckets[person].tokens
    second.shared.pending = {person: 20}  # 40 across the two replicas
    await second.shared.flush()

    assert 20 <= allowed < 40
    assert tokens_within_allowance > 0
    assert second.buckets[person].tokens <= 0


async def test_with_redis_down_the_in_process_buckets_still_hold(container: Container,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    replica = webhook_replica(container)
    live, dead = container.cache, RedisCache("redis://127.0.0.1:1/0")
    container.cache = dead
    monkeypatch.setattr(throttling, "FLUSH_SECONDS", 0)
    try:
        waits = [replica._take(888) for _ in range(10)]
        replica.shared.count(888)
        await replica.shared._flushing  # logs the failure, raises nothing
    finally:
        container.cache = live
        await dead.close()

    assert waits[:5] == [0.0] * 5 and None in waits
