"""Stream expiry has one owner, the scheduler: a stream whose timer ran out while its writer was silent is closed
by a tick, and the writer hears "time's up" exactly once, whoever closes the stream — two scheduler processes at
once, the bot itself when the writer types after the deadline, a tick after a failed send. The bot's dialog copes
with a stream the scheduler closed."""
from __future__ import annotations

import asyncio
from functools import partial

from bot.rituals.render import render_ritual_prompt
from core.bootstrap import Container
from core.services.wants import STREAM_NOTICE_LEASE
from scheduler.app import SchedulerApp
from scheduler.rate_limit import LocalSendRateLimiter
from scheduler.telegram_sender import TelegramPromptSender
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.bot.test_wants import onboarded, start_stream, storage_key
from tests.playground.conftest import make_bot

TIMES_UP = "Time's up"


def scheduler(container: Container, bot) -> SchedulerApp:
    sender = TelegramPromptSender(bot, partial(render_ritual_prompt, container), limiter=LocalSendRateLimiter(100))
    return SchedulerApp(container, sender, hooks=(("wants", "close_expired_streams"),))


def times_up(world: BotWorld, chat: int) -> list[dict]:
    return [view for view in world.emulator.messages(chat) if TIMES_UP in (view["text"] or "")]


async def silent_writer(world: BotWorld) -> tuple[int, object]:
    """A writer who wrote one want and then let the timer run out while the bot was down."""
    chat, user = await onboarded(world)
    await world.start()
    await start_stream(world, chat)
    await world.say(chat, "I want a dog", with_text("Saved"))
    await world.stop()
    world.container.clock.advance(minutes=11)
    return chat, user


async def test_the_scheduler_closes_the_stream_and_tells_the_writer_once_even_from_two_processes(
        world: BotWorld) -> None:
    chat, user = await silent_writer(world)
    twin = Container(world.container.settings, clock=world.container.clock)
    try:
        first, second = scheduler(world.container, world.bot), scheduler(twin, world.bot)
        await asyncio.gather(first.tick(), second.tick())
        await first.tick()
    finally:
        await twin.close()

    (notice,) = times_up(world, chat)
    assert "1 want saved." in notice["text"] and "💭 <b>Wants</b>" in notice["html"]
    assert with_button("wm:future_me")(notice)
    progress = await world.container.wants.progress(user.id)
    assert progress.stream_completed and progress.stream_chars == len("I want a dog")


async def test_typing_into_a_stream_the_scheduler_closed_ends_the_dialog_with_the_checklist(world: BotWorld) -> None:
    chat, user = await silent_writer(world)
    await scheduler(world.container, world.bot).tick()
    await world.start(world.storages[-1])

    reply = await world.say(chat, "I want a cat")

    assert "already closed" in reply["text"] and with_button("wm:future_me")(reply)
    assert await world.dispatcher.storage.get_state(storage_key(world, chat)) is None
    assert (await world.container.wants.get_draft(user.id)).raw_wants_stream == "I want a dog"
    assert len(times_up(world, chat)) == 1


async def test_stop_on_a_stream_the_scheduler_closed_shows_what_comes_next(world: BotWorld) -> None:
    chat, _user = await silent_writer(world)
    rules = next(view for view in world.emulator.messages(chat) if "⏱" in (view["text"] or "") and view["keyboard"])
    await scheduler(world.container, world.bot).tick()
    await world.start(world.storages[-1])

    closed = await world.press(chat, rules, ":stop:0", with_text("1 want saved."))

    assert with_button("wm:future_me")(closed)
    assert await world.dispatcher.storage.get_state(storage_key(world, chat)) is None
    assert len(times_up(world, chat)) == 1


async def test_a_stream_the_writer_closes_after_the_deadline_gets_no_second_notice(running: BotWorld) -> None:
    chat, _user = await onboarded(running)
    await start_stream(running, chat)
    running.container.clock.advance(minutes=12)
    await running.say(chat, "I want one more thing", with_text("time is up"))
    before = len(running.emulator.messages(chat))

    await scheduler(running.container, running.bot).tick()

    assert times_up(running, chat) == []
    assert len(running.emulator.messages(chat)) == before


async def test_a_notice_that_could_not_be_sent_is_sent_once_by_a_later_tick(world: BotWorld) -> None:
    chat, _user = await silent_writer(world)
    unreachable = make_bot("http://127.0.0.1:9")  # nothing listens there: a network failure, not a refusal
    try:
        await scheduler(world.container, unreachable).tick()
    finally:
        await unreachable.session.close()
    app = scheduler(world.container, world.bot)

    await app.tick()  # the failed sender's hold has not run out yet
    held = times_up(world, chat)
    world.container.clock.advance(seconds=STREAM_NOTICE_LEASE.total_seconds())
    await app.tick()
    await app.tick()

    assert held == []
    (notice,) = times_up(world, chat)
    assert "1 want saved." in notice["text"]


async def test_a_writer_who_blocked_the_bot_is_not_retried(world: BotWorld) -> None:
    chat, _user = await silent_writer(world)
    world.emulator.set_blocked(chat, True)
    app = scheduler(world.container, world.bot)
    await app.tick()
    world.emulator.set_blocked(chat, False)

    world.container.clock.advance(seconds=STREAM_NOTICE_LEASE.total_seconds())
    await app.tick()

    assert times_up(world, chat) == []

