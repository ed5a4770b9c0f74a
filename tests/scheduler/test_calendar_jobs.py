"""The calendar's chat jobs through a real aiogram Bot and the Bot API emulator: news in the user's language,
delivered once; a blocked chat is given up on; reminders only for open steps; the tick runs the jobs."""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from bot.rituals.render import render_ritual_prompt
from core.services.calendar.notifications import record_notification
from core.services.calendar.week_planner import BlockChoice
from scheduler.app import SchedulerApp
from scheduler.calendar_jobs import run_calendar_jobs
from scheduler.rate_limit import LocalSendRateLimiter
from scheduler.telegram_sender import TelegramPromptSender
from tests.calendar.conftest import MONDAY, START, add_steps
from tests.scheduler.support import tg_user


async def planned_user(container, playground, language: str = "en", *, titles=("Read",)):
    chat = playground.emulator.create_user("Vera", language)
    container.clock.set(START)
    user = await tg_user(container, telegram_id=chat["id"], locale=language, time_zone="Europe/Berlin",
                        scheduled=False)
    steps = await add_steps(container, user, *((title, 30, 2, MONDAY) for title in titles))
    return chat["id"], user, steps


async def test_news_arrives_in_the_users_language_once(container, playground, bot):
    chat, user, (step,) = await planned_user(container, playground, "ru", titles=("Почитать",))
    await container.calendar.planner.commit_week(user)
    (block,) = await container.calendar.today_blocks(user)

    await container.calendar.delete_event(user, block.id)
    reports = [await run_calendar_jobs(container, bot, container.clock.now()) for _tick in range(2)]

    assert [m["text"] for m in playground.emulator.messages(chat)] == [
        "📅 Вы удалили «Почитать» из календаря — шаг отмечен как пропущенный."]
    assert [r["notifications"] for r in reports] == [1, 0]
    assert (await container.steps.get(user.id, step.id)).status == "skipped"


async def test_news_for_a_chat_that_blocked_the_bot_is_dropped_not_retried(container, playground, bot):
    chat, user, _steps = await planned_user(container, playground)
    async with container.db.transaction() as session:
        record_notification(session, user.id, "google_access_lost", {}, container.clock.now())
    playground.emulator.set_blocked(chat, True)

    first = await run_calendar_jobs(container, bot, container.clock.now())
    playground.emulator.set_blocked(chat, False)
    second = await run_calendar_jobs(container, bot, container.clock.now())

    assert (first["notifications"], second["notifications"]) == (0, 0)
    assert await container.calendar.notifications.pending(user_id=user.id) == []
    assert playground.emulator.messages(chat) == []


async def test_no_reminder_for_a_step_already_done(container, playground, bot):
    chat, user, (done, open_step) = await planned_user(container, playground, titles=("Read", "Write"))
    await container.calendar.planner.commit_week(user, choices=[
        BlockChoice(done.id, START + timedelta(hours=3), START + timedelta(hours=3, minutes=30)),
        BlockChoice(open_step.id, START + timedelta(hours=3, minutes=40), START + timedelta(hours=4, minutes=10))])
    await container.steps.mark_done(user.id, done.id)

    container.clock.set(START + timedelta(hours=3, seconds=5))
    at_first = await run_calendar_jobs(container, bot, container.clock.now())
    container.clock.set(START + timedelta(hours=3, minutes=40, seconds=5))
    at_second = await run_calendar_jobs(container, bot, container.clock.now())

    assert (at_first["reminders"], at_second["reminders"]) == (0, 1)
    assert [m["text"] for m in playground.emulator.messages(chat)] == ["⏰ Time for «Write» (11:40–12:10)"]


async def test_the_scheduler_tick_runs_the_calendar_jobs_with_the_prompt_senders_bot(container, playground, bot):
    chat, user, _steps = await planned_user(container, playground)
    await container.calendar.planner.commit_week(user)
    (block,) = await container.calendar.today_blocks(user)
    container.clock.set(block.start_at + timedelta(seconds=5))
    sender = TelegramPromptSender(bot, partial(render_ritual_prompt, container), limiter=LocalSendRateLimiter(100))
    app = SchedulerApp(container, sender, hooks=())

    await app.tick()

    assert [m["text"] for m in playground.emulator.messages(chat)] == ["⏰ Time for «Read» (09:00–09:30)"]
