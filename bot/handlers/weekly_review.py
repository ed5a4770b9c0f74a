"""The weekly review (/review, the "Start the review" button of prompts and the reminder): the week in numbers and a
mood chart → the user's reflection → the AI summary → next week's steps."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ProgressMessage
from bot.charts_rituals import render_mood_chart
from bot.errors import error_text, is_retryable
from bot.keyboards.calendar import plan_week_keyboard
from bot.keyboards.menu import back_to_menu
from bot.keyboards.rituals import ReviewAction, first_week_keyboard, plan_choice_keyboard, retry_review_keyboard
from bot.render import Screen
from bot.render import rituals as render
from bot.rituals.texts import fresh_start_text, gamification_lines, outdated_text, weekday_label
from bot.states import ReviewDialog, ReviewForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import answered_too_long, double_tap, drop_keyboard
from bot.utils.text import MESSAGE_LIMIT, send_long, send_photo, telegram_length
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError
from core.services.rituals import REFLECTION_MAX

PLAN_CHOICES_MAX = 20


@reasks(ReviewForm.reflection)
async def ask_review_reflection(asked: OpenQuestion) -> Screen | None:
    """The question; after a failed reading, with the button that sends the kept reflection again."""
    dialog = asked.dialog(ReviewDialog)
    if dialog is None:
        return None
    return Screen(render.review_question(), retry_review_keyboard(dialog.nonce) if dialog.reflection else None)


@reasks(ReviewForm.planning)
async def ask_next_week(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(ReviewDialog)
    if dialog is None:
        return None
    return Screen(render.plan_offer(), plan_choice_keyboard(dialog.nonce, dialog.titles, set(dialog.chosen)))


async def start_review(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    await state.clear()
    status = await container.rituals.today(user.id)
    if status.interception is not None and status.interception.type == "fresh_start":
        await bot.send_message(chat_id, fresh_start_text())
    overview = await container.rituals.week_overview(user.id)
    if overview.before_joining:
        await bot.send_message(chat_id, render.nothing_to_review_yet(overview, user.locale),
                               reply_markup=first_week_keyboard())
        return
    days = [overview.week_start + timedelta(days=offset) for offset in range(7)]
    moods = overview.mood_by_day
    energies: dict[date, list[int]] = {}
    for entry in overview.entries:
        if entry.energy_score is not None:
            energies.setdefault(entry.local_date, []).append(entry.energy_score)
    summary = render.week_summary(overview, user.locale)
    if moods or energies:
        labels = [weekday_label(day, user.locale) for day in days]
        chart = await asyncio.to_thread(
            render_mood_chart, labels, [moods.get(day) for day in days],
            [sum(energies[day]) / len(energies[day]) if day in energies else None for day in days],
            mood_label=_("mood"), energy_label=_("energy"), title=_("Mood and energy of the week"))
        await send_photo(bot, chat_id, BufferedInputFile(chart, "week-mood.png"), summary)
    else:
        await send_long(bot, chat_id, summary + "\n\n" + render.no_scores_note())
    await ReviewDialog().save(state, ReviewForm.reflection)
    await bot.send_message(chat_id, render.review_question())


async def review_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await start_review(bot, message.chat.id, state, user, container)


async def review_reflection_written(message: Message, state: FSMContext, bot: Bot, user: User,
                                    container: Container, raw_state: str | None = None) -> None:
    if await answered_too_long(message, REFLECTION_MAX):
        return
    dialog = ReviewDialog.of(raw_state, await state.get_data()) or ReviewDialog()
    dialog.reflection = message.text.strip()
    await dialog.save(state, ReviewForm.reflection)  # kept for another try if the AI fails
    await _analyze_week(bot, message.chat.id, state, dialog, user, container)


async def review_retry_pressed(callback: CallbackQuery, dialog: ReviewDialog, state: FSMContext, bot: Bot,
                               user: User, container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await _analyze_week(bot, callback.from_user.id, state, dialog, user, container)


async def _analyze_week(bot: Bot, chat_id: int, state: FSMContext, dialog: ReviewDialog, user: User,
                        container: Container) -> None:
    progress = ProgressMessage(bot, chat_id)
    await progress.show(_("⏳ Reading your week…"))
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
            result = await container.rituals.analyze_week(user.id, dialog.reflection)
    except DomainError as error:
        # A review already written still leads on to planning. When the AI failed, the reflection is kept and
        # the retry button sends it again; any other failure ends the review, with the way back to it.
        if is_retryable(error):
            await progress.show(error_text(error), retry_review_keyboard(dialog.nonce))
            return
        if error.code != "RITUALS_REVIEW_ALREADY_DONE":
            await state.clear()
            await progress.show(error_text(error) + "\n\n" + _("Send /review to try again."))
            return
        await progress.show(error_text(error) + " " + _("Let's plan next week."))
    else:
        text = render.analysis_text(result.review.ai_analysis or {},
                                    gamification_lines(result.gamification_event, user.locale))
        if telegram_length(text) <= MESSAGE_LIMIT:
            await progress.show(text)
        else:
            await progress.show(render.analysis_title())
            await send_long(bot, chat_id, text)
    await _offer_plan(bot, chat_id, state, user, container)


async def _offer_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    candidates = (await container.rituals.plan_suggestion(user.id))[:PLAN_CHOICES_MAX]
    if not candidates:
        await state.clear()
        await bot.send_message(chat_id, _("There are no open steps to plan for next week. Make a plan in /goals."))
        return
    dialog = ReviewDialog(steps=[step.id for step in candidates], titles=[step.title for step in candidates])
    await dialog.save(state, ReviewForm.planning)
    await bot.send_message(chat_id, render.plan_offer(),
                           reply_markup=plan_choice_keyboard(dialog.nonce, dialog.titles, set()))


async def review_start_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                               container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    await drop_keyboard(callback)
    await start_review(bot, callback.from_user.id, state, user, container)


async def plan_step_toggled(callback: CallbackQuery, callback_data: ReviewAction, dialog: ReviewDialog,
                            state: FSMContext) -> None:
    if not 0 <= callback_data.index < len(dialog.steps):
        await callback.answer(outdated_text())
        return
    chosen = set(dialog.chosen) | {callback_data.index} if callback_data.on else set(dialog.chosen) - {
        callback_data.index}
    dialog.chosen = sorted(chosen)
    await dialog.save(state)
    await callback.answer()
    message = callback.message
    if isinstance(message, Message):
        with contextlib.suppress(TelegramBadRequest):  # the same keyboard again: nothing to change
            await message.edit_reply_markup(reply_markup=plan_choice_keyboard(dialog.nonce, dialog.titles, chosen))


async def plan_committed(callback: CallbackQuery, dialog: ReviewDialog, state: FSMContext, bot: Bot, user: User,
                         container: Container) -> None:
    if not dialog.chosen:
        await callback.answer(_("Tap at least one step first."), show_alert=True)
        return
    await state.clear()  # planned or refused, the review is over
    try:
        steps = await container.rituals.commit_week(user.id, [dialog.steps[index] for index in dialog.chosen])
    except DomainError as error:  # told on the button, like the choice itself, and the way on in the chat
        await callback.answer(error_text(error), show_alert=True)
        await drop_keyboard(callback)
        await bot.send_message(callback.from_user.id, error_text(error), reply_markup=back_to_menu())
        return
    await callback.answer()
    await drop_keyboard(callback)
    await send_long(bot, callback.from_user.id, render.next_week_text(steps, user.locale),
                    reply_markup=plan_week_keyboard())


def create_router() -> Router:
    router = Router(name="weekly_review")
    router.message.register(review_command, Command("review"))
    router.callback_query.register(review_start_pressed, ReviewAction.filter(F.action == "start"))
    in_review = InDialog(ReviewDialog)
    planning = InState(ReviewForm.planning)
    router.callback_query.register(plan_step_toggled, planning, ReviewAction.filter(F.action == "toggle"), in_review)
    router.callback_query.register(plan_committed, planning, ReviewAction.filter(F.action == "commit"), in_review)
    router.callback_query.register(review_retry_pressed, InState(ReviewForm.reflection),
                                   ReviewAction.filter(F.action == "retry"), in_review)
    router.message.register(review_reflection_written, InState(ReviewForm.reflection), OWN_TEXT)
    return router
