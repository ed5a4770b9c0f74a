"""Typed dialog state: read only in the dialog's own states, unreadable data is no dialog, buttons of another run or
of an answered question are stale — and through the bot, a double tap or a restart on old data breaks nothing."""
from __future__ import annotations

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.keyboards.callbacks import WheelAction
from bot.states import ProfileForm, WheelArea, WheelDialog, WheelForm
from core.cache import MemoryCache
from tests.bot.conftest import BotWorld, with_text
from tests.bot.test_wheel import _until_answered, onboarded, score_question

AREA = WheelArea(id="health", emoji="💪", ru="Здоровье", en="Health")


def test_the_data_is_read_only_in_the_dialogs_own_states() -> None:
    stored = WheelDialog(areas=[AREA]).model_dump(mode="json")

    assert WheelDialog.of(WheelForm.note.state, stored) == WheelDialog.model_validate(stored)
    assert WheelDialog.of(ProfileForm.language.state, stored) is None
    assert WheelDialog.of(None, stored) is None


def test_data_that_cannot_be_read_as_the_dialogs_is_no_dialog() -> None:
    assert WheelDialog.of(WheelForm.scoring.state, {"nonce": "abc", "step": "two"}) is None
    assert WheelDialog.of(WheelForm.scoring.state, {}) is None


def test_data_of_another_shape_is_not_half_read() -> None:
    stored = WheelDialog(areas=[AREA]).model_dump(mode="json") | {"index": 1}

    assert WheelDialog.of(WheelForm.scoring.state, stored) is None


def test_a_button_is_accepted_only_from_this_run_and_for_the_open_step() -> None:
    dialog = WheelDialog(areas=[AREA, AREA], step=1)

    assert dialog.accepts(WheelAction(nonce=dialog.nonce, step=1, action="score", value=3))
    assert not dialog.accepts(WheelAction(nonce=dialog.nonce, step=0, action="score", value=3))
    assert not dialog.accepts(WheelAction(nonce="other", step=1, action="score", value=3))


async def test_saving_into_another_dialogs_state_is_refused() -> None:
    with pytest.raises(ValueError, match="not a state of WheelDialog"):
        await WheelDialog(areas=[AREA]).save(state=None, fsm_state=ProfileForm.language)  # type: ignore[arg-type]


async def test_a_double_tap_on_a_score_counts_once(running: BotWorld) -> None:
    chat, _user = await onboarded(running)
    first = await running.say(chat, "/wheel", score_question(1))

    # Both taps reach Telegram before the bot has answered the first one, so both buttons are still there.
    running.emulator.user_presses_button(chat, first["id"], f"wa:{_nonce(first)}:0:score:7")
    running.emulator.user_presses_button(chat, first["id"], f"wa:{_nonce(first)}:0:score:2")
    await _until_answered(running, chat)

    assert running.answered_notice(chat)[-1] == "This menu is outdated — please use the latest message."
    stored = await running.dispatcher.storage.get_data(_key(running, chat))
    assert stored["step"] == 1 and stored["scores"] == {"health": 7}


async def test_a_dialog_left_with_unreadable_data_is_treated_as_over(running: BotWorld) -> None:
    chat, _user = await onboarded(running)
    question = await running.say(chat, "/wheel", score_question(1))
    await running.dispatcher.storage.set_data(_key(running, chat), {"nonce": _nonce(question), "step": "broken"})

    running.emulator.user_presses_button(chat, question["id"], f"wa:{_nonce(question)}:0:score:5")
    await _until_answered(running, chat)
    reply = await running.say(chat, "hello", with_text("Here is what I can do"))

    assert running.answered_notice(chat)[-1] == "This menu is outdated — please use the latest message."
    assert reply["text"] == "I didn't quite get that. Here is what I can do:"


def _nonce(question: dict) -> str:
    return question["keyboard"][0][0]["callback_data"].split(":")[1]


def _key(world: BotWorld, chat: int) -> StorageKey:
    return StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat)


class _CacheAway(MemoryCache):
    async def set_if_absent(self, key: str, value: str, ttl: int) -> bool:
        raise ConnectionError("the cache is down")

    async def delete(self, *keys: str) -> None:
        raise ConnectionError("the cache is down")


def _context() -> FSMContext:
    return FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=2, user_id=2))


async def test_a_turn_is_taken_once_by_two_copies_read_at_the_same_time() -> None:
    state, cache = _context(), MemoryCache()
    await WheelDialog(areas=[AREA]).save(state, WheelForm.scoring)
    first = WheelDialog.of(await state.get_state(), await state.get_data())
    second = WheelDialog.of(await state.get_state(), await state.get_data())

    taken = await first.take_turn(state, cache)
    held = await second.take_turn(state, cache)
    await cache.delete(taken)
    late = await second.take_turn(state, cache)

    assert taken and held is None and late is None
    assert (await state.get_data())["turn"] == 1


async def test_a_turn_is_still_taken_with_the_cache_away() -> None:
    state = _context()
    await WheelDialog(areas=[AREA]).save(state, WheelForm.scoring)
    dialog = WheelDialog.of(await state.get_state(), await state.get_data())
    stale = WheelDialog.of(await state.get_state(), await state.get_data())

    assert await dialog.take_turn(state, _CacheAway())
    assert await stale.take_turn(state, _CacheAway()) is None
