"""'Plan my week' in words through the Bot API emulator and the fake OpenAI server: the AI's line per block and the
week's summary in the preview; an AI failure still shows the plan, with the planner's own reasons."""
from __future__ import annotations

import pytest

from core.config import Settings
from tests.bot.conftest import BotWorld, with_text
from tests.bot.test_calendar import planner
from tests.calendar.conftest import MONDAY
from tests.fakes.openai_server import FakeOpenAI, http_error, reply_json, with_fake_openai


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return with_fake_openai(settings, fake_openai)


async def test_the_preview_shows_why_each_block_sits_there_and_a_moved_block_loses_it(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, (run,) = await planner(running, ("Long run", 60, 1, MONDAY))
    fake_openai.chat.append(reply_json({
        "reasons": [{"block_id": str(run.id), "reason": "Mornings are <your> strongest time."},
                    {"block_id": "b-99", "reason": "Invented block."}],
        "summary": "One long run this week.\nKeep Monday morning free for it."}))

    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    assert "1. 09:00–10:00 · Long run\n    Mornings are <your> strongest time." in plan["text"]
    assert "<i>Mornings are &lt;your&gt; strongest time.</i>" in plan["html"]
    assert "One long run this week.\nKeep Monday morning free for it." in plan["text"]
    assert "Invented block" not in plan["text"] and "Offline" not in plan["text"]
    assert "planner's own reasons" not in plan["text"]

    offer = await running.press(chat, plan, ":move:0:0",
                                lambda view: view["id"] == plan["id"] and "Where should" in view["text"])
    moved = await running.press(chat, offer, ":to:0:0",
                                lambda view: view["id"] == plan["id"] and "19:00–20:00 · Long run" in view["text"])
    assert "strongest time" not in moved["text"]  # the person chose this time, not the planner


async def test_an_ai_failure_still_shows_the_plan_with_the_planners_reasons(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, _steps = await planner(running, ("Long run", 60, 1, MONDAY))
    fake_openai.chat.append(http_error(500))

    plan = await running.say(chat, "/calendar plan", with_text("Your week"))

    assert "1. 09:00–10:00 · Long run\n    An important step, placed first. On its planned day" in plan["text"]
    assert "The AI could not word the plan just now, so these are the planner's own reasons." in plan["text"]
    assert "1 block, 1 h of steps over 1 day." in plan["text"]
    assert any(":accept:" in button["callback_data"] for row in plan["keyboard"] for button in row)
    assert (await running.container.quotas.usage(user))["text"]["used"] == 0
