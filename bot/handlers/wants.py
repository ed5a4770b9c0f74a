"""/wants: the three exercises — the 10-minute "I want" stream, "I am 40", the reverse questions — then the AI
analysis. /time shows what is left of a running stream.

The stream's deadline is stored with the record. A stream whose time ran out while its writer was silent is closed
by the scheduler, which also tells the writer (scheduler/wants_jobs.py); text typed into it afterwards ends the
dialog here with the checklist.
"""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable
from typing import TypeVar

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ai_tail, ai_wait
from bot.errors import error_text
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.wants import (
    WantsMenu,
    WantsStep,
    after_analysis_keyboard,
    checklist_keyboard,
    future_me_keyboard,
    retry_analysis_keyboard,
    stream_keyboard,
)
from bot.render import Screen
from bot.render import wants as render
from bot.slow_work import SlowWork
from bot.states import WantsDialog, WantsForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import double_tap, show
from bot.utils.text import send_long
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError, NotFound
from core.services.wants import REVERSE_FIELDS, split_stop_word, split_wants

# Codes after which the running exercise cannot take more text: the dialog ends and the checklist shows why.
EXERCISE_OVER_CODES = frozenset({"WANTS_STREAM_FINISHED", "WANTS_RAW_IMMUTABLE", "WANTS_DRAFT_NOT_FOUND"})
Saved = TypeVar("Saved")


# ---- the checklist ---------------------------------------------------------------------------------------------

async def show_checklist(bot: Bot, chat_id: int, user: User, container: Container,
                         intro: str | None = None) -> None:
    checklist = await container.wants.checklist(user.id)
    text = render.checklist_text(checklist.progress, analyzed=checklist.analyzed)
    if intro:
        text = f"{intro}\n\n{text}"
    await bot.send_message(chat_id, text, reply_markup=checklist_keyboard(
        checklist.progress, analyzed=checklist.analyzed, has_analysis=checklist.has_analysis))


async def wants_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await show_checklist(bot, message.chat.id, user, container)


async def wants_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_checklist(bot, callback.from_user.id, user, container)


async def _save_exercise_text(saving: Awaitable[Saved], bot: Bot, chat_id: int, state: FSMContext, user: User,
                              container: Container) -> Saved | None:
    """Save a typed part of an exercise; None when the exercise can take no more text (closed, completed or gone):
    the dialog then ends on the checklist, which says why. Any other failure (too long, empty) reaches the errors
    router and the dialog stays open for a better answer."""
    try:
        return await saving
    except DomainError as error:
        if error.code not in EXERCISE_OVER_CODES:
            raise
        await _leave(bot, chat_id, state)
        await show_checklist(bot, chat_id, user, container, intro=error_text(error))
        return None


async def _acknowledge(bot: Bot, chat_id: int, state: FSMContext, dialog: WantsDialog, text: str,
                       keyboard: InlineKeyboardMarkup) -> None:
    """Send the acknowledgement with the exercise's buttons and take them off the previous one."""
    sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
    await _drop_ack(bot, chat_id, dialog.ack)
    dialog.ack = sent.message_id
    await dialog.save(state)


async def _drop_ack(bot: Bot, chat_id: int, ack: int | None) -> None:
    if ack:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=ack, reply_markup=None)


async def _leave(bot: Bot, chat_id: int, state: FSMContext) -> None:
    """End the exercise dialog; its last acknowledgement loses its buttons."""
    dialog = await WantsDialog.read(state)
    if dialog is not None:
        await _drop_ack(bot, chat_id, dialog.ack)
    await state.clear()


# ---- the "I want" stream ---------------------------------------------------------------------------------------

async def start_stream(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                       container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    chat_id = callback.from_user.id
    await container.wants.create_raw(user.id)
    stream = await container.wants.start_stream(user.id)
    if stream.is_completed:
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=_("✅ Your stream is already finished."))
        return
    if stream.remaining_seconds == 0:
        await container.wants.finish_stream(user.id)
        await _stream_closed(bot, chat_id, state, user, container, _("⏰ The stream's time is up."))
        return
    dialog = WantsDialog()
    await dialog.save(state, WantsForm.stream)
    await _acknowledge(bot, chat_id, state, dialog, render.stream_intro(stream.remaining_seconds or 0),
                       stream_keyboard(dialog.nonce))


async def stream_text(message: Message, dialog: WantsDialog, state: FSMContext, bot: Bot, user: User,
                      container: Container) -> None:
    chat_id = message.chat.id
    kept, stopping = split_stop_word(message.text)
    if stopping and not kept:
        draft = await container.wants.get_draft(user.id)
        if not draft.raw_wants_stream.strip():
            await message.answer(_("Write at least one want before you stop."))
            return
    result = await _save_exercise_text(container.wants.append_stream(user.id, message.text),
                                       bot, chat_id, state, user, container)
    if result is None:
        return
    if result.is_completed:
        intro = _("✅ The stream is closed.") if stopping else _("⏰ The stream's time is up.")
        await _stream_closed(bot, chat_id, state, user, container, intro)
        return
    await _acknowledge(bot, chat_id, state, dialog, _("✓ Saved · ⏱ {time} left").format(
        time=render.clock_text(result.remaining_seconds or 0)), stream_keyboard(dialog.nonce))


async def _wants_saved(container: Container, user_id: uuid.UUID) -> int:
    try:
        draft = await container.wants.get_draft(user_id)
    except NotFound:
        return 0
    return len(split_wants(draft.raw_wants_stream))


async def _stream_closed(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                         intro: str) -> None:
    await _leave(bot, chat_id, state)
    count = await _wants_saved(container, user.id)
    await show_checklist(bot, chat_id, user, container,
                         intro=f"{intro} " + render.wants_saved(count))


async def stream_button(callback: CallbackQuery, callback_data: WantsStep, state: FSMContext, bot: Bot,
                        user: User, container: Container) -> None:
    if callback_data.action == "time":
        remaining = await container.wants.stream_remaining(user.id)
        await callback.answer(_("⏱ Time left: {time}").format(time=render.clock_text(remaining or 0)))
        return
    draft = await container.wants.get_draft(user.id)
    if not draft.raw_wants_stream.strip():
        await callback.answer(_("Write at least one want before you stop."))
        return
    await callback.answer()
    await container.wants.finish_stream(user.id)
    await _stream_closed(bot, callback.from_user.id, state, user, container, _("✅ The stream is closed."))


async def time_command(message: Message, user: User, container: Container) -> None:
    remaining = await container.wants.stream_remaining(user.id)
    if remaining is None:
        await message.answer(_("No stream is running now. Start one in /wants."))
    else:
        await message.answer(_("⏱ Time left: {time}").format(time=render.clock_text(remaining)))


@reasks(WantsForm.stream)
async def ask_stream(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(WantsDialog)
    if dialog is None:
        return None
    remaining = await asked.container.wants.stream_remaining(asked.user.id)
    return Screen(render.stream_intro(remaining or 0), stream_keyboard(dialog.nonce))


@reasks(WantsForm.future_me)
async def ask_future_me(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(WantsDialog)
    if dialog is None:
        return None
    try:
        draft = await asked.container.wants.get_draft(asked.user.id)
    except NotFound:
        return None
    return Screen(render.future_me_intro(len(draft.future_me or "")), future_me_keyboard(dialog.nonce))


@reasks(WantsForm.reverse)
async def ask_reverse(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(WantsDialog)
    if dialog is None or not 0 <= dialog.step < len(REVERSE_FIELDS):
        return None
    try:
        draft = await asked.container.wants.get_draft(asked.user.id)
    except NotFound:
        return None
    return render.reverse_question(dialog, getattr(draft, REVERSE_FIELDS[dialog.step]))


# ---- "I am 40" -------------------------------------------------------------------------------------------------

async def start_future_me(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    chat_id = callback.from_user.id
    draft = await container.wants.create_raw(user.id)
    if draft.future_me_completed_at is not None:
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=_("✅ “I am 40” is already finished."))
        return
    dialog = WantsDialog()
    await dialog.save(state, WantsForm.future_me)
    await _acknowledge(bot, chat_id, state, dialog, render.future_me_intro(len(draft.future_me or "")),
                       future_me_keyboard(dialog.nonce))


async def future_me_text(message: Message, dialog: WantsDialog, state: FSMContext, bot: Bot, user: User,
                         container: Container) -> None:
    draft = await _save_exercise_text(container.wants.append_future_me(user.id, message.text),
                                      bot, message.chat.id, state, user, container)
    if draft is None:
        return
    await _acknowledge(bot, message.chat.id, state, dialog, render.future_me_saved(len(draft.future_me)),
                       future_me_keyboard(dialog.nonce))


async def future_me_finished(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                             container: Container) -> None:
    draft = await container.wants.get_draft(user.id)
    if not draft.future_me.strip():
        await callback.answer(_("Write a few words first — then press “Finish”."))
        return
    await callback.answer()
    await container.wants.finish_future_me(user.id)
    await _leave(bot, callback.from_user.id, state)
    await show_checklist(bot, callback.from_user.id, user, container, intro=_("✅ “I am 40” is done."))


# ---- reverse questions -----------------------------------------------------------------------------------------

async def _ask_reverse(bot: Bot, chat_id: int, dialog: WantsDialog, user: User, container: Container,
                       callback: CallbackQuery | None = None) -> None:
    draft = await container.wants.get_draft(user.id)
    await show(bot, chat_id, *render.reverse_question(dialog, getattr(draft, REVERSE_FIELDS[dialog.step])),
               callback=callback)


def _unanswered(draft) -> list[int]:
    return [index for index, name in enumerate(REVERSE_FIELDS) if not (getattr(draft, name) or "").strip()]


async def start_reverse(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    unanswered = _unanswered(await container.wants.create_raw(user.id))
    dialog = WantsDialog(step=unanswered[0] if unanswered else 0)
    await dialog.save(state, WantsForm.reverse)
    await _ask_reverse(bot, callback.from_user.id, dialog, user, container)


async def reverse_text(message: Message, dialog: WantsDialog, state: FSMContext, bot: Bot, user: User,
                       container: Container) -> None:
    draft = await _save_exercise_text(
        container.wants.update_reverse(user.id, {REVERSE_FIELDS[dialog.step]: message.text}),
        bot, message.chat.id, state, user, container)
    if draft is None:
        return
    await _next_reverse(bot, message.chat.id, state, dialog, user, container, draft)


async def _next_reverse(bot: Bot, chat_id: int, state: FSMContext, dialog: WantsDialog, user: User,
                        container: Container, draft, callback: CallbackQuery | None = None) -> None:
    if draft.reverse_completed_at is not None and dialog.step + 1 >= len(REVERSE_FIELDS):
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=_("✅ Reverse questions are done."))
        return
    unanswered = _unanswered(draft)
    if dialog.step + 1 < len(REVERSE_FIELDS):
        dialog.step += 1
    elif unanswered:
        dialog.step = unanswered[0]  # the last one is answered, an earlier one is still empty
    await dialog.save(state)
    await _ask_reverse(bot, chat_id, dialog, user, container, callback)


async def reverse_button(callback: CallbackQuery, callback_data: WantsStep, dialog: WantsDialog, state: FSMContext,
                         bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    if callback_data.action == "back":
        dialog.step = max(0, dialog.step - 1)
        await dialog.save(state)
        await _ask_reverse(bot, callback.from_user.id, dialog, user, container, callback)
        return
    draft = await container.wants.get_draft(user.id)
    if not (getattr(draft, REVERSE_FIELDS[dialog.step]) or "").strip():
        await _ask_reverse(bot, callback.from_user.id, dialog, user, container, callback)
        return
    await _next_reverse(bot, callback.from_user.id, state, dialog, user, container, draft, callback)


# ---- the analysis ----------------------------------------------------------------------------------------------

async def _areas_by_id(container: Container) -> dict:
    return {area.id: area for area in await container.areas.list(include_inactive=True)}


async def analyze_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container, slow_work: SlowWork | None = None) -> None:
    chat_id = callback.from_user.id
    progress = await container.wants.progress(user.id)
    if progress.raw_id is not None and not progress.ready_to_complete:
        await callback.answer(_("Finish all three exercises first."))
        return
    if progress.raw_id is None:
        latest = await container.wants.latest_analysis(user.id)
        completed, _total = await container.wants.history(user.id, page=1, page_size=1)
        if latest is not None and completed and latest.raw_id == completed[0].id:
            # A second tap (or an old button) after the analysis was made: nothing new to analyze.
            await callback.answer(_("This analysis is ready — it's in the chat above."))
            return
    await callback.answer()
    await state.clear()
    async def tail() -> None:
        async with ai_wait(bot, chat_id, _("⏳ Reading your wants…"),
                           retry=retry_analysis_keyboard()) as progress_message:
            if progress.raw_id is not None:
                await container.wants.complete(user.id)
            await progress_message.stage(_("🔎 Finding themes and connections…"))
            result = await container.wants.analyze(user)
        if progress_message.failed:
            return
        await progress_message.done(_("✅ Done — here is what I see."))
        await send_long(bot, chat_id, render.analysis_text(result.analysis, await _areas_by_id(container), user.locale),
                        reply_markup=after_analysis_keyboard())

    await ai_tail(slow_work, container.settings, bot, chat_id, "wants_analysis", tail)


async def analysis_pressed(callback: CallbackQuery, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    analysis = await container.wants.latest_analysis(user.id)
    if analysis is None:
        await bot.send_message(callback.from_user.id, _("There is no analysis yet."))
        return
    await send_long(bot, callback.from_user.id,
                    render.analysis_text(analysis, await _areas_by_id(container), user.locale),
                    reply_markup=after_analysis_keyboard())


def create_router() -> Router:
    router = Router(name="wants")
    router.message.register(wants_command, Command("wants"))
    router.message.register(time_command, Command("time"))
    router.callback_query.register(wants_pressed, MenuAction.filter(F.action == "wants"))
    router.callback_query.register(start_stream, WantsMenu.filter(F.action == "stream"))
    router.callback_query.register(start_future_me, WantsMenu.filter(F.action == "future_me"))
    router.callback_query.register(start_reverse, WantsMenu.filter(F.action == "reverse"))
    router.callback_query.register(analyze_pressed, WantsMenu.filter(F.action == "analyze"))
    router.callback_query.register(analysis_pressed, WantsMenu.filter(F.action == "analysis"))
    in_exercise = InDialog(WantsDialog)
    router.callback_query.register(stream_button, InState(WantsForm.stream), WantsStep.filter(), in_exercise)
    router.callback_query.register(future_me_finished, InState(WantsForm.future_me),
                                   WantsStep.filter(F.action == "finish"), in_exercise)
    router.callback_query.register(reverse_button, InState(WantsForm.reverse),
                                   WantsStep.filter(F.action.in_({"back", "keep"})), in_exercise)
    # Other commands pass through to the routers that own them.
    router.message.register(stream_text, InState(WantsForm.stream), OWN_TEXT, in_exercise)
    router.message.register(future_me_text, InState(WantsForm.future_me), OWN_TEXT, in_exercise)
    router.message.register(reverse_text, InState(WantsForm.reverse), OWN_TEXT, in_exercise)
    return router
