"""/today: the steps planned for the user's local day with Done / Skip / Tomorrow buttons, and the rituals' status.
Each tap edits the same message; the XP it paid shows in the button's answer."""
from __future__ import annotations

import contextlib
import uuid
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.errors import error_text
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.rituals import TodayAction, today_keyboard
from bot.rituals.render import steps_on
from bot.rituals.texts import STEP_ICONS, day_label, interception_text, outdated_text, xp_toast
from core.bootstrap import Container
from core.db.models import User
from core.db.models.goals import StepStatus
from core.errors import DomainError

TODAY_STEPS_MAX = 30


async def today_screen(container: Container, user: User) -> tuple[str, InlineKeyboardMarkup | None]:
    status = await container.rituals.today(user.id)
    steps = (await steps_on(container, user, status.date))[:TODAY_STEPS_MAX]
    lines = [_("📋 <b>Today</b> · {date}").format(date=day_label(status.date, user.locale)), ""]
    if steps:
        for number, step in enumerate(steps, start=1):
            minutes = _(" · {minutes} min").format(minutes=step.estimated_minutes) if step.estimated_minutes else ""
            title = f"<s>{escape(step.title)}</s>" if step.status == StepStatus.SKIPPED else escape(step.title)
            lines.append(f"{number}. {STEP_ICONS.get(step.status, '▫️')} {title}{minutes}")
    else:
        lines.append(_("Nothing is planned for today. Plan steps in /goals or in the weekly /review."))
    lines += [
        "",
        _("🌅 Morning ritual: done ✅") if status.morning_done else _("🌅 Morning ritual: not yet — /morning"),
        _("🌙 Evening ritual: done ✅") if status.evening_done else _("🌙 Evening ritual: not yet — /evening"),
    ]
    if status.interception is not None:
        lines += ["", interception_text(status.interception, user.locale)]
    open_steps = [(number, step) for number, step in enumerate(steps, start=1) if step.is_open]
    return "\n".join(lines), today_keyboard(open_steps)


async def show_today(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text, markup = await today_screen(container, user)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def today_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await show_today(bot, message.chat.id, user, container)


async def today_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_today(bot, callback.from_user.id, user, container)


async def step_button(callback: CallbackQuery, callback_data: TodayAction, user: User, container: Container) -> None:
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, DomainError):
        step = None
    today = container.clock.local_today(user.time_zone)
    if step is None or step.planned_date != today or not step.is_open:
        # A step done, skipped or moved from another message (or on another day): show the day as it is now.
        await callback.answer(outdated_text())
    else:
        try:
            if callback_data.action == "done":
                change = await container.steps.mark_done(user.id, step.id)
                await callback.answer(xp_toast(change.gamification_event, _("✅ Done!")))
            elif callback_data.action == "skip":
                await container.steps.skip(user.id, step.id)
                await callback.answer(_("⏭ Skipped for today"))
            elif callback_data.action == "tomorrow":
                await container.steps.move_to_tomorrow(user.id, step.id)
                await callback.answer(_("➡️ Moved to tomorrow"))
            else:
                await callback.answer(outdated_text())
        except DomainError as error:
            await callback.answer(error_text(error))
    text, markup = await today_screen(container, user)
    message = callback.message
    if isinstance(message, Message):
        # Nothing changed on the screen, or the message is too old to edit.
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name="today")
    router.message.register(today_command, Command("today"))
    router.callback_query.register(today_pressed, MenuAction.filter(F.action == "today"))
    router.callback_query.register(step_button, TodayAction.filter())
    return router
