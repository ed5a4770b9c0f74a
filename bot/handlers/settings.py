"""/settings: the current values and a button per setting; each button asks the same question as onboarding."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.handlers.profile import ONBOARDING_STEPS, ask
from bot.keyboards.callbacks import SettingsAction
from bot.screens import show_settings
from bot.utils.messages import drop_keyboard
from core.bootstrap import Container
from core.db.models import User


async def settings_command(message: Message, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await state.clear()
    await show_settings(bot, message.chat.id, user, container)


async def setting_chosen(callback: CallbackQuery, callback_data: SettingsAction, state: FSMContext, bot: Bot,
                         user: User) -> None:
    await callback.answer()
    if callback_data.field not in ONBOARDING_STEPS:
        return
    await drop_keyboard(callback)
    # Ritual times are stored as local wall-clock times, so a new time zone keeps them as they are.
    await ask(callback_data.field, bot, callback.from_user.id, state, user, mode="settings")


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    router.callback_query.register(setting_chosen, SettingsAction.filter())
    return router
