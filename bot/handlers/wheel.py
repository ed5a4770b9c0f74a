"""/wheel: score each active life area 0..10 (with an optional note), then a radar chart and what changed.
/wheel_history: past wheels, a page at a time."""
from __future__ import annotations

import asyncio
import math
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.charts import render_wheel_chart
from bot.keyboards.callbacks import HistoryPage, WheelAction
from bot.keyboards.menu import history_pages, main_menu
from bot.keyboards.wheel import score_keyboard
from bot.states import WheelForm
from bot.utils.messages import edit_or_send, new_nonce
from bot.utils.text import send_long, send_photo
from core.bootstrap import Container
from core.db.models import User
from core.services.wheel import AREA_NOTE_MAX_CHARS, compare

HISTORY_PAGE_SIZE = 5


def _area_title(area: dict, locale: str) -> str:
    return area["en"] if locale == "en" else area["ru"]


def _question_text(data: dict, locale: str) -> str:
    step, areas = data["step"], data["areas"]
    area = areas[step]
    lines = [
        _("🎡 <b>Life wheel</b> · {step} of {total}").format(step=step + 1, total=len(areas)),
        "",
        f"<b>{escape(area['emoji'])} {escape(_area_title(area, locale))}</b>",
    ]
    description = area["description_en"] if locale == "en" else area["description_ru"]
    if description:
        lines.append(f"<i>{escape(description)}</i>")
    lines += ["", _("How satisfied are you with this area right now? 0 — not at all, 10 — completely.")]
    last = data["last"].get(area["id"])
    if last is not None:
        lines.append(_("Last time: {score}").format(score=last))
    note = data["notes"].get(area["id"])
    if note:
        lines.append(_("📝 Your note: {note}").format(note=escape(note)))
    return "\n".join(lines)


async def start_wheel(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    areas = await container.areas.active_areas()
    if not areas:
        await bot.send_message(chat_id, _("There are no life areas to score yet."), reply_markup=main_menu())
        return
    latest = await container.wheel.latest(user.id)
    data = {
        "nonce": new_nonce(),
        "step": 0,
        "areas": [{"id": a.id, "emoji": a.emoji, "ru": a.title_ru, "en": a.title_en,
                   "description_ru": a.description_ru, "description_en": a.description_en} for a in areas],
        "scores": {},
        "notes": {},
        "last": dict(latest.scores) if latest else {},
    }
    await state.set_state(WheelForm.scoring)
    await state.set_data(data)
    await bot.send_message(chat_id, _question_text(data, user.locale),
                           reply_markup=score_keyboard(data["nonce"], 0))


async def wheel_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await start_wheel(bot, message.chat.id, state, user, container)


async def wheel_button(callback: CallbackQuery, callback_data: WheelAction, state: FSMContext, bot: Bot,
                       user: User, container: Container) -> None:
    data = await state.get_data()
    if callback_data.nonce != data.get("nonce") or callback_data.step != data.get("step"):
        await callback.answer(_("This menu is outdated — please use the latest message."))
        return
    area = data["areas"][data["step"]]
    if callback_data.action == "note":
        await state.set_state(WheelForm.note)
        await callback.answer()
        await bot.send_message(callback.from_user.id, _(
            "📝 Write a note about “{area}” (up to {limit} characters). It stays with this wheel."
        ).format(area=escape(_area_title(area, user.locale)), limit=AREA_NOTE_MAX_CHARS))
        return
    if callback_data.action == "back":
        data["step"] = max(0, data["step"] - 1)
    elif callback_data.action == "score" and 0 <= callback_data.value <= 10:
        data["scores"][area["id"]] = callback_data.value
        data["step"] += 1
    await callback.answer()
    await state.set_state(WheelForm.scoring)
    await state.set_data(data)
    if data["step"] >= len(data["areas"]):
        await edit_or_send(bot, callback, _("✅ All areas scored. Drawing your wheel…"))
        await _finish(bot, callback.from_user.id, state, user, container, data)
        return
    await edit_or_send(bot, callback, _question_text(data, user.locale),
                       score_keyboard(data["nonce"], data["step"]))


async def note_written(message: Message, state: FSMContext, bot: Bot, user: User) -> None:
    text = message.text.strip()
    if len(text) > AREA_NOTE_MAX_CHARS:
        await message.answer(_("That's {length} characters; a note fits {limit}. Please make it shorter.").format(
            length=len(text), limit=AREA_NOTE_MAX_CHARS))
        return
    data = await state.get_data()
    data["notes"][data["areas"][data["step"]]["id"]] = text
    await state.set_state(WheelForm.scoring)
    await state.set_data(data)
    await message.answer(_("Note saved. Now the score:"))
    await bot.send_message(message.chat.id, _question_text(data, user.locale),
                           reply_markup=score_keyboard(data["nonce"], data["step"]))


async def note_expected(message: Message) -> None:
    await message.answer(_("A note has to be text. Please type it, or press a score button to skip the note."))


async def score_expected(message: Message, state: FSMContext, bot: Bot, user: User) -> None:
    data = await state.get_data()
    text = _("Please pick a score with the buttons — 0 to 10.") + "\n\n" + _question_text(data, user.locale)
    await bot.send_message(message.chat.id, text, reply_markup=score_keyboard(data["nonce"], data["step"]))


def _delta(value: int | float | None) -> str:
    if value is None:
        return ""
    if value > 0:
        return f" (▲{value:g})"
    if value < 0:
        return f" (▼{-value:g})"
    return " (=)"


async def _finish(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container, data: dict) -> None:
    areas = {area["id"]: area for area in data["areas"]}
    async with ChatActionSender.upload_photo(bot=bot, chat_id=chat_id):
        entry = await container.wheel.create(user.id, data["scores"], area_notes=data["notes"])
        previous = await container.wheel.previous(user.id, entry.id)
        comparison = compare(entry, previous, area_order=list(areas))
        titles = [_area_title(areas[change.area_id], user.locale) for change in comparison.areas]
        chart = await asyncio.to_thread(
            render_wheel_chart, titles, [change.score for change in comparison.areas],
            [change.previous or 0 for change in comparison.areas] if previous is not None else None,
            current_label=_("now"), previous_label=_("last time"),
        )
    await state.clear()
    await send_photo(bot, chat_id, BufferedInputFile(chart, "life-wheel.png"),
                     _("🎡 Your life wheel · average {average}{delta}").format(
                         average=f"{comparison.average:g}", delta=_delta(comparison.average_delta)))
    lines = []
    for change in comparison.areas:
        area = areas[change.area_id]
        lines.append(f"{escape(area['emoji'])} {escape(_area_title(area, user.locale))}: "
                     f"<b>{change.score}</b>{_delta(change.delta)}")
    summary = [_("<b>Your scores</b>") if previous is None else _("<b>Changes since last time</b>"),
               "\n".join(lines)]
    if previous is None:
        summary.append(_("This is your first wheel — next time I'll show what changed."))
    if comparison.focus:
        focus = ", ".join(escape(_area_title(areas[area_id], user.locale)) for area_id in comparison.focus)
        summary.append(_("🎯 <b>Focus for now:</b> {areas}. The lowest scores are where small steps change "
                         "the most.").format(areas=focus))
    await send_long(bot, chat_id, "\n\n".join(summary), reply_markup=main_menu())


# ---- history --------------------------------------------------------------------------------------------------

async def show_history(bot: Bot, chat_id: int, user: User, container: Container, *, page: int,
                       callback: CallbackQuery | None = None) -> None:
    items, total = await container.wheel.history(user.id, page=page, page_size=HISTORY_PAGE_SIZE)
    pages = max(1, math.ceil(total / HISTORY_PAGE_SIZE))
    if page > pages:
        # A button from before some wheels were deleted: show the last page that exists.
        page = pages
        items, total = await container.wheel.history(user.id, page=page, page_size=HISTORY_PAGE_SIZE)
    if total == 0:
        text = _("You haven't filled in a life wheel yet. Try /wheel — it takes two minutes.")
    else:
        lines = [_("🗂 <b>Your life wheels</b> · page {page} of {pages}").format(page=page, pages=pages), ""]
        for entry in items:
            day = entry.created_at.astimezone(container.clock.local_now(user.time_zone).tzinfo).date()
            average = sum(entry.scores.values()) / len(entry.scores) if entry.scores else 0
            lines.append(_("• {date} — average {average}").format(
                date=format_date(day, format="medium", locale=user.locale), average=f"{average:.1f}"))
        text = "\n".join(lines)
    keyboard = history_pages(page, pages)
    if callback is not None:
        await edit_or_send(bot, callback, text, keyboard)
    else:
        await bot.send_message(chat_id, text, reply_markup=keyboard)


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
    router.callback_query.register(wheel_button, WheelForm.scoring, WheelAction.filter())
    router.callback_query.register(wheel_button, WheelForm.note, WheelAction.filter())
    router.message.register(note_written, WheelForm.note, F.text)
    router.message.register(note_expected, WheelForm.note)
    router.message.register(score_expected, WheelForm.scoring)
    router.message.register(history_command, Command("wheel_history"))
    router.callback_query.register(history_page, HistoryPage.filter())
    return router
