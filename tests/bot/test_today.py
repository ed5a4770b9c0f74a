"""/today: the local day's steps with Done / Skip / Tomorrow buttons that edit the message in place."""
from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

from aiogram.fsm.storage.base import StorageKey

from core.db.models import User
from tests.bot.conftest import BotWorld, button_data, buttons, joined_days_ago, with_text
from tests.scheduler.support import at, tg_user

ZONE = "Asia/Tokyo"


async def day_with_steps(world: BotWorld, titles: list[str]) -> tuple[int, User, date, list]:
    chat = world.user("en")
    # 23:30 UTC is already the next morning in Tokyo: the local day is what counts.
    world.container.clock.set(at("UTC", 2026, 3, 9, 23, 30))
    user = await tg_user(world.container, telegram_id=chat, time_zone=ZONE, first_name="Anna",
                         onboarded_at=world.container.clock.now(), morning=time(8), evening=time(21))
    today = date(2026, 3, 10)
    goal = (await world.container.goals.create_batch(user.id, [{"title": "Get fit", "horizon": "1y"}])).items[0]
    batch = await world.container.steps.create_batch(user.id, [
        {"goal_id": goal.id, "title": title, "level": "day", "planned_date": today, "estimated_minutes": 20}
        for title in titles])
    return chat, user, today, batch.items


async def until_notice(world: BotWorld, chat: int, count: int) -> str:
    async with asyncio.timeout(10):
        while len(world.answered_notice(chat)) < count:
            await world.emulator.wait_for_change(world.emulator.version, 1)
    return world.answered_notice(chat)[-1]


async def test_done_skip_and_tomorrow_edit_the_same_message(running: BotWorld) -> None:
    chat, user, today, (jog, read, call) = await day_with_steps(running, ["Jog", "Read 10 pages", "Call mom"])
    screen = await running.say(chat, "/today", with_text("Today"))
    assert "▫️ Jog · 20 min" in screen["text"] and "Tue, 10 Mar" in screen["text"]

    done = await running.press(chat, screen, f"td:done:{jog.id.hex}",
                               lambda view: view["id"] == screen["id"] and "✅ Jog" in view["text"])
    toast = await until_notice(running, chat, 1)
    skipped = await running.press(chat, done, f"td:skip:{read.id.hex}",
                                  lambda view: view["id"] == screen["id"] and "⏭ Read" in view["text"])
    moved = await running.press(chat, skipped, f"td:tomorrow:{call.id.hex}",
                                lambda view: view["id"] == screen["id"] and "Call mom" not in view["text"])

    assert toast == "✅ Done! +10 XP"
    assert not any(jog.id.hex in data for data in buttons(done))
    assert buttons(moved) == ["m:goals", "m:menu"]  # nothing left open: where to go next
    steps = {step.title: step for step in await running.container.steps.list(user.id)}
    assert (steps["Jog"].status, steps["Read 10 pages"].status) == ("done", "skipped")
    assert steps["Call mom"].planned_date == today + timedelta(days=1)
    assert "Morning ritual: not yet" in moved["text"]


async def test_a_second_tap_from_another_message_is_outdated_and_pays_nothing(running: BotWorld) -> None:
    chat, user, _today, (jog,) = await day_with_steps(running, ["Jog"])
    first = await running.say(chat, "/today", with_text("Today"))
    second = await running.say(chat, "/today", with_text("Today"))

    await running.press(chat, first, f"td:done:{jog.id.hex}", lambda view: view["id"] == first["id"]
                        and "✅ Jog" in view["text"])
    data = button_data(second, f"td:done:{jog.id.hex}")
    running.emulator.user_presses_button(chat, second["id"], data)
    notice = await until_notice(running, chat, 2)

    assert notice == "This menu is outdated — please use the latest message."
    assert (await running.container.gamification.profile(user.id)).xp == 15 + 10 + 10  # goals, plan, one step


async def test_today_shows_the_rituals_written_today(running: BotWorld) -> None:
    chat, user, _today, _steps = await day_with_steps(running, ["Jog"])
    await running.container.rituals.add_entry(user.id, entry_type="morning", answers={"intention": "Run"},
                                              energy_score=7)

    screen = await running.say(chat, "/today", with_text("Today"))

    assert "Morning ritual: done ✅" in screen["text"] and "Evening ritual: not yet" in screen["text"]



async def test_today_ends_an_open_dialog(running: BotWorld) -> None:
    chat, user, _today, _steps = await day_with_steps(running, ["Jog"])
    await joined_days_ago(running, user, 14)
    key = StorageKey(bot_id=running.bot.id, chat_id=chat, user_id=chat)
    await running.say(chat, "/review", with_text("Your reflection"))
    in_review = await running.dispatcher.fsm.storage.get_state(key)

    await running.say(chat, "/today", with_text("Today"))

    assert in_review is not None
    assert await running.dispatcher.fsm.storage.get_state(key) is None
    assert await running.dispatcher.fsm.storage.get_data(key) == {}


async def test_an_empty_day_offers_the_goals_and_the_menu(running: BotWorld) -> None:
    chat = running.user("ru")
    await tg_user(running.container, telegram_id=chat, time_zone=ZONE, first_name="Аня", locale="ru",
                  onboarded_at=running.container.clock.now(), morning=time(8), evening=time(21))

    screen = await running.say(chat, "/today", with_text("Сегодня"))

    assert "На сегодня ничего не запланировано" in screen["text"]
    assert [button["text"] for row in screen["keyboard"] for button in row] == ["🎯 Цели", "☰ Меню"]
    goals = await running.press(chat, screen, "m:goals", with_text("Цели"))  # the button leads to the goals
    assert "Целей пока нет" in goals["text"]
