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
from html import escape
from typing import TypeVar

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ProgressMessage
from bot.errors import error_text
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.wants import (
    WantsMenu,
    WantsStep,
    after_analysis_keyboard,
    checklist_keyboard,
    future_me_keyboard,
    retry_analysis_keyboard,
    reverse_keyboard,
    stream_keyboard,
)
from bot.render.wants import analysis_text, checklist_text, clock_text
from bot.states import WantsForm
from bot.utils.messages import edit_or_send, new_nonce
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
    text = checklist_text(checklist.progress, analyzed=checklist.analyzed)
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
        await _drop_ack(bot, chat_id, await state.get_data())
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=error_text(error))
        return None


async def _acknowledge(bot: Bot, chat_id: int, state: FSMContext, text: str,
                       keyboard: InlineKeyboardMarkup) -> None:
    """Send the acknowledgement with the exercise's buttons and take them off the previous one."""
    data = await state.get_data()
    sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
    await _drop_ack(bot, chat_id, data)
    await state.update_data(ack=sent.message_id)


async def _drop_ack(bot: Bot, chat_id: int, data: dict) -> None:
    if data.get("ack"):
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=data["ack"], reply_markup=None)


# ---- the "I want" stream ---------------------------------------------------------------------------------------

async def start_stream(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                       container: Container) -> None:
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
    nonce = new_nonce()
    await state.set_state(WantsForm.stream)
    await state.set_data({"nonce": nonce})
    text = "\n\n".join([
        _("✍️ <b>The “I want” stream</b>"),
        _("For ten minutes, write down everything you want — big and small, serious and silly. One want per "
          "message or many at once. Don't judge and don't edit, just keep writing."),
        _("Write “stop” when you are done; when the time runs out I'll close the stream myself. /time shows "
          "the time left."),
        _("⏱ Time left: {time}").format(time=clock_text(stream.remaining_seconds or 0)),
    ])
    await _acknowledge(bot, chat_id, state, text, stream_keyboard(nonce))


async def stream_text(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
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
    data = await state.get_data()
    await _acknowledge(bot, chat_id, state, _("✓ Saved · ⏱ {time} left").format(
        time=clock_text(result.remaining_seconds or 0)), stream_keyboard(data["nonce"]))


async def _wants_saved(container: Container, user_id: uuid.UUID) -> int:
    try:
        draft = await container.wants.get_draft(user_id)
    except NotFound:
        return 0
    return len(split_wants(draft.raw_wants_stream))


async def _stream_closed(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                         intro: str) -> None:
    await _drop_ack(bot, chat_id, await state.get_data())
    await state.clear()
    count = await _wants_saved(container, user.id)
    await show_checklist(bot, chat_id, user, container,
                         intro=f"{intro} " + _("Wants saved: {count}.").format(count=count))


async def stream_button(callback: CallbackQuery, callback_data: WantsStep, state: FSMContext, bot: Bot,
                        user: User, container: Container) -> None:
    data = await state.get_data()
    if callback_data.nonce != data.get("nonce"):
        await callback.answer(_("This menu is outdated — please use the latest message."))
        return
    if callback_data.action == "time":
        remaining = await container.wants.stream_remaining(user.id)
        await callback.answer(_("⏱ Time left: {time}").format(time=clock_text(remaining or 0)))
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
        await message.answer(_("⏱ Time left: {time}").format(time=clock_text(remaining)))


async def text_expected(message: Message) -> None:
    await message.answer(_("Only text counts here — please write it in words."))


async def reverse_text_expected(message: Message, state: FSMContext, bot: Bot, user: User,
                                container: Container) -> None:
    await message.answer(_("Please answer in words — type your answer as a message."))
    await _ask_reverse(bot, message.chat.id, state, user, container)


# ---- "I am 40" -------------------------------------------------------------------------------------------------

async def start_future_me(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    await callback.answer()
    chat_id = callback.from_user.id
    draft = await container.wants.create_raw(user.id)
    if draft.future_me_completed_at is not None:
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=_("✅ “I am 40” is already finished."))
        return
    nonce = new_nonce()
    await state.set_state(WantsForm.future_me)
    await state.set_data({"nonce": nonce})
    parts = [
        _("🧓 <b>“I am 40”</b>"),
        _("Imagine you are 40 (if you are older, imagine yourself ten years from now). Describe your life then: "
          "where you live, what you do, who is around you, how an ordinary day goes, how you feel. Write in the "
          "present tense, in as many messages as you like."),
        _("When you have said everything, press “Finish”."),
    ]
    if draft.future_me:
        parts.append(_("You have written {chars} characters so far — carry on.").format(chars=len(draft.future_me)))
    await _acknowledge(bot, chat_id, state, "\n\n".join(parts), future_me_keyboard(nonce))


async def future_me_text(message: Message, state: FSMContext, bot: Bot, user: User,
                         container: Container) -> None:
    draft = await _save_exercise_text(container.wants.append_future_me(user.id, message.text),
                                      bot, message.chat.id, state, user, container)
    if draft is None:
        return
    data = await state.get_data()
    await _acknowledge(bot, message.chat.id, state, _(
        "✓ Saved ({chars} characters). Write more, or press “Finish”.").format(chars=len(draft.future_me)),
        future_me_keyboard(data["nonce"]))


async def future_me_button(callback: CallbackQuery, callback_data: WantsStep, state: FSMContext, bot: Bot,
                           user: User, container: Container) -> None:
    data = await state.get_data()
    if callback_data.nonce != data.get("nonce") or callback_data.action != "finish":
        await callback.answer(_("This menu is outdated — please use the latest message."))
        return
    draft = await container.wants.get_draft(user.id)
    if not draft.future_me.strip():
        await callback.answer(_("Write a few words first — then press “Finish”."))
        return
    await callback.answer()
    await container.wants.finish_future_me(user.id)
    await _drop_ack(bot, callback.from_user.id, data)
    await state.clear()
    await show_checklist(bot, callback.from_user.id, user, container, intro=_("✅ “I am 40” is done."))


# ---- reverse questions -----------------------------------------------------------------------------------------

def _reverse_question(step: int) -> str:
    questions = (
        _("Whose life, achievements or things do you envy — even a little? Envy often points at a want you "
          "haven't admitted yet."),
        _("What do you regret not having done? What would you be sorry never to try?"),
        _("If you knew you had exactly five years, what would you do with them?"),
    )
    return questions[step]


async def _ask_reverse(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                       callback: CallbackQuery | None = None) -> None:
    data = await state.get_data()
    step = data["step"]
    draft = await container.wants.get_draft(user.id)
    answer = getattr(draft, REVERSE_FIELDS[step])
    lines = [_("🔄 <b>Reverse questions</b> · {step} of 3").format(step=step + 1), "", _reverse_question(step)]
    if answer:
        lines += ["", _("📝 Your answer: {answer}").format(answer=f"<i>{_escape_preview(answer)}</i>"),
                  _("Send a new answer to replace it.")]
    keyboard = reverse_keyboard(data["nonce"], step, answered=bool(answer))
    if callback is not None:
        await edit_or_send(bot, callback, "\n".join(lines), keyboard)
    else:
        await bot.send_message(chat_id, "\n".join(lines), reply_markup=keyboard)


def _escape_preview(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


async def start_reverse(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    draft = await container.wants.create_raw(user.id)
    unanswered = [index for index, name in enumerate(REVERSE_FIELDS) if not (getattr(draft, name) or "").strip()]
    await state.set_state(WantsForm.reverse)
    await state.set_data({"nonce": new_nonce(), "step": unanswered[0] if unanswered else 0})
    await _ask_reverse(bot, callback.from_user.id, state, user, container)


async def reverse_text(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    data = await state.get_data()
    draft = await _save_exercise_text(
        container.wants.update_reverse(user.id, {REVERSE_FIELDS[data["step"]]: message.text}),
        bot, message.chat.id, state, user, container)
    if draft is None:
        return
    await _next_reverse(bot, message.chat.id, state, user, container, draft, data)


async def _next_reverse(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container, draft,
                        data: dict, callback: CallbackQuery | None = None) -> None:
    if draft.reverse_completed_at is not None and data["step"] + 1 >= len(REVERSE_FIELDS):
        await state.clear()
        await show_checklist(bot, chat_id, user, container, intro=_("✅ Reverse questions are done."))
        return
    unanswered = [i for i, name in enumerate(REVERSE_FIELDS) if not (getattr(draft, name) or "").strip()]
    if data["step"] + 1 < len(REVERSE_FIELDS):
        data["step"] += 1
    elif unanswered:
        data["step"] = unanswered[0]  # the last one is answered, an earlier one is still empty
    await state.set_data(data)
    await _ask_reverse(bot, chat_id, state, user, container, callback)


async def reverse_button(callback: CallbackQuery, callback_data: WantsStep, state: FSMContext, bot: Bot,
                         user: User, container: Container) -> None:
    data = await state.get_data()
    if callback_data.nonce != data.get("nonce") or callback_data.step != data.get("step") \
            or callback_data.action not in ("back", "keep"):
        await callback.answer(_("This menu is outdated — please use the latest message."))
        return
    await callback.answer()
    if callback_data.action == "back":
        data["step"] = max(0, data["step"] - 1)
        await state.set_data(data)
        await _ask_reverse(bot, callback.from_user.id, state, user, container, callback)
        return
    draft = await container.wants.get_draft(user.id)
    if not (getattr(draft, REVERSE_FIELDS[data["step"]]) or "").strip():
        await _ask_reverse(bot, callback.from_user.id, state, user, container, callback)
        return
    await _next_reverse(bot, callback.from_user.id, state, user, container, draft, data, callback)


# ---- the analysis ----------------------------------------------------------------------------------------------

async def _areas_by_id(container: Container) -> dict:
    return {area.id: area for area in await container.areas.list(include_inactive=True)}


async def analyze_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
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
    progress_message = ProgressMessage(bot, chat_id)
    await progress_message.show(_("⏳ Reading your wants…"))
    async with progress_message.working(retry=retry_analysis_keyboard()):
        if progress.raw_id is not None:
            await container.wants.complete(user.id)
        await progress_message.show(_("🔎 Finding themes and connections…"))
        result = await container.wants.analyze(user)
    if progress_message.failed:
        return
    await progress_message.show(_("✅ Done — here is what I see."))
    await send_long(bot, chat_id, analysis_text(result.analysis, await _areas_by_id(container), user.locale),
                    reply_markup=after_analysis_keyboard())


async def analysis_pressed(callback: CallbackQuery, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    analysis = await container.wants.latest_analysis(user.id)
    if analysis is None:
        await bot.send_message(callback.from_user.id, _("There is no analysis yet."))
        return
    await send_long(bot, callback.from_user.id, analysis_text(analysis, await _areas_by_id(container), user.locale),
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
    router.callback_query.register(stream_button, WantsForm.stream, WantsStep.filter())
    router.callback_query.register(future_me_button, WantsForm.future_me, WantsStep.filter())
    router.callback_query.register(reverse_button, WantsForm.reverse, WantsStep.filter())
    # Other commands pass through to the routers that own them.
    own_text = F.text & ~F.text.startswith("/")
    router.message.register(stream_text, WantsForm.stream, own_text)
    router.message.register(future_me_text, WantsForm.future_me, own_text)
    router.message.register(reverse_text, WantsForm.reverse, own_text)
    router.message.register(text_expected, WantsForm.stream, ~F.text)
    router.message.register(text_expected, WantsForm.future_me, ~F.text)
    router.message.register(reverse_text_expected, WantsForm.reverse, ~F.text)
    return router
