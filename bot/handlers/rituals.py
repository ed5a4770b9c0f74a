"""The morning and evening rituals (/morning, /evening and the scheduler's prompts) and the weekly review (/review).

Morning: the day's energy and steps → energy 1..10 → one intention (text) → saved, XP and streak shown.
Evening: tap the steps done → mood 1..10 → one reflection (text) → saved for the prompt's local day.
Weekly: the week in numbers and a mood chart → the user's reflection → the AI summary → next week's steps.
"""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import date, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.charts_rituals import render_mood_chart
from bot.errors import error_text
from bot.keyboards.calendar import plan_week_keyboard
from bot.keyboards.rituals import KINDS_BY_CODE, ReviewAction, RitualAction, plan_choice_keyboard, unpack_day
from bot.rituals.render import build_prompt, steps_on
from bot.rituals.texts import (
    already_done_text,
    day_label,
    fresh_start_text,
    gamification_lines,
    outdated_text,
    short_day,
    weekday_label,
    xp_toast,
)
from bot.states import EveningForm, MorningForm, ReviewForm
from bot.utils.messages import drop_keyboard, new_nonce
from bot.utils.text import MESSAGE_LIMIT, send_long, send_photo, telegram_length
from core.bootstrap import Container
from core.db.models import Step, User
from core.errors import DomainError, NotFound
from core.services.rituals import ANSWER_TEXT_MAX, REFLECTION_MAX

PLAN_CHOICES_MAX = 20
NOT_A_COMMAND = F.text & ~F.text.startswith("/")


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
        await _mood_chosen(callback, callback_data.value, day, state, bot)
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
    except DomainError as error:
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
    await state.set_state(MorningForm.intention)
    await state.set_data({"day": day.isoformat(), "energy": energy})
    await callback.answer()
    await _close_prompt(callback, _("⚡ Energy: {score}/10").format(score=energy))
    await bot.send_message(callback.from_user.id, _(
        "🎯 <b>One intention for today</b>: what matters most to you today? One sentence is enough."))


async def _step_toggled(callback: CallbackQuery, callback_data: RitualAction, day: date, user: User,
                        container: Container) -> None:
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, NotFound):
        await callback.answer(outdated_text())
        return
    if step.planned_date != day:
        await callback.answer(outdated_text())
    elif step.status == "done":
        await container.steps.update(user.id, step.id, _step_fields(step, status="planned"))
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


async def _mood_chosen(callback: CallbackQuery, mood: int, day: date, state: FSMContext, bot: Bot) -> None:
    if not 1 <= mood <= 10:
        await callback.answer(outdated_text())
        return
    await state.set_state(EveningForm.reflection)
    await state.set_data({"day": day.isoformat(), "mood": mood})
    await callback.answer()
    await _close_prompt(callback, _("😊 Mood: {score}/10").format(score=mood))
    await bot.send_message(callback.from_user.id, _(
        "🌙 <b>One question to close the day</b>: what are you taking from today — a joy, a lesson, a thank-you?"))


# ---- the text answers ------------------------------------------------------------------------------------------

async def _too_long(message: Message, limit: int) -> bool:
    if len(message.text.strip()) <= limit:
        return False
    await message.answer(_("That's {length} characters; please keep it under {limit}.").format(
        length=len(message.text.strip()), limit=limit))
    return True


async def intention_written(message: Message, state: FSMContext, user: User, container: Container) -> None:
    if await _too_long(message, ANSWER_TEXT_MAX):
        return
    data = await state.get_data()
    await state.clear()
    result = await container.rituals.add_entry(
        user.id, entry_type="morning", answers={"intention": message.text.strip()},
        energy_score=data["energy"], for_date=date.fromisoformat(data["day"]))
    lines = [_("🌅 <b>Morning ritual done.</b> Have a good day — your steps are in /today."), "",
             *gamification_lines(result.gamification_event, user.locale, streak_days=result.streak_days)]
    await message.answer("\n".join(lines))


async def reflection_written(message: Message, state: FSMContext, user: User, container: Container) -> None:
    if await _too_long(message, ANSWER_TEXT_MAX):
        return
    data = await state.get_data()
    await state.clear()
    day = date.fromisoformat(data["day"])
    done = [step.title for step in await steps_on(container, user, day) if step.status == "done"]
    result = await container.rituals.add_entry(
        user.id, entry_type="evening", answers={"reflection": message.text.strip(), "steps_done": done[:50]},
        mood_score=data["mood"], for_date=day)
    lines = [_("🌙 <b>Evening ritual done.</b> Thank you for the day — sleep well."), "",
             *gamification_lines(result.gamification_event, user.locale, streak_days=result.streak_days)]
    await message.answer("\n".join(lines))


async def text_expected(message: Message) -> None:
    await message.answer(_("Please answer with a text message — or /cancel to stop."))


# ---- the weekly review ----------------------------------------------------------------------------------------

async def start_review(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    await state.clear()
    status = await container.rituals.today(user.id)
    if status.interception is not None and status.interception.type == "fresh_start":
        await bot.send_message(chat_id, fresh_start_text())
    overview = await container.rituals.week_overview(user.id)
    days = [overview.week_start + timedelta(days=offset) for offset in range(7)]
    moods = overview.mood_by_day
    energies: dict[date, list[int]] = {}
    for entry in overview.entries:
        if entry.energy_score is not None:
            energies.setdefault(entry.local_date, []).append(entry.energy_score)
    mornings = sum(1 for entry in overview.entries if entry.type == "morning")
    evenings = sum(1 for entry in overview.entries if entry.type == "evening")
    lines = [
        _("📝 <b>Weekly review</b> · {start} – {end}").format(start=day_label(overview.week_start, user.locale),
                                                               end=day_label(overview.week_end, user.locale)),
        "",
        _("🌅 Morning rituals: {mornings} · 🌙 evening rituals: {evenings}").format(mornings=mornings,
                                                                                  evenings=evenings),
        _("✅ Steps done: {done} of {planned}").format(done=len(overview.steps_done),
                                                     planned=len(overview.steps_planned)),
    ]
    if moods:
        average = sum(moods.values()) / len(moods)
        lines.append(_("😊 Average mood: {value}").format(value=f"{average:.1f}"))
    if overview.steps_done:
        lines += ["", _("<b>Done this week</b>")] + [f"✅ {escape(step.title)}" for step in overview.steps_done[:10]]
    summary = "\n".join(lines)
    if moods or energies:
        labels = [weekday_label(day, user.locale) for day in days]
        chart = await asyncio.to_thread(
            render_mood_chart, labels, [moods.get(day) for day in days],
            [sum(energies[day]) / len(energies[day]) if day in energies else None for day in days],
            mood_label=_("mood"), energy_label=_("energy"), title=_("Mood and energy of the week"))
        await send_photo(bot, chat_id, BufferedInputFile(chart, "week-mood.png"), summary)
    else:
        await send_long(bot, chat_id, summary + "\n\n" + _(
            "No mood or energy scores this week — the morning and evening rituals add them."))
    await state.set_state(ReviewForm.reflection)
    await state.set_data({"nonce": new_nonce()})
    await bot.send_message(chat_id, _(
        "✍️ <b>Your reflection</b>: how did the week go? What worked, what got in the way? A few sentences."))


async def review_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await start_review(bot, message.chat.id, state, user, container)


def _analysis_text(analysis: dict, event_lines: list[str]) -> str:
    blocks = [_("🧭 <b>Your week, summed up</b>"), escape(str(analysis.get("summary") or ""))]
    for title, key in ((_("<b>Wins</b>"), "wins"), (_("<b>Challenges</b>"), "challenges"),
                       (_("<b>For next week</b>"), "suggestions")):
        items = [escape(str(item)) for item in analysis.get(key) or []]
        if items:
            blocks.append("\n".join([title, *(f"• {item}" for item in items)]))
    if analysis.get("notice"):
        blocks.append(f"<i>{escape(str(analysis['notice']))}</i>")
    if event_lines:
        blocks.append("\n".join(event_lines))
    return "\n\n".join(block for block in blocks if block)


async def review_reflection_written(message: Message, state: FSMContext, bot: Bot, user: User,
                                    container: Container) -> None:
    if await _too_long(message, REFLECTION_MAX):
        return
    progress = await message.answer(_("⏳ Reading your week…"))
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
            result = await container.rituals.analyze_week(user.id, message.text.strip())
    except DomainError as error:
        if error.code != "RITUALS_REVIEW_ALREADY_DONE":
            await state.clear()
            await progress.edit_text(error_text(error) + "\n\n" + _("Send /review to try again."))
            return
        await progress.edit_text(error_text(error) + " " + _("Let's plan next week."))
    else:
        text = _analysis_text(result.review.ai_analysis or {},
                              gamification_lines(result.gamification_event, user.locale))
        if telegram_length(text) <= MESSAGE_LIMIT:
            await progress.edit_text(text)
        else:
            await progress.edit_text(_("🧭 <b>Your week, summed up</b>"))
            await send_long(bot, message.chat.id, text)
    await _offer_plan(bot, message.chat.id, state, user, container)


async def _offer_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    candidates = (await container.rituals.plan_suggestion(user.id))[:PLAN_CHOICES_MAX]
    if not candidates:
        await state.clear()
        await bot.send_message(chat_id, _("There are no open steps to plan for next week. Make a plan in /goals."))
        return
    nonce = new_nonce()
    titles = [step.title for step in candidates]
    await state.set_state(ReviewForm.planning)
    await state.set_data({"nonce": nonce, "steps": [step.id.hex for step in candidates], "titles": titles,
                          "chosen": []})
    await bot.send_message(chat_id, _("📅 <b>Next week</b>: tap the steps to take on, then plan them. I'll spread "
                                      "them over the coming seven days."),
                           reply_markup=plan_choice_keyboard(nonce, titles, set()))


async def review_button(callback: CallbackQuery, callback_data: ReviewAction, state: FSMContext, bot: Bot,
                        user: User, container: Container) -> None:
    if callback_data.action == "start":
        await callback.answer()
        await drop_keyboard(callback)
        await start_review(bot, callback.from_user.id, state, user, container)
        return
    data = await state.get_data()
    if await state.get_state() != ReviewForm.planning.state or callback_data.nonce != data.get("nonce"):
        await callback.answer(outdated_text())
        return
    chosen = set(data["chosen"])
    if callback_data.action == "toggle" and 0 <= callback_data.index < len(data["steps"]):
        chosen ^= {callback_data.index}
        await state.update_data(chosen=sorted(chosen))
        await callback.answer()
        message = callback.message
        if isinstance(message, Message):
            with contextlib.suppress(TelegramBadRequest):  # the same keyboard again: nothing to change
                await message.edit_reply_markup(
                    reply_markup=plan_choice_keyboard(data["nonce"], data["titles"], chosen))
        return
    if callback_data.action != "commit":
        await callback.answer(outdated_text())
        return
    if not chosen:
        await callback.answer(_("Tap at least one step first."), show_alert=True)
        return
    try:
        steps = await container.rituals.commit_week(user.id, [uuid.UUID(hex=data["steps"][i]) for i in sorted(chosen)])
    except DomainError as error:
        await state.clear()
        await callback.answer(error_text(error), show_alert=True)
        await drop_keyboard(callback)
        return
    await state.clear()
    await callback.answer()
    await drop_keyboard(callback)
    lines = [_("📅 <b>Next week's plan</b>"), ""]
    for step in sorted(steps, key=lambda s: (s.planned_date or date.max, s.title)):
        lines.append(f"{short_day(step.planned_date, user.locale)} — {escape(step.title)}")
    lines += ["", _("Good work. Put these steps into your calendar now?")]
    await send_long(bot, callback.from_user.id, "\n".join(lines), reply_markup=plan_week_keyboard())


def create_router() -> Router:
    router = Router(name="rituals")
    router.message.register(morning_command, Command("morning"))
    router.message.register(evening_command, Command("evening"))
    router.message.register(review_command, Command("review"))
    router.callback_query.register(ritual_button, RitualAction.filter())
    router.callback_query.register(review_button, ReviewAction.filter())
    router.message.register(intention_written, MorningForm.intention, NOT_A_COMMAND)
    router.message.register(reflection_written, EveningForm.reflection, NOT_A_COMMAND)
    router.message.register(review_reflection_written, ReviewForm.reflection, NOT_A_COMMAND)
    for state in (MorningForm.intention, EveningForm.reflection, ReviewForm.reflection):
        router.message.register(text_expected, state, ~F.text)
    return router
