"""Ritual prompts from the scheduler's renderer and the morning, evening and weekly flows through the emulator."""
from __future__ import annotations

import asyncio
from datetime import date, time
from functools import partial

from sqlalchemy import select

from bot.rituals.render import render_ritual_prompt
from core.db.models import JournalEntry, User
from scheduler.rate_limit import LocalSendRateLimiter
from scheduler.telegram_sender import TelegramPromptSender
from tests.bot.conftest import BotWorld, buttons, with_text
from tests.scheduler.support import at, log_rows, tg_user

ZONE = "Europe/Berlin"


async def ritual_user(world: BotWorld, *, language: str = "en", **fields) -> tuple[int, User]:
    chat = world.user(language)
    user = await tg_user(world.container, telegram_id=chat, time_zone=ZONE, locale=language, first_name="Anna",
                         onboarded_at=world.container.clock.now(), morning=time(8), evening=time(21), **fields)
    return chat, user


async def deliver(world: BotWorld) -> None:
    sender = TelegramPromptSender(world.bot, partial(render_ritual_prompt, world.container),
                                  limiter=LocalSendRateLimiter(100))
    await world.container.prompt_delivery.deliver_due(sender)


async def plan_steps(world: BotWorld, user: User, day: date, titles: list[str]) -> list:
    goal = (await world.container.goals.create_batch(user.id, [{"title": "Get fit", "horizon": "1y"}])).items[0]
    batch = await world.container.steps.create_batch(user.id, [
        {"goal_id": goal.id, "title": title, "level": "day", "planned_date": day} for title in titles])
    return sorted(batch.items, key=lambda step: step.title)


async def until_notice(world: BotWorld, chat: int, count: int) -> str:
    async with asyncio.timeout(10):
        while len(world.answered_notice(chat)) < count:
            await world.emulator.wait_for_change(world.emulator.version, 1)
    return world.answered_notice(chat)[-1]


def edited(message: dict, fragment: str):
    return lambda view: view["id"] == message["id"] and fragment in (view["text"] or "")


async def journal(world: BotWorld, user: User) -> list[JournalEntry]:
    async with world.container.db.read() as session:
        return list(await session.scalars(select(JournalEntry).where(JournalEntry.user_id == user.id)))


def with_key(message: dict, label: str):
    return lambda view: view["id"] == message["id"] and label in [
        button["text"] for row in view["keyboard"] or [] for button in row]


async def test_the_scheduled_morning_prompt_is_answered_and_shows_xp_and_streak(running: BotWorld) -> None:
    clock = running.container.clock
    clock.set(at(ZONE, 2026, 3, 10, 7, 0))
    chat, user = await ritual_user(running, date_of_birth=date(1990, 5, 17))
    await plan_steps(running, user, date(2026, 3, 10), ["Jog"])

    clock.set(at(ZONE, 2026, 3, 10, 8, 0, 5))
    await deliver(running)
    prompt = await running.reply(chat, with_text("Good morning, Anna!"), after_id=0)
    await running.press(chat, prompt, ":energy:7::1", edited(prompt, "Energy: 7/10"))
    question = await running.reply(chat, with_text("One intention for today"), after_id=prompt["id"])
    done = await running.say(chat, "Finish the <report> & rest", with_text("Morning ritual done"))

    assert "Tue, 10 Mar" in prompt["text"] and "illuminated" in prompt["text"]
    assert "Personal day number" in prompt["text"] and "▫️ Jog" in prompt["text"]
    assert any(":snooze:" in data for data in buttons(prompt)) and question
    assert "+10 XP" in done["text"] and "1 day in a row" in done["text"]
    assert "New achievement: First ritual" in done["text"]
    assert buttons(done) == ["m:today", "m:menu"]
    [entry] = await journal(running, user)
    assert (entry.type, entry.local_date, entry.energy_score) == ("morning", date(2026, 3, 10), 7)
    assert entry.answers == {"intention": "Finish the <report> & rest"}
    assert [row.status for row in await log_rows(running.container, user)] == ["sent"]


async def test_the_evening_toggles_steps_takes_the_mood_and_counts_after_midnight(running: BotWorld) -> None:
    clock = running.container.clock
    clock.set(at(ZONE, 2026, 3, 10, 22, 30))
    chat, user = await ritual_user(running, language="ru")
    jog, read = await plan_steps(running, user, date(2026, 3, 10), ["Jog", "Read"])

    prompt = await running.say(chat, "/evening", with_text("Добрый вечер, Anna!"))
    once = await running.press(chat, prompt, f":step:1:{jog.id.hex}:0", with_key(prompt, "✅ Jog"))
    twice = await running.press(chat, once, f":step:1:{read.id.hex}:0", with_key(prompt, "✅ Read"))
    undone = await running.press(chat, twice, f":step:2:{read.id.hex}:0", with_key(prompt, "▫️ Read"))
    await running.press(chat, undone, ":mood:8::0", edited(prompt, "Настроение: 8/10"))
    await running.reply(chat, with_text("Один вопрос в конце дня"), after_id=prompt["id"])
    clock.set(at(ZONE, 2026, 3, 11, 1, 30))  # the answer comes after midnight
    done = await running.say(chat, "Благодарна за солнце", with_text("Вечерний ритуал пройден"))
    progress = await running.press(chat, done, "m:progress", with_text("Ваш прогресс"))

    assert "+10 XP" in done["text"] and buttons(done) == ["m:progress", "m:menu"]
    assert "1 день подряд" in progress["text"]
    steps = {step.title: step.status for step in await running.container.steps.list(user.id)}
    assert steps == {"Jog": "done", "Read": "planned"}
    [entry] = await journal(running, user)
    assert entry.local_date == date(2026, 3, 10)
    assert (entry.mood_score, entry.answers["steps_done"]) == (8, ["Jog"])


async def test_snooze_brings_the_prompt_back_and_skip_today_stops_it(running: BotWorld) -> None:
    clock = running.container.clock
    clock.set(at(ZONE, 2026, 3, 10, 7, 0))
    chat, user = await ritual_user(running)
    clock.set(at(ZONE, 2026, 3, 10, 8, 0, 5))
    await deliver(running)
    first = await running.reply(chat, with_text("Good morning"), after_id=0)

    await running.press(chat, first, ":snooze:0::1", edited(first, "bring this back in 30 minutes"))
    [row] = await log_rows(running.container, user)
    clock.advance(minutes=31)
    await deliver(running)
    again = await running.reply(chat, with_text("Good morning"), after_id=first["id"])
    skipped = await running.press(chat, again, ":skip:0::1", edited(again, "no morning ritual today"))
    clock.advance(minutes=31)
    await deliver(running)

    assert row.status == "snoozed" and skipped["keyboard"] is None
    assert len([m for m in running.emulator.messages(chat) if "Good morning" in (m["text"] or "")]) == 2
    assert [row.status for row in await log_rows(running.container, user)] == ["sent"]


async def test_the_weekly_review_shows_the_week_and_plans_the_next_one(running: BotWorld) -> None:
    clock = running.container.clock
    clock.set(at(ZONE, 2026, 3, 2, 9, 0))  # Monday; the review day is Sunday
    chat, user = await ritual_user(running)
    container = running.container
    done, missed = await plan_steps(running, user, date(2026, 3, 3), ["Jog on Tuesday", "Swim"])
    await container.steps.mark_done(user.id, done.id)
    goal_id = done.goal_id
    monthly = (await container.steps.create_batch(user.id, [
        {"goal_id": goal_id, "title": "Sign up for a race", "level": "month"}])).items[0]
    for day, mood in ((2, 4), (3, 7), (4, 9)):
        clock.set(at(ZONE, 2026, 3, day, 21, 0))
        await container.rituals.add_entry(user.id, entry_type="evening", answers={"reflection": "ok"},
                                          mood_score=mood)

    clock.set(at(ZONE, 2026, 3, 8, 19, 0))
    photo = await running.say(chat, "/review", lambda view: view["photo_url"] is not None)
    await running.reply(chat, with_text("Your reflection"), after_id=photo["id"])
    sent = running.emulator.user_sends_text(chat, "A good week, tired on Wednesday")
    summary = await running.reply(chat, with_text("Your week, summed up"), after_id=sent["message_id"])
    choice = await running.reply(chat, with_text("Next week"), after_id=sent["message_id"])
    first = await running.press(chat, choice, ":toggle:0:1",
                                lambda view: view["id"] == choice["id"] and "☑️" in str(view["keyboard"]))
    second = await running.press(chat, first, ":toggle:1:1",
                                 lambda view: view["id"] == choice["id"] and str(view["keyboard"]).count("☑️") == 2)
    plan = await running.press(chat, second, ":commit:0:0", with_text("Next week's plan"))
    week = await running.press(chat, plan, "cal:plan", lambda view: "Swim" in (view["text"] or "")
                               and "cpl:" in str(view["keyboard"]))

    assert "Weekly review · Mon, 2 Mar – Sun, 8 Mar" in photo["caption"]
    assert "1 of 2 steps done" in photo["caption"] and "Average mood: 6.7" in photo["caption"]
    assert running.emulator.file_bytes(photo["photo_url"].rsplit("/", 1)[1]).startswith(b"\x89PNG")
    assert "Offline draft" in summary["text"] and "+50 XP" in summary["text"]
    assert "Sign up for a race" in plan["text"] and "Swim" in plan["text"]
    assert "Sign up for a race" in week["text"]  # the review hands over to "Plan my week"
    planned = {step.title: step.planned_date for step in await container.steps.list(user.id)}
    assert date(2026, 3, 9) <= planned["Sign up for a race"] <= date(2026, 3, 15)
    assert date(2026, 3, 9) <= planned["Swim"] <= date(2026, 3, 15)
    assert monthly and missed


async def test_a_morning_prompt_from_yesterday_is_answered_as_outdated(running: BotWorld) -> None:
    running.container.clock.set(at(ZONE, 2026, 3, 10, 9, 0))
    chat, user = await ritual_user(running)
    prompt = await running.say(chat, "/morning", with_text("Good morning"))

    running.container.clock.advance(days=1)
    running.emulator.user_presses_button(chat, prompt["id"], buttons(prompt)[4])
    notice = await until_notice(running, chat, 1)

    assert notice == "This menu is outdated — please use the latest message."
    assert await journal(running, user) == []


async def test_a_missed_review_is_asked_for_first_and_after_three_days_the_week_starts_fresh(
        running: BotWorld) -> None:
    clock = running.container.clock
    chat, _user = await ritual_user(running, created_at=at(ZONE, 2026, 2, 20, 12, 0))
    clock.set(at(ZONE, 2026, 3, 10, 9, 0))  # Tuesday: Sunday's review is two days late

    prompt = await running.say(chat, "/morning", with_text("Good morning"))
    clock.set(at(ZONE, 2026, 3, 12, 9, 0))  # Thursday: four days late
    today = await running.say(chat, "/today", with_text("Today"))
    again = await running.say(chat, "/today", with_text("Today"))

    assert "Last week's review is still waiting (2 Mar – 8 Mar)" in prompt["text"]
    assert "rv::start:0:0" in buttons(prompt)
    assert "A new week, a fresh start" in today["text"]
    assert "fresh start" not in again["text"]


async def test_progress_shows_level_streak_and_achievements_and_joins_the_leaderboard(running: BotWorld) -> None:
    running.container.clock.set(at(ZONE, 2026, 3, 10, 9, 0))
    chat, user = await ritual_user(running)
    await running.container.rituals.add_entry(user.id, entry_type="morning", answers={"intention": "x"},
                                              energy_score=6)

    progress = await running.say(chat, "/progress", with_text("Your progress"))
    await running.press(chat, progress, "pg:join:", with_text("How shall I show you"))
    joined = await running.say(chat, "  Anna   the <Brave> ", with_text("on the leaderboard as"))
    board = await running.reply(chat, with_text("Leaderboard"), after_id=joined["id"])

    assert "Level 1 · 10 XP" in progress["text"] and "1 day in a row" in progress["text"]
    assert "🏅 First ritual — Complete a morning or evening ritual" in progress["text"]
    assert "“Anna the <Brave>”" in joined["text"]
    assert "1. Anna the <Brave> — level 1, 10 XP" in board["text"]
    assert buttons(progress)[-1] == "m:menu" and buttons(board) == ["m:progress", "m:menu"]
    reloaded = await running.container.users.get(user.id)
    assert (reloaded.leaderboard_opt_in, reloaded.display_name) == (True, "Anna the <Brave>")


async def test_a_second_morning_answer_the_same_day_gets_a_friendly_notice(running: BotWorld) -> None:
    running.container.clock.set(at(ZONE, 2026, 3, 10, 9, 0))
    chat, user = await ritual_user(running)
    prompt = await running.say(chat, "/morning", with_text("Good morning"))
    await running.container.rituals.add_entry(user.id, entry_type="morning", answers={}, energy_score=5)

    running.emulator.user_presses_button(chat, prompt["id"], buttons(prompt)[6])
    notice = await until_notice(running, chat, 1)

    assert notice == "This ritual is already done for that day — see you at the next one!"
    [entry] = await journal(running, user)
    assert entry.energy_score == 5


async def test_a_review_of_a_week_before_joining_offers_to_plan_the_one_ahead(running: BotWorld) -> None:
    running.container.clock.set(at(ZONE, 2026, 3, 10, 9, 0))  # Tuesday: the review looks back at 2–8 March
    chat, _user = await ritual_user(running, language="ru")

    answer = await running.say(chat, "/review", with_text("оглядываться пока не на что"))

    assert answer["text"].startswith("📝 Обзор недели · ")
    assert buttons(answer) == ["m:goals", "m:calendar", "m:menu"]
    texts = [view["text"] or "" for view in running.emulator.messages(chat) if view["from"] == "bot"]
    assert not any("Ваши" in text and "неделя" in text for text in texts[:-1]) and len(texts) == 1
