"""Without an AI key the coach says plainly it is offline and offers the menu; /progress and /settings show the AI
requests left this month and when they renew, in the person's language."""
from __future__ import annotations

from datetime import UTC, datetime, time

from core.db.models import User
from tests.bot.conftest import BotWorld, buttons, with_text
from tests.scheduler.support import tg_user

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


async def onboarded(world: BotWorld, locale: str = "en", **fields) -> tuple[int, User]:
    world.container.clock.set(fields.pop("now", NOW))
    chat = world.user(locale)
    user = await tg_user(world.container, telegram_id=chat, locale=locale, first_name="Anna",
                         onboarded_at=world.container.clock.now(), morning=time(8), evening=time(21), **fields)
    return chat, user


async def test_offline_the_coach_says_it_is_offline_and_offers_the_menu(running: BotWorld) -> None:
    chat, user = await onboarded(running)

    reply = await running.say(chat, "I have no energy this week, what should I drop?", with_text("offline"))

    assert reply["text"].startswith("🔌 The coach is offline: no AI is connected")
    assert "I have no energy this week, what should I drop?" in reply["text"]  # the advice quotes the question
    assert {"m:wheel", "m:goals", "m:today", "m:calendar"} <= set(buttons(reply))
    assert await running.container.coach.memory(user.id) == []


async def test_offline_russian_coach_speaks_of_ii(running: BotWorld) -> None:
    chat, _user = await onboarded(running, "ru")

    reply = await running.say(chat, "/ask Что мне делать сегодня?", with_text("офлайн"))

    assert reply["text"].startswith("🔌 Коуч сейчас офлайн: ИИ не подключён")
    assert "AI" not in reply["text"]


async def test_a_command_nobody_knows_and_a_bare_ask_still_get_a_way_forward(running: BotWorld) -> None:
    chat, _user = await onboarded(running)

    unknown = await running.say(chat, "/nonsense", with_text("didn't quite get that"))
    hint = await running.say(chat, "/ask", with_text("Ask me anything"))

    assert "m:wheel" in buttons(unknown) and "m:menu" in buttons(hint)


async def test_progress_shows_the_ai_requests_left_and_when_they_renew(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    for _ in range(2):
        await running.container.quotas.reserve(user.id, "text")

    screen = await running.say(chat, "/progress", with_text("Your progress"))

    assert "🤖 3 AI requests of 5 left this month; they renew on April 1" in screen["text"]


async def test_settings_show_the_allowance_in_russian_with_plural_forms_and_the_year_in_december(
        running: BotWorld) -> None:
    chat, user = await onboarded(running, "ru", now=datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    for _ in range(4):
        await running.container.quotas.reserve(user.id, "text")

    screen = await running.say(chat, "/settings", with_text("Настройки"))

    assert "🤖 В этом месяце остался 1 запрос к ИИ из 5; лимит обновится 1 января 2027\u202fг." in screen["text"]


async def test_the_month_renews_by_the_persons_own_time_zone(running: BotWorld) -> None:
    # 23:30 UTC on 31 March is already April in Tokyo: a fresh month with all five requests.
    chat, _user = await onboarded(running, time_zone="Asia/Tokyo", now=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))

    screen = await running.say(chat, "/progress", with_text("Your progress"))

    assert "🤖 5 AI requests of 5 left this month; they renew on May 1" in screen["text"]


async def test_a_question_over_the_limit_is_asked_to_be_shorter_and_spends_nothing(running: BotWorld) -> None:
    chat, user = await onboarded(running)

    reply = await running.say(chat, "why " * 1010, with_text("characters"))

    assert reply["text"] == "That's 4,039 characters — please keep the question within 4,000 characters."
    assert (await running.container.quotas.usage(user))["text"]["used"] == 0


async def test_the_offline_coach_spends_no_ai_request(running: BotWorld) -> None:
    chat, user = await onboarded(running)

    for number in range(6):
        await running.say(chat, f"Question {number}?", with_text(f"Question {number}?"))

    assert (await running.container.quotas.usage(user))["text"]["used"] == 0
