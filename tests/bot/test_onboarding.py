"""Onboarding through /start: language, time zone with confirmation, ritual times, date of birth."""
from __future__ import annotations

from datetime import date, time

from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, with_button, with_text


async def stored_user(world: BotWorld, chat_id: int):
    user, _ = await world.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat_id))
    return user


async def reach_time_zone_question(world: BotWorld, chat_id: int, language: str) -> dict:
    question = await world.say(chat_id, "/start", with_button(":language:"))
    return await world.press(chat_id, question, f":language:{language}", with_text("🕒"))


def bot_texts(world: BotWorld, chat_id: int) -> list[str]:
    return [view["text"] or view["caption"] or "" for view in world.emulator.messages(chat_id) if view["from"] == "bot"]


async def test_onboarding_in_english_saves_every_answer_and_shows_the_menu(running: BotWorld) -> None:
    chat = running.user("en")

    zone_question = await reach_time_zone_question(running, chat, "en")
    greeting = bot_texts(running, chat)[0]
    assert "Mechta" in greeting and "life wheel" in greeting
    assert "time zone" in zone_question["text"]
    confirm = await running.say(chat, "Berlin", with_button(":tz_confirm:"))
    assert "now in Berlin — right?" in confirm["text"] and "right?" in confirm["text"]
    morning = await running.press(chat, confirm, ":tz_confirm:yes", with_button(":morning_time:"))
    evening = await running.say(chat, "7.30", with_button(":evening_time:"))
    await running.press(chat, evening, ":evening_time:2200", with_button(":date_of_birth:"))
    done = await running.say(chat, "31.12.1990", with_button("m:wheel"))

    assert "All set" in done["text"] and "07:30" in done["text"] and "22:00" in done["text"]
    assert morning["text"].startswith("🌅")
    user = await stored_user(running, chat)
    assert (user.locale, user.time_zone) == ("en", "Europe/Berlin")
    assert (user.morning_time, user.evening_time) == (time(7, 30), time(22, 0))
    assert user.date_of_birth == date(1990, 12, 31)
    assert user.onboarded_at is not None


async def test_onboarding_in_russian_with_a_russian_city_and_skipped_birth_date(running: BotWorld) -> None:
    chat = running.user("ru")

    await reach_time_zone_question(running, chat, "ru")
    confirm = await running.say(chat, "Новосибирск", with_button(":tz_confirm:"))
    assert "— Новосибирск. Верно?" in confirm["text"]
    morning = await running.press(chat, confirm, ":tz_confirm:yes", with_button(":morning_time:"))
    assert "Утренний ритуал" in morning["text"]
    evening = await running.press(chat, morning, ":morning_time:0800", with_button(":evening_time:"))
    birth = await running.press(chat, evening, ":evening_time:2100", with_button(":date_of_birth:"))
    done = await running.press(chat, birth, ":date_of_birth:skip", with_button("m:wheel"))

    assert "Готово" in done["text"]
    user = await stored_user(running, chat)
    assert (user.locale, user.time_zone, user.date_of_birth) == ("ru", "Asia/Novosibirsk", None)
    assert user.onboarded_at is not None


STILL_WAITING = "I'm still waiting for your answer"


async def test_every_wrong_answer_gets_a_friendly_re_ask(running: BotWorld) -> None:
    chat = running.user("en")
    await reach_time_zone_question(running, chat, "en")

    unknown_zone = await running.say(chat, "Qwxzvbn", with_text("🕒"))
    running.emulator.user_sends_photo(chat, _png())
    photo_instead = await running.reply(chat, with_text("🕒"))
    confirm = await running.say(chat, "+3", with_button(":tz_confirm:"))
    morning = await running.press(chat, confirm, ":tz_confirm:yes", with_button(":morning_time:"))
    bad_time = await running.say(chat, "25:99", with_button(":morning_time:"))
    running.emulator.user_sends_photo(chat, _png())
    photo_for_time = await running.reply(chat, with_button(":morning_time:"))
    evening = await running.say(chat, "730", with_button(":evening_time:"))
    birth = await running.say(chat, "21", with_button(":date_of_birth:"))
    not_a_date = await running.say(chat, "soon", with_button(":date_of_birth:"))
    bad_date = await running.say(chat, "31.02.1990", with_button(":date_of_birth:"))
    future = await running.say(chat, "01.01.2999", with_button(":date_of_birth:"))
    too_young = await running.say(chat, running.container.clock.now().strftime("%d.%m.%Y"),
                                   with_button(":date_of_birth:"))
    running.emulator.user_sends_photo(chat, _png())
    photo_for_date = await running.reply(chat, with_button(":date_of_birth:"))

    assert "couldn't find “Qwxzvbn”" in unknown_zone["text"]
    assert photo_instead["text"].startswith(STILL_WAITING) and "Your time zone" in photo_instead["text"]
    assert "UTC+03:00" in confirm["text"] and "daylight saving" in confirm["text"]
    assert "🌅" in morning["text"]
    assert "didn't catch the time" in bad_time["text"] and photo_for_time["text"].startswith(STILL_WAITING)
    assert "🌙" in evening["text"] and "🎂" in birth["text"]
    assert "couldn't read that date" in not_a_date["text"]
    assert "That month has no day 31" in bad_date["text"]
    assert "hasn't happened yet" in future["text"]
    assert "younger than 5" in too_young["text"]
    assert photo_for_date["text"].startswith(STILL_WAITING) and "Date of birth" in photo_for_date["text"]
    user = await stored_user(running, chat)
    assert (user.time_zone, user.morning_time, user.evening_time) == ("Etc/GMT-3", time(7, 30), time(21, 0))
    assert user.onboarded_at is None


async def test_a_shared_location_sets_the_time_zone_after_confirmation(running: BotWorld) -> None:
    chat = running.user("ru")
    await reach_time_zone_question(running, chat, "ru")

    running.emulator.user_sends_location(chat, 56.84, 60.61)  # Yekaterinburg
    confirm = await running.reply(chat, with_button(":tz_confirm:"))
    await running.press(chat, confirm, ":tz_confirm:yes", with_button(":morning_time:"))

    assert "— Екатеринбург. Верно?" in confirm["text"]
    assert (await stored_user(running, chat)).time_zone == "Asia/Yekaterinburg"
    assert running.emulator.chat_status(chat, 0)["reply_keyboard"] is None


async def test_saying_no_to_the_suggested_zone_asks_again_and_saves_nothing(running: BotWorld) -> None:
    chat = running.user("en")
    await reach_time_zone_question(running, chat, "en")

    confirm = await running.say(chat, "Paris", with_button(":tz_confirm:"))
    again = await running.press(chat, confirm, ":tz_confirm:no", with_text("🕒"))

    assert "try again" in again["text"]
    assert (await stored_user(running, chat)).time_zone == "UTC"


async def test_a_returning_user_gets_the_menu_instead_of_onboarding(running: BotWorld) -> None:
    chat = running.user("en", first_name="<Bob>")
    user, _ = await running.container.users.resolve_telegram_user(
        TelegramProfile(telegram_id=chat, first_name="<Bob>", language_code="en"))
    await running.container.users.mark_onboarded(user.id)

    reply = await running.say(chat, "/start")

    assert reply["text"].startswith("👋 Welcome back, <Bob>!")
    assert "m:wheel" in str(reply["keyboard"])


async def test_start_with_a_deep_link_payload_starts_onboarding(running: BotWorld) -> None:
    chat = running.user("en")

    question = await running.say(chat, "/start from-friend_42", with_button(":language:"))

    assert "language" in question["text"]


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()
