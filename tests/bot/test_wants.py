"""/wants through the Bot API emulator: the stream (stop word, timer, restart), "I am 40", the reverse questions,
the offline analysis and its failure texts."""
from __future__ import annotations

import asyncio
from io import BytesIO

from aiogram.fsm.storage.base import StorageKey
from PIL import Image

from core.db.models.wants import WANTS_COMPLETED
from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, button_data, buttons, with_button, with_text


async def onboarded(world: BotWorld, language: str = "en") -> tuple[int, object]:
    chat = world.user(language)
    user, _ = await world.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat,
                                                                                language_code=language))
    await world.container.users.mark_onboarded(user.id)
    return chat, user


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def storage_key(world: BotWorld, chat: int) -> StorageKey:
    return StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat)


async def until_notice(world: BotWorld, chat: int, count: int = 1) -> list[str]:
    async with asyncio.timeout(10):
        while len(world.answered_notice(chat)) < count:
            await world.emulator.wait_for_change(world.emulator.version, 1)
    return world.answered_notice(chat)


async def start_stream(world: BotWorld, chat: int) -> dict:
    checklist = await world.say(chat, "/wants", with_button("wm:stream"))
    return await world.press(chat, checklist, "wm:stream", with_text("The “I want” stream"))


async def finish_exercises(world: BotWorld, user) -> None:
    wants = world.container.wants
    await wants.create_raw(user.id)
    await wants.append_stream(user.id, "I want to run a marathon\nI want a house by the sea\nstop")
    await wants.append_future_me(user.id, "I live by the sea and run every morning.")
    await wants.finish_future_me(user.id)
    await wants.update_reverse(user.id, {"raw_envy": "My friend's bakery", "raw_regrets": "Never learned music",
                                         "raw_what_to_do_5y": "Travel and open a school"})


async def test_the_three_exercises_end_in_an_offline_labelled_analysis(running: BotWorld) -> None:
    chat, user = await onboarded(running)

    await start_stream(running, chat)
    await running.say(chat, "I want to run a marathon", with_text("Saved"))
    await running.say(chat, "I want a house by the sea\nI want to learn Spanish", with_text("Saved"))
    stream_closed = await running.say(chat, "stop", with_text("3 wants saved."))

    await running.press(chat, stream_closed, "wm:future_me", with_text("“I am 40”"))
    await running.say(chat, "I live by the sea with my family.", with_button(":finish:"))
    last = await running.say(chat, "Every morning I run along the beach.", with_button(":finish:"))
    future_done = await running.press(chat, last, ":finish:0", with_text("“I am 40” is done"))

    first = await running.press(chat, future_done, "wm:reverse", with_text("1 of 3"))
    second = await running.say(chat, "My friend's bakery <3 & its smell", with_text("2 of 3"))
    back = await running.press(chat, second, ":back:1", with_text("1 of 3"))
    second = await running.press(chat, back, ":keep:0", with_text("2 of 3"))
    await running.say(chat, "Never learned to play music", with_text("3 of 3"))
    ready = await running.say(chat, "Travel, and open a small running school", with_text("Reverse questions are done"))
    analysis = await running.press(chat, ready, "wm:analyze", with_text("Your wants, read back"))

    assert first and "My friend's bakery &lt;3 &amp; its smell" in back["html"]
    raw = (await running.container.wants.history(user.id, page=1, page_size=1))[0][0]
    assert raw.status == WANTS_COMPLETED
    assert raw.raw_wants_stream == "I want to run a marathon\nI want a house by the sea\nI want to learn Spanish"
    assert raw.future_me == "I live by the sea with my family.\nEvery morning I run along the beach."
    assert raw.raw_envy == "My friend's bakery <3 & its smell"
    assert "You wrote down 3 wants" in analysis["text"]
    assert "Top wants by area" in analysis["text"] and "• run a marathon" in analysis["text"]
    assert "Offline draft" in analysis["text"]
    stored = await running.container.wants.latest_analysis(user.id)
    assert stored.generated_by == "offline" and stored.raw_id == raw.id
    # The offline analysis is quick: "typing…" says enough, and no progress message fills the chat.
    assert not [view for view in running.emulator.messages(chat)
                if any(mark in (view["text"] or "") for mark in ("Reading your wants", "Done — here is what I see"))]


async def test_the_russian_stop_word_ends_the_stream(running: BotWorld) -> None:
    chat, _user = await onboarded(running, "ru")
    checklist = await running.say(chat, "/wants", with_button("wm:stream"))
    await running.press(chat, checklist, "wm:stream", with_text("Поток"))
    await running.say(chat, "Хочу научиться плавать", with_text("Сохранено"))

    closed = await running.say(chat, "Стоп", with_text("Поток закрыт"))

    assert "Сохранено 1 желание." in closed["text"]
    assert await running.dispatcher.storage.get_state(storage_key(running, chat)) is None


async def test_time_left_is_shown_by_the_button_and_by_the_time_command(running: BotWorld) -> None:
    chat, _user = await onboarded(running)
    rules = await start_stream(running, chat)

    running.emulator.user_presses_button(chat, rules["id"], button_data(rules, ":time:0"))
    notices = await until_notice(running, chat)
    running.container.clock.advance(minutes=3, seconds=15)
    later = await running.say(chat, "/time", with_text("Time left"))

    assert notices == ["⏱ Time left: 10:00"]
    assert later["text"] == "⏱ Time left: 6:45"


async def test_stopping_an_empty_stream_asks_for_a_want_first(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)

    reply = await running.say(chat, "stop")

    assert reply["text"] == "Write at least one want before you stop."
    assert (await running.container.wants.progress(user.id)).stream_completed is False


async def test_writing_after_the_deadline_keeps_the_text_and_closes_the_stream(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)
    running.container.clock.advance(minutes=12)

    closed = await running.say(chat, "I want one more thing", with_text("time is up"))

    assert "1 want saved." in closed["text"]
    assert (await running.container.wants.progress(user.id)).stream_completed


async def test_messages_that_are_not_text_are_asked_again(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)
    running.emulator.user_sends_photo(chat, png())
    stream_reask = await running.reply(chat)
    await running.say(chat, "I want a bike", with_text("Saved"))
    checklist = await running.say(chat, "stop", with_button("wm:reverse"))
    await running.press(chat, checklist, "wm:reverse", with_text("1 of 3"))

    photo = running.emulator.user_sends_photo(chat, png())
    question = await running.reply(chat, with_text("1 of 3"), after_id=photo["message_id"])

    assert stream_reask["text"].startswith("I'm still waiting for your answer")
    assert "The “I want” stream" in stream_reask["text"] and any(":stop:" in data for data in buttons(stream_reask))
    assert (await running.container.wants.progress(user.id)).reverse_envy_filled is False
    assert question["text"].startswith("I'm still waiting for your answer")


async def test_stream_buttons_are_outdated_once_the_dialog_is_left(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    rules = await start_stream(running, chat)
    await running.say(chat, "/cancel", with_text("stopped"))

    running.emulator.user_presses_button(chat, rules["id"], button_data(rules, ":stop:0"))
    notices = await until_notice(running, chat)

    assert notices == ["This menu is outdated — please use the latest message."]
    assert (await running.container.wants.progress(user.id)).stream_completed is False


async def test_an_exhausted_text_quota_is_explained_and_the_exercises_stay_saved(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await finish_exercises(running, user)
    for _ in range(5):
        await running.container.quotas.reserve(user.id, "text")
    checklist = await running.say(chat, "/wants", with_button("wm:analyze"))

    failure = await running.press(chat, checklist, "wm:analyze", with_text("this month's 5 AI texts"))

    assert buttons(failure) == ["m:menu"]  # no retry (it would fail the same way), the way on instead
    assert await running.container.wants.latest_analysis(user.id) is None
    raw = (await running.container.wants.history(user.id, page=1, page_size=1))[0][0]
    assert raw.future_me == "I live by the sea and run every morning."
    again = await running.say(chat, "/wants", with_button("wm:analyze"))
    assert "Your last round of exercises is complete" in again["text"]


async def test_a_second_tap_on_analyze_does_not_analyze_twice(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await finish_exercises(running, user)
    checklist = await running.say(chat, "/wants", with_button("wm:analyze"))

    data = button_data(checklist, "wm:analyze")
    running.emulator.user_presses_button(chat, checklist["id"], data)
    running.emulator.user_presses_button(chat, checklist["id"], data)
    await running.reply(chat, with_text("Your wants, read back"), after_id=checklist["id"])
    notices = await until_notice(running, chat, 1)

    assert notices[-1] == "This analysis is ready — it's in the chat above."
    assert (await running.container.quotas.usage(user))["text"]["used"] == 1
