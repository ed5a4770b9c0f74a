"""/menu, /help, /cancel and the main menu's buttons. Registered first, so these commands work inside any dialog."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot.handlers.wheel import show_history, start_wheel
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.menu import back_to_menu
from bot.screens import help_text, show_menu, show_settings
from core.bootstrap import Container
from core.db.models import User


async def menu_command(message: Message, state: FSMContext, bot: Bot) -> None:
    await state.clear()
    await show_menu(bot, message.chat.id)


async def help_command(message: Message) -> None:
    await message.answer(help_text(), reply_markup=back_to_menu())


async def cancel_command(message: Message, state: FSMContext, bot: Bot) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."), reply_markup=ReplyKeyboardRemove())
    else:
        await state.clear()
        await message.answer(_("Okay, I've stopped. What you already saved stays saved."),
                             reply_markup=ReplyKeyboardRemove())
    await show_menu(bot, message.chat.id)


async def menu_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    await callback.answer()
    await state.clear()
    await show_menu(bot, callback.from_user.id)


async def help_pressed(callback: CallbackQuery, bot: Bot) -> None:
    await callback.answer()
    await bot.send_message(callback.from_user.id, help_text(), reply_markup=back_to_menu())


async def settings_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_settings(bot, callback.from_user.id, user, container)


async def wheel_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await start_wheel(bot, callback.from_user.id, state, user, container)


async def history_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_history(bot, callback.from_user.id, user, container, page=1)


def create_router() -> Router:
    router = Router(name="menu")
    router.message.register(menu_command, Command("menu"))
    router.message.register(help_command, Command("help"))
    router.message.register(cancel_command, Command("cancel"))
    router.callback_query.register(menu_pressed, MenuAction.filter(F.action == "menu"))
    router.callback_query.register(help_pressed, MenuAction.filter(F.action == "help"))
    router.callback_query.register(settings_pressed, MenuAction.filter(F.action == "settings"))
    router.callback_query.register(wheel_pressed, MenuAction.filter(F.action == "wheel"))
    router.callback_query.register(history_pressed, MenuAction.filter(F.action == "history"))
    return router
