"""/wheel: score each active life area 0..10 (with an optional note), then a radar chart and what changed.
/wheel_history: past wheels, a page at a time."""
from __future__ import annotations

import asyncio
import math

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.charts import render_wheel_chart
from bot.keyboards.callbacks import HistoryPage, WheelAction
from bot.keyboards.menu import history_pages, main_menu
from bot.render import Screen
from bot.render import wheel as render
from bot.states import WheelArea, WheelDialog, WheelForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import HAS_TEXT, InState, Magic
from bot.utils.messages import show
from bot.utils.text import send_long, send_photo
from core.bootstrap import Container
from core.db.models import User
from core.services.wheel import AREA_NOTE_MAX_CHARS, compare

HISTORY_PAGE_SIZE = 5
SCORE_TYPED = r"^\s*(10|[0-9])\s*$"


async def start_wheel(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    areas = await container.areas.active_areas()
    if not areas:
        await bot.send_message(chat_id, _("There are no life areas to score yet."), reply_markup=main_menu())
        return
    latest = await container.wheel.latest(user.id)
    dialog = WheelDialog(
        areas=[WheelArea(id=a.id, emoji=a.emoji, ru=a.title_ru, en=a.title_en, description_ru=a.description_ru,
                         description_en=a.description_en) for a in areas],
        last=dict(latest.scores) if latest else {})
    await dialog.save(state, WheelForm.scoring)
    text, markup = render.question(dialog, user.locale)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def wheel_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await start_wheel(bot, message.chat.id, state, user, container)


async def wheel_button(callback: CallbackQuery, callback_data: WheelAction, dialog: WheelDialog, state: FSMContext,
                       bot: Bot, user: User, container: Container) -> None:
    if callback_data.action == "note":
        await dialog.save(state, WheelForm.note)
        await callback.answer()
        await bot.send_message(callback.from_user.id, render.note_prompt(dialog, user.locale))
        return
    if callback_data.action == "back":
        dialog.step = max(0, dialog.step - 1)
    elif callback_data.action == "score" and 0 <= callback_data.value <= 10:
        dialog.scores[dialog.area.id] = callback_data.value
        dialog.step += 1
    await callback.answer()
    await _next(bot, callback.from_user.id, state, user, container, dialog, callback)


async def score_typed(message: Message, dialog: WheelDialog, state: FSMContext, bot: Bot, user: User,
                      container: Container) -> None:
    """A score typed as a number while the score buttons are shown counts like the button."""
    dialog.scores[dialog.area.id] = int(message.text.strip())
    dialog.step += 1
    await _next(bot, message.chat.id, state, user, container, dialog)


async def _next(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container, dialog: WheelDialog,
                callback: CallbackQuery | None = None) -> None:
    await dialog.save(state, WheelForm.scoring)
    if dialog.finished:
        await show(bot, chat_id, _("✅ All areas scored. Drawing your wheel…"), callback=callback)
        await _finish(bot, chat_id, state, user, container, dialog)
        return
    await show(bot, chat_id, *render.question(dialog, user.locale), callback=callback)


async def note_written(message: Message, dialog: WheelDialog, state: FSMContext, bot: Bot, user: User) -> None:
    text = message.text.strip()
    if len(text) > AREA_NOTE_MAX_CHARS:
        await message.answer(render.note_too_long(len(text)))
        return
    dialog.notes[dialog.area.id] = text
    await dialog.save(state, WheelForm.scoring)
    await message.answer(_("Note saved. Now the score:"))
    text, markup = render.question(dialog, user.locale)
    await bot.send_message(message.chat.id, text, reply_markup=markup)


@reasks(WheelForm.scoring)
async def ask_score(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(WheelDialog)
    return None if dialog is None or dialog.finished else render.question(dialog, asked.user.locale)


@reasks(WheelForm.note)
async def ask_note(asked: OpenQuestion) -> Screen | None:
    """The note prompt with the area's score buttons, which skip the note."""
    dialog = asked.dialog(WheelDialog)
    if dialog is None or dialog.finished:
        return None
    return Screen(render.note_prompt(dialog, asked.user.locale), render.question(dialog, asked.user.locale).markup)


async def _finish(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                  dialog: WheelDialog) -> None:
    await state.clear()  # every area is scored: saved or failed, this run is over
    async with ChatActionSender(bot=bot, chat_id=chat_id, action=ChatAction.UPLOAD_PHOTO):
        entry = await container.wheel.create(user.id, dialog.scores, area_notes=dialog.notes)
        previous = await container.wheel.previous(user.id, entry.id)
        comparison = compare(entry, previous, area_order=[area.id for area in dialog.areas])
        areas = {area.id: area for area in dialog.areas}
        chart = await asyncio.to_thread(
            render_wheel_chart, [render.area_title(areas[change.area_id], user.locale) for change in comparison.areas],
            [change.score for change in comparison.areas],
            [change.previous or 0 for change in comparison.areas] if previous is not None else None,
            current_label=_("now"), previous_label=_("last time"),
        )
    await send_photo(bot, chat_id, BufferedInputFile(chart, "life-wheel.png"),
                     render.chart_caption(comparison, user.locale))
    await send_long(bot, chat_id, render.result_text(dialog, comparison, first=previous is None, locale=user.locale),
                    reply_markup=main_menu())


# ---- history --------------------------------------------------------------------------------------------------

async def show_history(bot: Bot, chat_id: int, user: User, container: Container, *, page: int,
                       callback: CallbackQuery | None = None) -> None:
    items, total = await container.wheel.history(user.id, page=page, page_size=HISTORY_PAGE_SIZE)
    pages = max(1, math.ceil(total / HISTORY_PAGE_SIZE))
    if page > pages:
        # A button from before some wheels were deleted: show the last page that exists.
        page = pages
        items, total = await container.wheel.history(user.id, page=page, page_size=HISTORY_PAGE_SIZE)
    zone = container.clock.local_now(user.time_zone).tzinfo
    text = render.history_text([(entry.created_at.astimezone(zone).date(), entry) for entry in items],
                               page=page, pages=pages, locale=user.locale)
    await show(bot, chat_id, text, history_pages(page, pages), callback=callback)


async def history_command(message: Message, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    await state.clear()
    await show_history(bot, message.chat.id, user, container, page=1)


async def history_page(callback: CallbackQuery, callback_data: HistoryPage, bot: Bot, user: User,
                       container: Container) -> None:
    await callback.answer()
    page = max(1, min(callback_data.page, 10_000))
    await show_history(bot, callback.from_user.id, user, container, page=page, callback=callback)


def create_router() -> Router:
    router = Router(name="wheel")
    router.message.register(wheel_command, Command("wheel"))
    in_wheel = InDialog(WheelDialog)
    router.callback_query.register(wheel_button, InState(WheelForm.scoring), WheelAction.filter(), in_wheel)
    router.callback_query.register(wheel_button, InState(WheelForm.note), WheelAction.filter(), in_wheel)
    router.message.register(note_written, InState(WheelForm.note), HAS_TEXT, in_wheel)
    router.message.register(score_typed, InState(WheelForm.scoring), Magic(F.text.regexp(SCORE_TYPED)), in_wheel)
    router.message.register(history_command, Command("wheel_history"))
    router.callback_query.register(history_page, HistoryPage.filter())
    return router
