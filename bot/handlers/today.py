"""/today: the steps planned for the user's local day with Done / Skip / Tomorrow buttons, and the rituals' status.
Each tap edits the same message; the XP it paid shows in the button's answer."""
from __future__ import annotations

import contextlib
import uuid

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.errors import error_text
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.rituals import TodayAction
from bot.render import Screen
from bot.render import today as render
from bot.rituals.render import in_screen_order
from bot.rituals.texts import outdated_text, xp_toast
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError, NotFound

TODAY_STEPS_MAX = 30


async def today_screen(container: Container, user: User) -> Screen:
    plan = await container.rituals.day_plan(user)
    return render.today_screen(plan, in_screen_order(plan.steps)[:TODAY_STEPS_MAX], user.locale)


async def show_today(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text, markup = await today_screen(container, user)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def leave_dialog(state: FSMContext, raw_state: str | None) -> None:
    """/today ends any dialog; at the menu, the usual place to ask it from, there is nothing to write."""
    if raw_state is not None or await state.get_data():
        await state.clear()


async def today_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container,
                        raw_state: str | None = None) -> None:
    await leave_dialog(state, raw_state)
    await show_today(bot, message.chat.id, user, container)


async def today_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User, container: Container,
                        raw_state: str | None = None) -> None:
    await callback.answer()
    await leave_dialog(state, raw_state)
    await show_today(bot, callback.from_user.id, user, container)


async def step_button(callback: CallbackQuery, callback_data: TodayAction, user: User, container: Container) -> None:
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, NotFound):
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
        except DomainError as error:  # told on the button; the screen below shows the day as it is now
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
