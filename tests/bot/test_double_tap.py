"""A double tap — two updates with the same button, handled at the same moment — moves a dialog exactly one step.

Each case runs twice: with the dispatcher's per-chat isolation (one update after the other, as configured) and
without it (both at once, as on two replicas or when the chat lock is gone), where only the step token's
compare-and-set keeps them apart."""
from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import DisabledEventIsolation

from bot.states import EveningForm, ReviewDialog, ReviewForm, WheelDialog, WheelForm
from tests.bot.conftest import BotWorld, button_data, buttons, with_button, with_text
from tests.bot.test_rituals import ZONE, plan_steps, ritual_user
from tests.bot.test_wants import onboarded
from tests.scheduler.support import at

OUTDATED = "This menu is outdated — please use the latest message."


@pytest.fixture(params=["one_at_a_time", "both_at_once"])
async def tapping(request, running: BotWorld) -> BotWorld:
    if request.param == "both_at_once":
        running.dispatcher.fsm.events_isolation = DisabledEventIsolation()
    return running


def context(world: BotWorld, chat: int) -> FSMContext:
    return FSMContext(world.dispatcher.fsm.storage, StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat))


async def double_tap(world: BotWorld, chat: int, message: dict, data: str) -> None:
    """Two presses of one button queued together (one getUpdates batch), then every update handled."""
    queries = [world.emulator.user_presses_button(chat, message["id"], data) for _tap in range(2)]
    pressed = world.emulator._state["callback_queries"]
    async with asyncio.timeout(15):
        while any(pressed[query]["answered_at"] is None for query in queries) or world.dispatcher._handle_update_tasks:
            await asyncio.sleep(0.02)


def bot_texts(world: BotWorld, chat: int, fragment: str) -> list[str]:
    return [view["text"] for view in world.emulator.messages(chat)
            if view["from"] == "bot" and fragment in (view["text"] or "")]


async def test_a_double_tap_on_the_evening_mood_asks_the_reflection_once(tapping: BotWorld) -> None:
    tapping.container.clock.set(at(ZONE, 2026, 3, 10, 21, 30))
    chat, user = await ritual_user(tapping)
    await plan_steps(tapping, user, date(2026, 3, 10), ["Jog"])
    prompt = await tapping.say(chat, "/evening", with_button(":mood:"))

    await double_tap(tapping, chat, prompt, button_data(prompt, ":mood:7::0"))

    assert len(bot_texts(tapping, chat, "One question to close the day")) == 1
    assert await context(tapping, chat).get_state() == EveningForm.reflection.state
    done = await tapping.say(chat, "A calm day", with_text("Evening ritual done"))
    assert done


async def test_a_double_tap_on_a_wheel_score_scores_one_area(tapping: BotWorld) -> None:
    chat, _user = await onboarded(tapping)
    question = await tapping.say(chat, "/wheel", with_button(":score:"))

    await double_tap(tapping, chat, question, button_data(question, ":score:7"))

    fsm = context(tapping, chat)
    dialog = WheelDialog.of(await fsm.get_state(), await fsm.get_data())
    assert await fsm.get_state() == WheelForm.scoring.state
    assert dialog.step == 1 and dialog.scores == {dialog.areas[0].id: 7}
    assert tapping.answered_notice(chat).count(OUTDATED) == 1
    assert [view for view in tapping.emulator.messages(chat) if "2 of" in (view["text"] or "")]
    assert bot_texts(tapping, chat, "I'm still waiting") == []


async def test_a_double_tap_on_a_step_of_next_week_chooses_it(tapping: BotWorld) -> None:
    chat, _user = await onboarded(tapping)
    fsm = context(tapping, chat)
    dialog = ReviewDialog(steps=[uuid.uuid4()], titles=["Swim"])
    await dialog.save(fsm, ReviewForm.planning)
    offer = await tapping.say(chat, "a sticker would do as well", with_button("rv:"))

    await double_tap(tapping, chat, offer, button_data(offer, ":toggle:0:1"))

    stored = ReviewDialog.of(await fsm.get_state(), await fsm.get_data())
    assert stored.chosen == [0]
    [shown] = [view for view in tapping.emulator.messages(chat) if view["id"] == offer["id"]]
    assert "☑️" in str(shown["keyboard"]) and any(data.endswith(":toggle:0:0") for data in buttons(shown))


async def test_a_double_tap_on_propose_goals_proposes_once(tapping: BotWorld) -> None:
    chat, user = await onboarded(tapping)
    await tapping.container.wheel.create(user.id, {"health": 3, "career": 5})
    empty = await tapping.say(chat, "/goals", with_button("ga:propose"))

    await double_tap(tapping, chat, empty, button_data(empty, "ga:propose"))
    await tapping.reply(chat, with_text("Goal 1 of"), after_id=empty["id"])

    assert len(bot_texts(tapping, chat, "Goal 1 of")) == 1
    assert "⏳ On it — see the chat below." in tapping.answered_notice(chat)


async def test_a_double_tap_on_an_exercise_opens_it_once(tapping: BotWorld) -> None:
    chat, _user = await onboarded(tapping)
    checklist = await tapping.say(chat, "/wants", with_button("wm:stream"))

    await double_tap(tapping, chat, checklist, button_data(checklist, "wm:stream"))
    await tapping.reply(chat, with_text("The “I want” stream"), after_id=checklist["id"])

    assert len(bot_texts(tapping, chat, "Time left: 10:00")) == 1
    assert "⏳ On it — see the chat below." in tapping.answered_notice(chat)
