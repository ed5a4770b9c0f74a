"""When the AI fails, the bot says so kindly, keeps the user's input and offers to try again — against a local
OpenAI-compatible server through the real openai client."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey

from core.config import Settings
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.bot.test_wants import finish_exercises, onboarded
from tests.fakes.openai_server import FakeOpenAI, http_error, reply_json, running_fake_openai, slow

ANALYSIS = {
    "themes": [{"title": "Sea", "evidence": "The sea comes up in every exercise."}],
    "top_wants_by_area": [{"area_id": "health", "wants": ["Run a marathon"]}],
    "contradictions": [],
    "suggested_focus": [{"area_id": "health", "reason": "Running ties your wants together."}],
    "summary": "You want a life by the sea, moving every day.",
}


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with running_fake_openai() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return settings.model_copy(update={"openai_api_key": "test", "openai_base_url": fake_openai.base_url,
                                       "openai_timeout_seconds": 2.0, "openai_max_retries": 0})


async def test_a_failed_analysis_offers_a_retry_that_then_succeeds(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await finish_exercises(running, user)
    fake_openai.chat.append(http_error(500))
    checklist = await running.say(chat, "/wants", with_button("wm:analyze"))

    failure = await running.press(chat, checklist, "wm:analyze", with_text("The AI stumbled"))
    fake_openai.chat.append(reply_json(ANALYSIS))
    analysis = await running.press(chat, failure, "wm:analyze", with_text("Your wants, read back"))

    assert "Everything you wrote is saved" in failure["text"]
    assert "You want a life by the sea" in analysis["text"]
    assert "Health" in analysis["text"] and "• Run a marathon" in analysis["text"]
    assert "Offline" not in analysis["text"]
    stored = await running.container.wants.latest_analysis(user.id)
    assert stored.generated_by == "openai"
    assert (await running.container.quotas.usage(user))["text"]["used"] == 1


async def test_a_timed_out_goal_proposal_says_so_in_the_one_wording_and_leaves_no_dialog(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running, "ru")
    await running.container.wheel.create(user.id, {"health": 3, "career": 5})
    fake_openai.chat.append(slow(3))  # the client gives up after 2 seconds
    empty = await running.say(chat, "/goals", with_button("ga:propose"))

    failure = await running.press(chat, empty, "ga:propose", with_text("ИИ слишком долго отвечал"))

    assert failure["text"] == ("ИИ слишком долго отвечал. Всё, что вы написали, сохранено — попробуйте ещё раз "
                               "через минуту.")
    assert await running.container.goals.list(user.id) == []
    assert await running.dispatcher.fsm.storage.get_state(
        StorageKey(bot_id=running.bot.id, chat_id=chat, user_id=chat)) is None
