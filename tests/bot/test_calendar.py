"""/calendar through the Bot API emulator: the feed screen, "Plan my week" (skip, move, accept all), news of a block
moved through the REST API, and the block-start reminder with its buttons."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.charts_calendar import ChartBlock, render_week_chart
from bot.rituals.render import render_ritual_prompt
from core.db.models import Step, User
from core.services.calendar.week_planner import BlockChoice
from scheduler.calendar_jobs import run_calendar_jobs
from tests.bot.conftest import BotWorld, buttons, with_button, with_text
from tests.calendar.conftest import MONDAY, START, add_steps, step_row
from tests.helpers import auth_headers, ok_result
from tests.scheduler.support import tg_user

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


async def planner(world: BotWorld, *specs) -> tuple[int, User, list[Step]]:
    """A Berlin user on Monday 1 June 2026 at 08:00, with steps (title, minutes, priority, planned_date)."""
    chat = world.user("en")
    world.container.clock.set(START)
    user = await tg_user(world.container, telegram_id=chat, time_zone="Europe/Berlin", first_name="Anna",
                         onboarded_at=START, morning=time(8), evening=time(21))
    steps = await add_steps(world.container, user, *specs) if specs else []
    return chat, user, steps


async def blocks_of(world: BotWorld, user: User) -> dict[str, tuple[datetime, datetime]]:
    events = await world.container.calendar.list_events(user, berlin(1, 0), berlin(8, 0))
    return {event.title: (event.start_at, event.end_at) for event in events if event.step_id}


async def test_calendar_shows_the_feed_url_and_hides_google_when_it_is_not_configured(running: BotWorld) -> None:
    chat, user, _steps = await planner(running)

    screen = await running.say(chat, "/calendar", with_text("Calendar"))

    status = await running.container.calendar.status(user)
    assert status.provider == "mechta" and status.feed_url.endswith(".ics")
    assert status.feed_url in screen["text"]
    assert "Apple Calendar" in screen["text"] and "Outlook" in screen["text"]
    assert "cal:plan" in buttons(screen) and "cal:today" in buttons(screen)
    assert not any(data.startswith(("cal:connect", "cal:disconnect")) for data in buttons(screen))


async def test_accept_all_writes_the_week_to_the_calendar_and_its_feed(running: BotWorld, api) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY),
                                       ("Stretching", 20, 3, MONDAY + timedelta(days=2)))
    screen = await running.say(chat, "/calendar", with_button("cal:plan"))
    plan = await running.press(chat, screen, "cal:plan", with_text("Your week"))
    assert "Mon, 6/1" in plan["text"] and "1. 09:00–10:00 · Long run" in plan["text"]
    assert "Wed, 6/3" in plan["text"] and "2. 09:00–09:20 · Stretching" in plan["text"]

    summary = await running.press(chat, plan, ":accept:0:0",
                                  lambda view: view["id"] == plan["id"] and "2 blocks saved to your calendar" in view["text"])
    picture = await running.reply(chat, lambda view: view["photo_url"] is not None, after_id=summary["id"])

    assert "Mon, 6/1 09:00–10:00 · Long run" in summary["text"] and summary["keyboard"] is None
    assert picture["caption"] == "🗓 Your week in the calendar"
    assert await blocks_of(running, user) == {"Long run": (berlin(1, 9), berlin(1, 10)),
                                              "Stretching": (berlin(3, 9), berlin(3, 9, 20))}
    feed_url = (await running.container.calendar.status(user)).feed_url
    feed = await api.get(feed_url[feed_url.index("/api/v1/"):])
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert sorted(str(event["SUMMARY"]) for event in events) == ["Long run", "Stretching"]


async def test_a_skipped_block_is_not_committed(running: BotWorld) -> None:
    chat, user, (run, _stretch) = await planner(running, ("Long run", 60, 1, MONDAY), ("Stretching", 20, 3, MONDAY))
    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    skipped = await running.press(chat, plan, ":skip:0:0",
                                  lambda view: view["id"] == plan["id"] and "<s>" in (view["html"] or ""))
    await running.press(chat, skipped, ":accept:0:0",
                        lambda view: view["id"] == plan["id"] and "1 block saved to your calendar" in view["text"])

    assert list(await blocks_of(running, user)) == ["Stretching"]
    assert (await step_row(running.container, run.id)).status == "planned"


async def test_move_offers_other_free_times_and_the_block_is_saved_there(running: BotWorld) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY))
    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    offer = await running.press(chat, plan, ":move:0:0",
                                lambda view: view["id"] == plan["id"] and "Where should" in view["text"])
    times = [button["text"] for row in offer["keyboard"] for button in row][:-1]
    assert times[0] == "Mon, 6/1 19:00" and 1 <= len(times) <= 3
    moved = await running.press(chat, offer, ":to:0:0",
                                lambda view: view["id"] == plan["id"] and "19:00–20:00 · Long run" in view["text"])
    await running.press(chat, moved, ":accept:0:0",
                        lambda view: view["id"] == plan["id"] and "1 block saved to your calendar" in view["text"])

    assert await blocks_of(running, user) == {"Long run": (berlin(1, 19), berlin(1, 20))}


async def test_move_passes_over_days_already_full_in_the_calendar(running: BotWorld) -> None:
    chat, user, (_run, swim) = await planner(running, ("Long run", 60, 1, MONDAY), ("Swim", 120, 2, MONDAY + timedelta(days=1)))
    await running.container.calendar.planner.commit_week(user, choices=[BlockChoice(swim.id, berlin(2, 9), berlin(2, 11))])
    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    offer = await running.press(chat, plan, ":move:0:0",
                                lambda view: view["id"] == plan["id"] and "Where should" in view["text"])

    times = [button["text"] for row in offer["keyboard"] for button in row][:-1]
    assert times == ["Mon, 6/1 19:00", "Wed, 6/3 09:00", "Wed, 6/3 19:00"]


async def test_a_button_of_a_plan_left_behind_is_outdated_and_loses_its_buttons(running: BotWorld) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY))
    old = await running.say(chat, "/calendar plan", with_text("Your week"))
    await running.say(chat, "/calendar plan", with_text("Your week"))

    cleared = await running.press(chat, old, ":accept:0:0", lambda view: view["id"] == old["id"])

    assert running.answered_notice(chat)[-1] == "This menu is outdated — please use the latest message."
    assert cleared["keyboard"] is None
    assert await blocks_of(running, user) == {}


async def test_back_from_the_offered_times_shows_the_plan_unchanged(running: BotWorld) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY))
    plan = await running.say(chat, "/calendar plan", with_text("Your week"))
    offer = await running.press(chat, plan, ":move:0:0", with_text("Where should"))

    back = await running.press(chat, offer, ":back:0:0",
                               lambda view: view["id"] == plan["id"] and "Where should" not in view["text"])
    await running.press(chat, back, ":accept:0:0", with_text("1 block saved to your calendar"))

    assert "1. 09:00–10:00 · Long run" in back["text"]
    assert await blocks_of(running, user) == {"Long run": (berlin(1, 9), berlin(1, 10))}


async def test_an_empty_week_suggests_goals(running: BotWorld) -> None:
    chat, _user, _steps = await planner(running)

    reply = await running.say(chat, "/calendar plan")

    assert "/goals" in reply["text"] and "/today" in reply["text"]


async def test_a_block_moved_through_the_api_is_announced_once_by_the_next_tick(world: BotWorld, api) -> None:
    chat, user, (swim,) = await planner(world, ("Swim", 45, 1, MONDAY))
    await world.container.calendar.planner.commit_week(user)
    (block,) = await world.container.calendar.today_blocks(user)
    headers = await auth_headers(world.container, user)
    ok_result(await api.patch(f"/api/v1/calendar/events/{block.id}", headers=headers,
                              json={"start": berlin(4, 19).isoformat(), "end": berlin(4, 19, 45).isoformat()}))

    first = await run_calendar_jobs(world.container, world.bot, world.container.clock.now())
    second = await run_calendar_jobs(world.container, world.bot, world.container.clock.now())

    news = await world.reply(chat, with_text("the step follows"), after_id=0)
    assert news["text"] == "📅 You moved «Swim» to Thu 19:00 — the step follows."
    assert (first["notifications"], second["notifications"]) == (1, 0)
    assert (await step_row(world.container, swim.id)).planned_date == MONDAY + timedelta(days=3)


async def test_block_start_reminder_is_sent_once_and_done_marks_the_step(running: BotWorld) -> None:
    chat, user, (run,) = await planner(running, ("Long run", 60, 1, MONDAY))
    await running.container.calendar.planner.commit_week(user)
    running.container.clock.set(berlin(1, 9) + timedelta(seconds=20))

    sent = [await run_calendar_jobs(running.container, running.bot, running.container.clock.now())
            for _tick in range(2)]
    reminder = await running.reply(chat, with_text("Time for"), after_id=0)

    assert [report["reminders"] for report in sent] == [1, 0]
    assert reminder["text"] == "⏰ Time for «Long run» (09:00–10:00)"
    done = await running.press(chat, reminder, f"crm:done:{run.id.hex}",
                               lambda view: view["id"] == reminder["id"] and "Done — well done" in view["text"])
    assert done["keyboard"] is None
    assert (await step_row(running.container, run.id)).status == "done"


async def test_snooze_reminds_again_after_fifteen_minutes(running: BotWorld) -> None:
    chat, user, (run,) = await planner(running, ("Long run", 60, 1, MONDAY))
    await running.container.calendar.planner.commit_week(user)
    clock = running.container.clock
    clock.set(berlin(1, 9, 0))
    await run_calendar_jobs(running.container, running.bot, clock.now())
    reminder = await running.reply(chat, with_text("Time for"), after_id=0)
    await running.press(chat, reminder, f"crm:snooze:{run.id.hex}",
                        lambda view: view["id"] == reminder["id"] and "09:15" in view["text"])

    clock.advance(timedelta(minutes=14))
    early = await run_calendar_jobs(running.container, running.bot, clock.now())
    clock.advance(timedelta(minutes=1))
    due = await run_calendar_jobs(running.container, running.bot, clock.now())
    again = await running.reply(chat, with_text("Again: time for"), after_id=reminder["id"])

    assert (early["snoozes"], due["snoozes"]) == (0, 1)
    assert f"crm:skip:{run.id.hex}" in buttons(again)


async def test_the_morning_prompt_lists_todays_blocks(world: BotWorld) -> None:
    _chat, user, _steps = await planner(world, ("Long run", 60, 1, MONDAY))
    await world.container.calendar.planner.commit_week(user)

    text, _markup = await render_ritual_prompt(world.container, user, "morning", MONDAY)

    assert "📅 <b>Today in your calendar</b>\n🎯 09:00–10:00 · Long run" in text


def test_the_week_picture_is_a_png_of_seven_days() -> None:
    labels = [f"D{day}" for day in range(7)]
    picture = render_week_chart(labels, [ChartBlock(0, 9, 10, "Long run", True),
                                         ChartBlock(6, 22.5, 24, "Late film", False)], title="Week")

    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError):
        render_week_chart(labels[:6], [], title="Week")


async def test_a_free_day_shows_what_is_planned_next_instead_of_an_empty_calendar(running: BotWorld) -> None:
    chat, user, (run, swim) = await planner(running, ("Long run", 60, 1, MONDAY + timedelta(days=2)),
                                            ("Swim", 45, 2, MONDAY + timedelta(days=3)))
    await running.container.calendar.planner.commit_week(user, choices=[
        BlockChoice(run.id, berlin(3, 9), berlin(3, 10)), BlockChoice(swim.id, berlin(4, 9), berlin(4, 9, 45))])

    today = await running.say(chat, "/calendar today", with_text("Nothing in your calendar today"))

    assert "Coming up: 2 blocks." in today["text"]
    assert "Wed, 6/3 09:00–10:00 · Long run" in today["text"] and "Thu, 6/4 09:00–09:45 · Swim" in today["text"]
    assert "Plan the week" not in today["text"]

async def test_offline_the_plan_gives_the_planners_reasons_labelled_as_offline(running: BotWorld) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY))

    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    assert "1. 09:00–10:00 · Long run\n    An important step, placed first. On its planned day" in plan["text"]
    assert "Offline draft" in plan["text"]
    assert "1 block, 1 h of steps over 1 day." in plan["text"]
    assert (await running.container.quotas.usage(user))["text"]["used"] == 0
