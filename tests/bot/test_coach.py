"""The coach in the bot: free text and /ask answered by the AI with the person's own context (and nobody else's),
suggested actions as buttons that act only when pressed, /newchat, the quota refusal, a failure with a retry —
through the Bot API emulator and the local OpenAI-compatible server."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time

import pytest

from core.config import Settings
from core.db.models import User
from tests.bot.conftest import BotWorld, buttons, with_button, with_text
from tests.fakes.openai_server import FakeOpenAI, held, http_error, reply_json, with_fake_openai
from tests.scheduler.support import tg_user

# A Tuesday morning in Berlin.
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return with_fake_openai(settings, fake_openai, timeout=5.0)


async def person(world: BotWorld, goal: str, steps: list[str], *, locale: str = "en",
                 plan: str = "free") -> tuple[int, User, list]:
    """An onboarded person in Berlin with one active goal and `steps` planned for their today."""
    world.container.clock.set(NOW)
    chat = world.user(locale)
    user = await tg_user(world.container, telegram_id=chat, locale=locale, first_name="Anna",
                         onboarded_at=NOW, morning=time(8), evening=time(21), plan=plan)
    created = (await world.container.goals.create_batch(user.id, [{"title": goal, "horizon": "1y"}])).items[0]
    today = world.container.clock.local_today(user.time_zone)
    batch = await world.container.steps.create_batch(user.id, [
        {"goal_id": created.id, "title": title, "level": "day", "planned_date": today, "estimated_minutes": 30}
        for title in steps])
    return chat, user, batch.items


def answer(content: str, *actions: dict) -> dict:
    return {"content": content, "actions": list(actions)}


def data_turn(request: dict) -> str:
    system, user_turn = request["messages"]
    assert system["role"] == "system" and user_turn["role"] == "user"
    return user_turn["content"]


async def test_a_free_question_is_answered_with_the_persons_own_goal_and_steps_and_no_one_elses(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, _steps = await person(running, "Run a half marathon", ["Jog 5 km", "Stretch for 10 minutes"])
    other_chat, _other, _ = await person(running, "Learn the cello", ["Practise scales"])
    fake_openai.chat.append(reply_json(answer("Jog first, then stretch — your legs will thank you.")))

    reply = await running.say(chat, "I have no energy this week, what should I drop?", with_text("Jog first"))

    [request] = fake_openai.chat_requests()
    system = request["messages"][0]["content"]
    data = data_turn(request)
    assert reply["text"] == "Jog first, then stretch — your legs will thank you."
    assert "Run a half marathon" in data and "Jog 5 km" in data and "Stretch for 10 minutes" in data
    assert "I have no energy this week, what should I drop?" in data
    assert "Learn the cello" not in json.dumps(request) and "Practise scales" not in json.dumps(request)
    # The person's words are data, never instructions.
    assert "Run a half marathon" not in system and "I have no energy" not in system
    assert request["response_format"]["json_schema"]["name"] == "coach"
    assert running.emulator.messages(other_chat) == []
    assert (await running.container.quotas.usage(_user))["text"]["used"] == 1


async def test_ask_answers_in_the_persons_language(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, _ = await person(running, "Пробежать полумарафон", ["Пробежка 5 км"], locale="ru")
    fake_openai.chat.append(reply_json(answer("Начните с пробежки.")))

    reply = await running.say(chat, "/ask С чего начать день?", with_text("Начните"))

    [request] = fake_openai.chat_requests()
    assert reply["text"] == "Начните с пробежки."
    assert "Пиши по-русски" in request["messages"][0]["content"]
    assert "С чего начать день?" in data_turn(request) and "Пробежка 5 км" in data_turn(request)


async def test_a_suggested_step_is_marked_done_only_when_its_button_is_pressed(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, (jog, stretch) = await person(running, "Run a half marathon", ["Jog 5 km", "Stretch"])
    _other_chat, _other, (theirs,) = await person(running, "Learn the cello", ["Practise scales"])
    fake_openai.chat.append(reply_json(answer(
        "Tick off the jog — it's done, isn't it?",
        {"kind": "mark_step_done", "step_id": str(jog.id)},
        {"kind": "mark_step_done", "step_id": str(theirs.id)},  # not this person's: never offered
        {"kind": "move_step_to_tomorrow", "step_id": "not-an-id"},
        {"kind": "start_wheel", "step_id": None})))

    reply = await running.say(chat, "I already jogged this morning", with_text("Tick off"))

    assert f"co:done:{jog.id.hex}" in buttons(reply)
    assert not any(theirs.id.hex in data or "tomorrow" in data for data in buttons(reply))
    assert "m:wheel" in buttons(reply)
    assert (await running.container.steps.get(user.id, jog.id)).status == "planned"

    edited = await running.press(chat, reply, f"co:done:{jog.id.hex}",
                                 lambda view: view["id"] == reply["id"] and "✅ Done: Jog 5 km" in view["text"])

    assert (await running.container.steps.get(user.id, jog.id)).status == "done"
    assert (await running.container.steps.get(user.id, stretch.id)).status == "planned"
    assert (await running.container.steps.get(_other.id, theirs.id)).status == "planned"
    assert f"co:done:{jog.id.hex}" not in buttons(edited) and "m:wheel" in buttons(edited)


async def test_the_start_the_wheel_button_opens_the_wheel(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    fake_openai.chat.append(reply_json(answer("Let's see where you stand first.",
                                              {"kind": "start_wheel", "step_id": None})))
    reply = await running.say(chat, "I feel stuck everywhere", with_button("m:wheel"))

    question = await running.press(chat, reply, "m:wheel", with_button("wa:"))

    assert "Life wheel · 1 of" in question["text"]


async def test_a_stale_step_button_changes_nothing(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, (jog,) = await person(running, "Run a half marathon", ["Jog 5 km"])
    fake_openai.chat.append(reply_json(answer("Move the jog?", {"kind": "move_step_to_tomorrow",
                                                                "step_id": str(jog.id)})))
    reply = await running.say(chat, "Too tired today", with_button("co:tomorrow"))
    await running.container.steps.mark_done(user.id, jog.id)

    running.emulator.user_presses_button(chat, reply["id"], f"co:tomorrow:{jog.id.hex}")
    async with asyncio.timeout(10):
        while not running.answered_notice(chat):
            await running.emulator.wait_for_change(running.emulator.version, 1)

    assert "outdated" in running.answered_notice(chat)[-1]
    step = await running.container.steps.get(user.id, jog.id)
    assert step.status == "done" and step.planned_date == running.container.clock.local_today(user.time_zone)


async def test_the_conversation_is_remembered_until_newchat(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    fake_openai.chat.append(reply_json(answer("Three runs a week is plenty.")))
    fake_openai.chat.append(reply_json(answer("Tuesday, Thursday and Saturday.")))
    fake_openai.chat.append(reply_json(answer("Hello again!")))
    await running.say(chat, "How often should I run?", with_text("Three runs"))
    await running.say(chat, "Which days?", with_text("Tuesday"))

    forgotten = await running.say(chat, "/newchat", with_text("forgotten our conversation"))
    await running.say(chat, "Hi", with_text("Hello again"))

    first, second, third = fake_openai.chat_requests()
    assert "How often should I run?" not in data_turn(first).split("The conversation")[0]
    assert "How often should I run?" in data_turn(second) and "Three runs a week is plenty." in data_turn(second)
    assert "How often should I run?" not in data_turn(third) and "Three runs" not in data_turn(third)
    assert "m:menu" in buttons(forgotten)
    assert [turn["content"] for turn in await running.container.coach.memory(user.id)] == ["Hi", "Hello again!"]


async def test_memory_keeps_only_the_last_turns(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, _ = await person(running, "Run a half marathon", ["Jog 5 km"], plan="pro")
    limit = running.container.settings.coach_memory_turns
    for number in range(limit // 2 + 1):
        fake_openai.chat.append(reply_json(answer(f"Answer {number}")))
        await running.say(chat, f"Question {number}", with_text(f"Answer {number}"))

    memory = await running.container.coach.memory(user.id)

    assert len(memory) == limit
    assert memory[0]["content"] == "Question 1" and memory[-1]["content"] == f"Answer {limit // 2}"


async def test_a_used_up_quota_is_refused_with_what_is_left_and_the_renewal_date(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    for _ in range(5):
        await running.container.quotas.reserve(user.id, "text")

    refusal = await running.say(chat, "What should I do today?", with_text("used up"))

    assert "0 AI requests of 5 left this month; they renew on April 1" in refusal["text"]
    assert "m:wheel" in buttons(refusal)
    assert fake_openai.chat_requests() == []
    assert await running.container.coach.memory(user.id) == []  # nothing asked, nothing left to answer


async def test_a_failed_answer_offers_a_retry_that_answers_the_same_question(
        running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    fake_openai.chat.append(http_error(500))
    failure = await running.say(chat, "Should I run in the rain?", with_button("co:retry"))
    fake_openai.chat.append(reply_json(answer("Yes, with a good jacket.")))

    retried = await running.press(chat, failure, "co:retry:", with_text("good jacket"))

    assert "Should I run in the rain?" in data_turn(fake_openai.chat_requests()[-1])
    assert retried["text"] == "Yes, with a good jacket."
    assert (await running.container.quotas.usage(user))["text"]["used"] == 1


async def test_a_slow_answer_shows_progress_that_the_answer_replaces(running: BotWorld,
                                                                     fake_openai: FakeOpenAI) -> None:
    chat, _user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    thinking = held(answer("Take it slow."))
    fake_openai.chat.append(thinking)

    progress = await running.say(chat, "What now?", with_text("Thinking it over"))
    thinking.release()
    final = await running.changed(chat, 0, lambda view: view["id"] == progress["id"]
                                  and "Take it slow." in view["text"])

    assert final["text"] == "Take it slow."


async def test_text_inside_a_dialog_stays_with_the_dialog(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    await running.say(chat, "/wheel", with_button("wa:"))
    note = await running.press(chat, running.emulator.messages(chat)[-1], ":note:0", lambda view: True)
    assert note is not None

    await running.say(chat, "My health is fine", with_text("Note saved"))

    assert fake_openai.chat_requests() == []


async def test_the_plan_my_week_button_opens_the_week_plan(running: BotWorld, fake_openai: FakeOpenAI) -> None:
    chat, _user, _ = await person(running, "Run a half marathon", ["Jog 5 km"])
    fake_openai.chat.append(reply_json(answer("Give the jog a block this week.",
                                              {"kind": "plan_week", "step_id": None})))
    reply = await running.say(chat, "When do I fit the jog in?", with_button("cal:plan"))

    plan = await running.press(chat, reply, "cal:plan", with_button("cpl:"))

    assert "Jog 5 km" in plan["text"]
