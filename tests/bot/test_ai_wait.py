"""Progress on every AI wait (issue 16, item 4), through the Bot API emulator and a fake OpenAI answer held back
until the test has seen the progress message (so a loaded machine still sees each state): "typing…" at once,
then one progress message showing the stage, which the result then replaces (or follows). A quick answer shows
none."""
from __future__ import annotations

import asyncio

import pytest

from bot.ai_work import PROGRESS_AFTER_SECONDS
from core.config import Settings
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.bot.test_ai_failures import ANALYSIS
from tests.bot.test_calendar import planner
from tests.bot.test_wants import finish_exercises, onboarded
from tests.calendar.conftest import MONDAY
from tests.fakes.openai_server import FakeOpenAI, held, reply_json, with_fake_openai

GOALS = {"goals": [{"title": "Run a half marathon", "description": "Train three times a week.",
                    "area_id": "health", "horizon": "1y", "metric": "21 km", "why": "Health is low."}]}


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return with_fake_openai(settings, fake_openai, timeout=8.0)


async def typing_seen(world: BotWorld, chat: int) -> str | None:
    """The chat action shown to the person shortly after the press, before any progress message could appear."""
    await asyncio.sleep(PROGRESS_AFTER_SECONDS / 2)
    return world.emulator.chat_action(chat)[0]


async def test_a_slow_goal_proposal_shows_typing_then_progress_that_the_result_replaces(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await running.container.wheel.create(user.id, {"health": 3, "career": 5})
    thinking = held(GOALS)
    fake_openai.chat.append(thinking)
    empty = await running.say(chat, "/goals", with_button("ga:propose"))
    before = running.emulator.version

    running.emulator.user_presses_button(chat, empty["id"], "ga:propose")
    assert await typing_seen(running, chat) == "typing"
    # Only the pressed message changed (its buttons went): no progress message yet.
    assert not [view for view in running.emulator.changed_messages(chat, before)
                if view["from"] == "bot" and view["id"] != empty["id"]]
    progress = await running.changed(chat, before, with_text("Looking at your wheel, wants and story"))
    thinking.release()
    result = await running.changed(chat, before, lambda view: view["id"] == progress["id"]
                                   and "I have 1 goal to suggest" in view["text"])
    card = await running.changed(chat, before, with_text("Run a half marathon"))

    assert result["edited"] and card["id"] > progress["id"]


async def test_a_slow_wants_analysis_shows_the_latest_stage_then_the_analysis(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await finish_exercises(running, user)
    thinking = held(ANALYSIS)
    fake_openai.chat.append(thinking)
    checklist = await running.say(chat, "/wants", with_button("wm:analyze"))
    before = running.emulator.version

    running.emulator.user_presses_button(chat, checklist["id"], "wm:analyze")
    assert await typing_seen(running, chat) == "typing"
    progress = await running.changed(chat, before, lambda view: view["id"] > checklist["id"])
    thinking.release()
    analysis = await running.changed(chat, before, with_text("Your wants, read back"))
    closed = running.emulator.messages(chat, after_id=progress["id"] - 1)[0]

    # The stages given before the 2 s passed were kept; the latest one is what appeared.
    assert "Finding themes and connections" in progress["text"]
    assert closed["id"] == progress["id"] and "Done — here is what I see" in closed["text"]
    assert "You want a life by the sea" in analysis["text"] and analysis["id"] > progress["id"]


async def test_a_slow_week_plan_shows_progress_that_becomes_the_plan(running: BotWorld,
                                                                     fake_openai: FakeOpenAI) -> None:
    chat, _user, (run,) = await planner(running, ("Long run", 60, 1, MONDAY))
    thinking = held({"reasons": [{"block_id": str(run.id), "reason": "Fresh legs on Monday."}],
                     "summary": "One run.\nEasy week."})
    fake_openai.chat.append(thinking)
    before = running.emulator.version
    running.emulator.user_sends_text(chat, "/calendar plan")

    progress = await running.changed(chat, before, with_text("Putting your week into words"))
    thinking.release()
    plan = await running.changed(chat, before, lambda view: view["id"] == progress["id"]
                                 and "Your week" in view["text"])

    assert "Fresh legs on Monday." in plan["text"] and any(":accept:" in button["callback_data"]
                                                           for row in plan["keyboard"] for button in row)


async def test_a_quick_answer_shows_no_progress_message(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await running.container.wheel.create(user.id, {"health": 3, "career": 5})
    fake_openai.chat.append(reply_json(GOALS))
    empty = await running.say(chat, "/goals", with_button("ga:propose"))

    intro = await running.press(chat, empty, "ga:propose", with_text("I have 1 goal to suggest"))

    assert not intro["edited"]
    assert not [view for view in running.emulator.messages(chat) if "Looking at your wheel" in (view["text"] or "")]
