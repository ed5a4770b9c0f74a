"""The morning and evening rituals (/morning, /evening and the scheduler's prompts); the weekly review (/review) is
bot/handlers/weekly_review.py, included here.

Morning: the day's energy and steps → energy 1..10 → one intention (text) → saved, XP and streak shown.
Evening: tap the steps done → mood 1..10 → one reflection (text) → saved for the prompt's local day.
"""
from __future__ import annotations

import contextlib
import uuid
from datetime import date, timedelta

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.errors import error_text
from bot.handlers import weekly_review
from bot.keyboards.rituals import (
    KINDS_BY_CODE,
    STEP_DONE,
    STEP_NOT_DONE,
    RitualAction,
    evening_done_keyboard,
    morning_done_keyboard,
    unpack_day,
)
from bot.render import Screen
from bot.render import rituals as render
from bot.rituals.render import build_prompt, steps_on
from bot.rituals.texts import already_done_text, outdated_text, xp_toast
from bot.states import EveningDialog, EveningForm, MorningDialog, MorningForm
from bot.utils.dialog import InDialog, OpenQuestion, compare_and_set, reasks, turn_token
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import answered_too_long, drop_keyboard
from bot.utils.text import MESSAGE_LIMIT, send_long, telegram_length
from core.bootstrap import Container
from core.db.models import Step, User
from core.db.models.goals import StepStatus
from core.errors import DomainError, NotFound
from core.services.rituals import ANSWER_TEXT_MAX

# ---- prompts on demand ----------------------------------------------------------------------------------------

async def send_prompt(bot: Bot, chat_id: int, container: Container, user: User, kind: str) -> None:
    today = container.clock.local_today(user.time_zone)
    text, markup = await build_prompt(container, user, kind, today, scheduled=False)
    await send_long(bot, chat_id, text, reply_markup=markup)


async def morning_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await send_prompt(bot, message.chat.id, container, user, "morning")


async def evening_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await send_prompt(bot, message.chat.id, container, user, "evening")


# ---- prompt buttons -------------------------------------------------------------------------------------------

async def _close_prompt(callback: CallbackQuery, line: str) -> None:
    """The prompt keeps its text, gains one line about what was chosen, and loses its buttons."""
    message = callback.message
    if not isinstance(message, Message):
        return
    body = message.html_text if message.text else ""
    text = f"{body}\n\n{line}" if body else line
    if telegram_length(text) > MESSAGE_LIMIT:
        text = line
    try:
        await message.edit_text(text, reply_markup=None)
    except TelegramBadRequest:
        await drop_keyboard(callback)


async def ritual_button(callback: CallbackQuery, callback_data: RitualAction, state: FSMContext, bot: Bot,
                        user: User, container: Container) -> None:
    kind = KINDS_BY_CODE.get(callback_data.kind)
    day = unpack_day(callback_data.day)
    if kind is None or day is None:
        await callback.answer(outdated_text())
        return
    if callback_data.action in ("snooze", "skip"):
        await _delivery_choice(callback, callback_data.action, kind, day, user, container)
        return
    today = container.clock.local_today(user.time_zone)
    if kind == "morning" and callback_data.action == "energy" and day == today:
        await _energy_chosen(callback, callback_data.value, day, state, bot, user, container)
    elif kind == "evening" and day in (today, today - timedelta(days=1)) and callback_data.action == "step":
        await _step_toggled(callback, callback_data, day, user, container)
    elif kind == "evening" and day in (today, today - timedelta(days=1)) and callback_data.action == "mood":
        await _mood_chosen(callback, callback_data.value, day, state, bot, container)
    else:
        await callback.answer(outdated_text())
        await drop_keyboard(callback)


async def _delivery_choice(callback: CallbackQuery, action: str, kind: str, day: date, user: User,
                           container: Container) -> None:
    try:
        if action == "snooze":
            await container.prompt_delivery.snooze(user.id, kind, local_date=day)
        else:
            await container.prompt_delivery.skip_today(user.id, kind, local_date=day)
    except DomainError as error:  # told on the button: the prompt stays as it was
        await callback.answer(error_text(error), show_alert=True)
        return
    if action == "snooze":
        await callback.answer(_("😴 Snoozed for 30 minutes"))
        await _close_prompt(callback, _("😴 Okay — I'll bring this back in 30 minutes."))
        return
    await callback.answer()
    skipped = {
        "morning": _("🙅 Okay, no morning ritual today. See you this evening!"),
        "evening": _("🙅 Okay, no evening ritual today. Rest well!"),
        "weekly": _("🙅 Okay, no review reminder today. /review is there whenever you are ready."),
    }
    await _close_prompt(callback, skipped[kind])


async def _energy_chosen(callback: CallbackQuery, energy: int, day: date, state: FSMContext, bot: Bot, user: User,
                         container: Container) -> None:
    if not 1 <= energy <= 10:
        await callback.answer(outdated_text())
        return
    status = await container.rituals.today(user.id)
    if status.morning_done:
        await callback.answer(already_done_text(), show_alert=True)
        await drop_keyboard(callback)
        return
    line = _("⚡ Energy: {score}/10").format(score=energy)
    if await _open_question(callback, state, container, MorningDialog(day=day, energy=energy), MorningForm.intention,
                            line):
        await bot.send_message(callback.from_user.id, render.intention_question())


async def _step_toggled(callback: CallbackQuery, callback_data: RitualAction, day: date, user: User,
                        container: Container) -> None:
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, NotFound):
        await callback.answer(outdated_text())
        return
    wanted_done = not step.is_done if callback_data.value not in (STEP_DONE, STEP_NOT_DONE) \
        else callback_data.value == STEP_DONE
    if step.planned_date != day:
        await callback.answer(outdated_text())
    elif wanted_done == step.is_done:  # the other tap of a double tap: already as asked
        await callback.answer(_("✅ Done!") if step.is_done else _("↩️ Marked as not done"))
    elif step.is_done:
        await container.steps.update(user.id, step.id, _step_fields(step, status=StepStatus.PLANNED))
        await callback.answer(_("↩️ Marked as not done"))
    else:
        change = await container.steps.mark_done(user.id, step.id)
        await callback.answer(xp_toast(change.gamification_event, _("✅ Done!")))
    text, markup = await build_prompt(container, user, "evening", day, scheduled=bool(callback_data.scheduled))
    message = callback.message
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):  # unchanged, or too old to edit: the step itself is saved
            await message.edit_text(text, reply_markup=markup)


def _step_fields(step: Step, *, status: str) -> dict:
    return {"title": step.title, "level": step.level, "status": status, "planned_date": step.planned_date,
            "parent_id": step.parent_id, "goal_id": step.goal_id, "estimated_minutes": step.estimated_minutes,
            "priority": step.priority}


async def _mood_chosen(callback: CallbackQuery, mood: int, day: date, state: FSMContext, bot: Bot,
                       container: Container) -> None:
    if not 1 <= mood <= 10:
        await callback.answer(outdated_text())
        return
    line = _("😊 Mood: {score}/10").format(score=mood)
    if await _open_question(callback, state, container, EveningDialog(day=day, mood=mood), EveningForm.reflection,
                            line):
        await bot.send_message(callback.from_user.id, render.reflection_question())


async def _open_question(callback: CallbackQuery, state: FSMContext, container: Container,
                         dialog: MorningDialog | EveningDialog, fsm_state: State, line: str) -> bool:
    """The score is taken and the ritual's text question opened once: True when it should be asked now.

    The press is compared-and-set against the state it was read with, so of two presses handled at the same moment
    one opens the question and the other changes nothing. A press that finds the day's question already open (the
    second tap of a double tap, or the prompt sent again) updates the score and does not ask twice."""
    raw_state, data = await state.get_state(), await state.get_data()
    current = type(dialog).of(raw_state, data)
    if current is not None and current.day == dialog.day:
        dialog.nonce, dialog.turn = current.nonce, current.turn + 1
    if not await compare_and_set(state, container.cache, turn_token(raw_state, data), fsm_state,
                                 dialog.model_dump(mode="json")):
        await callback.answer()
        return False
    await callback.answer(line if current is not None and current.day == dialog.day else None)
    await _close_prompt(callback, line)
    return current is None or current.day != dialog.day


# ---- the text answers ------------------------------------------------------------------------------------------

async def intention_written(message: Message, dialog: MorningDialog, state: FSMContext, user: User,
                            container: Container) -> None:
    if await answered_too_long(message, ANSWER_TEXT_MAX):
        return
    await state.clear()
    result = await container.rituals.add_entry(
        user.id, entry_type="morning", answers={"intention": message.text.strip()},
        energy_score=dialog.energy, for_date=dialog.day)
    await message.answer(render.morning_done(result.gamification_event, result.streak_days, user.locale),
                         reply_markup=morning_done_keyboard())


async def reflection_written(message: Message, dialog: EveningDialog, state: FSMContext, user: User,
                             container: Container) -> None:
    if await answered_too_long(message, ANSWER_TEXT_MAX):
        return
    await state.clear()
    done = [step.title for step in await steps_on(container, user, dialog.day) if step.is_done]
    result = await container.rituals.add_entry(
        user.id, entry_type="evening", answers={"reflection": message.text.strip(), "steps_done": done[:50]},
        mood_score=dialog.mood, for_date=dialog.day)
    await message.answer(render.evening_done(result.gamification_event, result.streak_days, user.locale),
                         reply_markup=evening_done_keyboard())


@reasks(MorningForm.intention)
async def ask_intention(asked: OpenQuestion) -> Screen | None:
    return None if asked.dialog(MorningDialog) is None else Screen(render.intention_question())


@reasks(EveningForm.reflection)
async def ask_reflection(asked: OpenQuestion) -> Screen | None:
    return None if asked.dialog(EveningDialog) is None else Screen(render.reflection_question())


def create_router() -> Router:
    router = Router(name="rituals")
    router.message.register(morning_command, Command("morning"))
    router.message.register(evening_command, Command("evening"))
    router.callback_query.register(ritual_button, RitualAction.filter())
    router.message.register(intention_written, InState(MorningForm.intention), OWN_TEXT, InDialog(MorningDialog))
    router.message.register(reflection_written, InState(EveningForm.reflection), OWN_TEXT, InDialog(EveningDialog))
    # The review's commands, buttons and answers match nothing above: as a sub-router, they keep their place.
    router.include_router(weekly_review.create_router())
    return router
