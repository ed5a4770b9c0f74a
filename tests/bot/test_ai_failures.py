"""When the AI fails, the bot says so kindly, keeps the user's input and offers to try again — against a local
OpenAI-compatible server through the real openai client."""
from __future__ import annotations

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from bot.states import GoalsForm, SavedGoalsDialog
from core.config import Settings
from tests.bot.conftest import BotWorld, button_data, joined_days_ago, with_button, with_text
from tests.bot.test_story import answer_two_areas
from tests.bot.test_wants import finish_exercises, onboarded, png
from tests.fakes.openai_server import FakeOpenAI, http_error, image_b64, reply_json, slow, with_fake_openai

ANALYSIS = {
    "themes": [{"title": "Sea", "evidence": "The sea comes up in every exercise."}],
    "top_wants_by_area": [{"area_id": "health", "wants": ["Run a marathon"]}],
    "contradictions": [],
    "suggested_focus": [{"area_id": "health", "reason": "Running ties your wants together."}],
    "summary": "You want a life by the sea, moving every day.",
}


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return with_fake_openai(settings, fake_openai)


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


TRY_AGAIN = "🔁 Try again"
STORY = {
    "full_text_3y": "In three years I run every morning.",
    "full_text_5y": "In five years I have run a marathon.",
    "by_area_3y": [{"area_id": "health", "title": "Health", "paragraph": "I run every morning."}],
    "by_area_5y": [{"area_id": "health", "title": "Health", "paragraph": "I ran a marathon."}],
    "images": [{"image_key": "morning_run", "title": "Morning run", "dall_e_prompt": "A runner at dawn"}],
}


def labels(message: dict) -> list[str]:
    return [button["text"] for row in message["keyboard"] or [] for button in row]


def retry_of(failure: dict) -> str:
    """The callback data of the failure's retry button."""
    [data] = [button["callback_data"] for row in failure["keyboard"] or [] for button in row
              if button["text"] == TRY_AGAIN]
    return data


async def test_a_failed_goal_proposal_offers_a_retry_that_then_succeeds(running: BotWorld,
                                                                       fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await running.container.wheel.create(user.id, {"health": 3, "career": 5})
    fake_openai.chat.append(http_error(500))
    empty = await running.say(chat, "/goals", with_button("ga:propose"))

    failure = await running.press(chat, empty, "ga:propose", with_text("The AI stumbled"))
    fake_openai.chat.append(reply_json({"goals": [{"title": "Run a half marathon", "area_id": "health"}]}))
    card = await running.press(chat, failure, retry_of(failure), with_text("Run a half marathon"))

    assert TRY_AGAIN in labels(failure) and "🎯 Goals" in labels(failure)
    assert "Goal 1 of 1" in card["text"] and any("gr:" in data for data in button_texts(card))


def button_texts(message: dict) -> list[str]:
    return [button.get("callback_data", "") for row in message["keyboard"] or [] for button in row]


async def saved_goals(world: BotWorld, chat: int, user) -> tuple[list, dict]:
    """Two goals just saved and the "make a plan?" question open (asked again after a sticker)."""
    goals = (await world.container.goals.create_batch(user.id, [
        {"title": "Run a half marathon", "horizon": "1y"}, {"title": "Learn Spanish", "horizon": "1y"}])).items
    fsm = FSMContext(world.dispatcher.fsm.storage, StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat))
    await SavedGoalsDialog(goal_ids=[goal.id for goal in goals]).save(fsm, GoalsForm.saved)
    sticker = world.emulator.user_sends_sticker(chat)
    offer = await world.reply(chat, with_button(":make"), after_id=sticker["message_id"])
    return goals, offer


async def test_a_failed_plan_offers_a_retry_for_the_same_goals_that_then_succeeds(running: BotWorld,
                                                                                 fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    (marathon, spanish), offer = await saved_goals(running, chat, user)
    fake_openai.chat.append(http_error(500))

    failure = await running.press(chat, offer, ":make", with_text("The AI stumbled"))
    fake_openai.chat.append(reply_json({"steps": [
        {"key": "m1", "goal_id": str(marathon.id), "title": "Run 15 km", "level": "year"},
        {"key": "s1", "goal_id": str(spanish.id), "title": "Finish an A2 course", "level": "year"}]}))
    draft = await running.press(chat, failure, retry_of(failure), with_text("The draft plan"))

    assert TRY_AGAIN in labels(failure)
    assert "Run a half marathon" in draft["text"] and "Learn Spanish" in draft["text"]
    assert "Run 15 km" in draft["text"] and any(":save" in data for data in button_texts(draft))
    last = fake_openai.chat_requests()[-1]
    assert str(marathon.id) in str(last) and str(spanish.id) in str(last)


async def test_no_steps_for_two_goals_names_both_and_offers_another_try(running: BotWorld,
                                                                       fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    _goals, offer = await saved_goals(running, chat, user)
    fake_openai.chat.append(reply_json({"steps": []}))

    empty = await running.press(chat, offer, ":make", with_text("couldn't draft steps"))

    assert "«Run a half marathon» and «Learn Spanish»" in empty["text"] and "this goal" not in empty["text"]
    assert TRY_AGAIN in labels(empty)


async def test_a_failed_weekly_review_keeps_the_reflection_and_retries_it(running: BotWorld,
                                                                         fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await joined_days_ago(running, user, 14)
    await running.say(chat, "/review", with_text("Your reflection"))
    fake_openai.chat.append(http_error(500))

    failure = await running.say(chat, "A calm week, two long runs", with_text("The AI stumbled"))
    fake_openai.chat.append(reply_json({"summary": "A steady week of running.", "wins": ["Two long runs"],
                                        "challenges": [], "suggestions": ["Sleep earlier"]}))
    summed = await running.press(chat, failure, retry_of(failure), with_text("A steady week of running"))

    assert TRY_AGAIN in labels(failure) and summed
    assert "A calm week, two long runs" in str(fake_openai.chat_requests()[-1])


async def test_a_failed_story_offers_a_retry_that_then_succeeds(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await answer_two_areas(running, user)
    home = await running.say(chat, "/story", with_button("fg:"))
    fake_openai.chat.append(http_error(500))

    failure = await running.press(chat, home, "fg:none", with_text("The AI stumbled"))
    fake_openai.chat.append(reply_json(STORY))
    story = await running.press(chat, failure, retry_of(failure), with_button(":edit3y"))

    assert TRY_AGAIN in labels(failure)
    assert "I ran a marathon" in story["text"]


async def test_a_failed_picture_offers_a_retry_that_then_draws_it(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running)
    await answer_two_areas(running, user)
    home = await running.say(chat, "/story", with_button("fg:"))
    fake_openai.chat.append(reply_json(STORY))
    story = await running.press(chat, home, "fg:none", with_button(":pictures"))
    scenes = await running.press(chat, story, ":pictures", with_button("fp:"))
    fake_openai.images.append(http_error(500))

    failure = await running.press(chat, scenes, button_data(scenes, ":morning_run"), with_text("The AI stumbled"))
    fake_openai.images.append(image_b64(png()))
    picture = await running.press(chat, failure, retry_of(failure), lambda view: view["photo_url"] is not None)

    assert TRY_AGAIN in labels(failure) and "Morning run" in picture["caption"]


async def test_no_steps_for_two_goals_names_both_in_russian(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user = await onboarded(running, "ru")
    _goals, offer = await saved_goals(running, chat, user)
    fake_openai.chat.append(reply_json({"steps": []}))

    empty = await running.press(chat, offer, ":make", with_text("шаги"))

    assert empty["text"] == ("На этот раз не получилось составить шаги для целей «Run a half marathon» и "
                             "«Learn Spanish». Попробовать ещё раз?")
    assert "🔁 Попробовать ещё раз" in labels(empty) and "этой цели" not in empty["text"]
