"""/progress: level, XP, streak and achievements; the leaderboard, which a user joins under a name they choose."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import MenuAction
from bot.keyboards.rituals import ProgressAction, leaderboard_keyboard
from bot.render import Screen, too_long
from bot.render import progress as render
from bot.states import DisplayNameDialog, ProgressForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import double_tap, drop_keyboard
from core.bootstrap import Container
from core.db.models import User
from core.services.gamification import DISPLAY_NAME_MAX

LEADERBOARD_SIZE = 10


async def show_progress(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text, markup = render.progress_screen(user, await container.gamification.profile(user.id),
                                          await container.gamification.achievements(user.id),
                                          await container.quotas.allowance(user))
    await bot.send_message(chat_id, text, reply_markup=markup)


async def show_leaderboard(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    entries = await container.gamification.leaderboard(user.id, limit=LEADERBOARD_SIZE)
    await bot.send_message(chat_id, render.leaderboard_text(entries, user), reply_markup=leaderboard_keyboard())


async def progress_command(message: Message, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await state.clear()
    await show_progress(bot, message.chat.id, user, container)


async def progress_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_progress(bot, callback.from_user.id, user, container)


async def board_pressed(callback: CallbackQuery, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    await show_leaderboard(bot, callback.from_user.id, user, container)


async def leave_pressed(callback: CallbackQuery, bot: Bot, user: User, container: Container) -> None:
    await container.gamification.set_leaderboard_opt_in(user.id, opt_in=False)
    await callback.answer(_("You've left the leaderboard."))
    await drop_keyboard(callback)
    user.leaderboard_opt_in = False
    await show_progress(bot, callback.from_user.id, user, container)


async def join_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                       container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    dialog = DisplayNameDialog()
    await dialog.save(state, ProgressForm.display_name)
    text, markup = render.display_name_question(user, dialog)
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def keep_name_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                            container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await _join(bot, callback.from_user.id, state, user, container, None)


async def _join(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                name: str | None) -> None:
    # A refused name reaches the errors router; the question stays open for another one.
    settings = await container.gamification.set_leaderboard_opt_in(user.id, opt_in=True, display_name=name)
    await state.clear()
    user.leaderboard_opt_in, user.display_name = settings.opt_in, settings.display_name
    await bot.send_message(chat_id, _("🎉 You're on the leaderboard as “{name}”.").format(
        name=escape(settings.display_name or "")))
    await show_leaderboard(bot, chat_id, user, container)


async def display_name_written(message: Message, state: FSMContext, bot: Bot, user: User,
                               container: Container) -> None:
    name = " ".join(message.text.split())
    if len(name) > DISPLAY_NAME_MAX:
        await message.answer(too_long(len(name), DISPLAY_NAME_MAX))
        return
    await _join(bot, message.chat.id, state, user, container, name)


@reasks(ProgressForm.display_name)
async def ask_display_name(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(DisplayNameDialog)
    return None if dialog is None else render.display_name_question(asked.user, dialog)


def create_router() -> Router:
    router = Router(name="progress")
    router.message.register(progress_command, Command("progress"))
    router.callback_query.register(progress_pressed, MenuAction.filter(F.action == "progress"))
    router.callback_query.register(board_pressed, ProgressAction.filter(F.action == "board"))
    router.callback_query.register(leave_pressed, ProgressAction.filter(F.action == "leave"))
    router.callback_query.register(join_pressed, ProgressAction.filter(F.action == "join"))
    router.callback_query.register(keep_name_pressed, InState(ProgressForm.display_name),
                                   ProgressAction.filter(F.action == "keep"), InDialog(DisplayNameDialog))
    router.message.register(display_name_written, InState(ProgressForm.display_name), OWN_TEXT)
    return router
