"""Commands, settings, stale buttons, /cancel, anti-flood and the error handler."""
from __future__ import annotations

import asyncio
from datetime import time

from bot.commands import set_commands
from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, with_button, with_text


async def onboarded(world: BotWorld, language: str = "en", **profile):
    chat = world.user(language)
    user, _ = await world.container.users.resolve_telegram_user(
        TelegramProfile(telegram_id=chat, language_code=language))
    if profile:
        user = await world.container.users.update_profile(user.id, profile)
    await world.container.users.mark_onboarded(user.id)
    return chat, user


async def until_notice(world: BotWorld, chat: int, count: int = 1) -> list[str]:
    async with asyncio.timeout(10):
        while len(world.answered_notice(chat)) < count:
            await world.emulator.wait_for_change(world.emulator.version, 1)
    return world.answered_notice(chat)


async def test_cancel_leaves_the_dialog_and_its_buttons_become_outdated(running: BotWorld) -> None:
    chat, _ = await onboarded(running)
    question = await running.say(chat, "/wheel", with_button(":score:"))

    cancelled = await running.say(chat, "/cancel", with_text("stopped"))
    menu = await running.reply(chat, with_button("m:wheel"), after_id=cancelled["id"])
    running.emulator.user_presses_button(chat, question["id"], question["keyboard"][0][0]["callback_data"])
    notices = await until_notice(running, chat)

    assert menu["text"] == "What shall we do?"
    assert notices == ["This menu is outdated — please use the latest message."]
    assert await running.dispatcher.storage.get_state(_key(running, chat)) is None


async def test_cancel_outside_a_dialog_says_there_is_nothing_to_cancel(running: BotWorld) -> None:
    chat, _ = await onboarded(running, "ru")

    reply = await running.say(chat, "/cancel")

    assert reply["text"] == "Отменять нечего."


async def test_a_command_inside_a_dialog_is_not_taken_as_an_answer(running: BotWorld) -> None:
    chat = running.user("en")
    question = await running.say(chat, "/start", with_button(":language:"))
    await running.press(chat, question, ":language:en", with_text("🕒"))

    help_text = await running.say(chat, "/help", with_text("What I can do"))

    assert "/wheel" in help_text["text"]


async def test_changing_the_time_zone_in_settings_keeps_ritual_times_local(running: BotWorld) -> None:
    chat, user = await onboarded(running, time_zone="Europe/Moscow", morning_time=time(7, 15),
                                 evening_time=time(22, 30))
    screen = await running.say(chat, "/settings", with_button("st:time_zone"))
    assert "Time zone: Moscow (now" in screen["text"] and "07:15" in screen["text"]

    await running.press(chat, screen, "st:time_zone", with_text("🕒"))
    confirm = await running.say(chat, "america/new_york", with_button(":tz_confirm:"))
    back = await running.press(chat, confirm, ":tz_confirm:yes", with_button("st:time_zone"))

    assert "Time zone: New York (now" in back["text"] and "07:15" in back["text"] and "22:30" in back["text"]
    stored = await running.container.users.get(user.id)
    assert (stored.time_zone, stored.morning_time, stored.evening_time) == ("America/New_York", time(7, 15),
                                                                            time(22, 30))


async def test_switching_the_language_in_settings_answers_in_the_new_language(running: BotWorld) -> None:
    chat, user = await onboarded(running, "en")
    screen = await running.say(chat, "/settings", with_button("st:language"))

    question = await running.press(chat, screen, "st:language", with_button(":language:"))
    back = await running.press(chat, question, ":language:ru", with_button("st:language"))

    assert back["text"].startswith("⚙️ Настройки")
    assert (await running.container.users.get(user.id)).locale == "ru"


async def test_removing_the_date_of_birth_in_settings(running: BotWorld) -> None:
    from datetime import date

    chat, user = await onboarded(running, "en", date_of_birth=date(1990, 5, 17))
    screen = await running.say(chat, "/settings", with_button("st:date_of_birth"))
    assert "Date of birth: May 17, 1990" in screen["text"]

    question = await running.press(chat, screen, "st:date_of_birth", with_button(":date_of_birth:"))
    back = await running.press(chat, question, ":date_of_birth:skip", with_button("st:language"))

    assert "Date of birth: not set" in back["text"]
    assert (await running.container.users.get(user.id)).date_of_birth is None


async def test_an_unexpected_message_outside_dialogs_gets_the_menu(running: BotWorld) -> None:
    chat, _ = await onboarded(running)

    # Text outside a dialog goes to the coach (tests/bot/test_coach*.py); anything else gets the menu.
    sent = running.emulator.user_sends_location(chat, 52.52, 13.40)
    reply = await running.reply(chat, after_id=sent["message_id"])

    assert reply["text"] == "I didn't quite get that. Here is what I can do:"
    assert "m:wheel" in str(reply["keyboard"])


async def test_text_typed_inside_a_dialog_is_never_throttled(world: BotWorld) -> None:
    world.container.settings = world.container.settings.model_copy(update={"bot_throttle_seconds": 2})
    await world.start()
    chat, user = await onboarded(world)
    checklist = await world.say(chat, "/wants", with_button("wm:stream"))
    world.container.clock.advance(seconds=2)
    await world.press(chat, checklist, "wm:stream", with_text("The “I want” stream"))

    for part in range(5):  # a long paste arrives as several messages at once
        world.emulator.user_sends_text(chat, f"I want part {part}")
    async with asyncio.timeout(15):
        while "part 4" not in ((await world.container.wants.get_draft(user.id)).raw_wants_stream or ""):
            await world.emulator.wait_for_change(world.emulator.version, 0.5)

    stream = (await world.container.wants.get_draft(user.id)).raw_wants_stream
    assert all(f"I want part {part}" in stream for part in range(5))


async def test_a_failing_handler_gets_a_kind_message_in_the_users_language(running: BotWorld) -> None:
    chat, user = await onboarded(running, "ru")
    first = await running.say(chat, "/wheel", with_button(":score:"))
    await running.container.areas.deactivate("career")  # the area disappears while the user is scoring
    question = first
    for step in range(8):
        question = await running.press(chat, question, ":score:5",
                                       with_text("·") if step < 7 else with_text("список сфер жизни изменился"))

    assert question["text"].startswith("Пока вы ставили оценки")
    assert await running.container.wheel.latest(user.id) is None


async def test_commands_are_published_in_russian_english_and_by_default(running: BotWorld) -> None:
    await set_commands(running.bot, running.dispatcher["i18n"])

    russian = await running.bot.get_my_commands(language_code="ru")
    english = await running.bot.get_my_commands(language_code="en")
    default = await running.bot.get_my_commands()

    assert {c.command: c.description for c in russian}["wheel"] == "Колесо жизни"
    assert {c.command: c.description for c in english}["wheel"] == "Life wheel"
    assert [c.command for c in default] == [c.command for c in english]


def _key(world: BotWorld, chat: int):
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat)
