"""/progress: level, XP, streak and achievements; the leaderboard, which a user joins under a name they choose."""
from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import MenuAction
from bot.keyboards.rituals import ProgressAction, keep_name_keyboard, progress_keyboard
from bot.rituals.texts import outdated_text
from bot.states import ProgressForm
from bot.utils.messages import drop_keyboard, new_nonce
from core.bootstrap import Container
from core.db.models import User
from core.services.gamification import DISPLAY_NAME_MAX

LEADERBOARD_SIZE = 10
NOT_A_COMMAND = F.text & ~F.text.startswith("/")


async def progress_screen(container: Container, user: User) -> tuple[str, InlineKeyboardMarkup]:
    profile = await container.gamification.profile(user.id)
    achievements = await container.gamification.achievements(user.id)
    obtained = [a for a in achievements if a.is_obtained]
    lines = [
        _("🏆 <b>Your progress</b>"),
        "",
        _("⭐ Level {level} · {xp} XP").format(level=profile.level, xp=profile.xp),
        _("⬆️ {xp} XP to level {level}").format(xp=profile.xp_to_next_level, level=profile.level + 1),
        _("🔥 Days in a row: {days}").format(days=profile.streak_days),
        _("🏔 Best run: {days}").format(days=profile.best_streak),
        "",
        _("<b>Achievements</b> · {obtained} of {total}").format(obtained=len(obtained), total=len(achievements)),
    ]
    for achievement in achievements:
        mark = "🏅" if achievement.is_obtained else "▫️"
        lines.append(f"{mark} <b>{escape(achievement.title)}</b> — {escape(achievement.description)}")
    return "\n".join(lines), progress_keyboard(user.leaderboard_opt_in)


async def show_progress(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text, markup = await progress_screen(container, user)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def progress_command(message: Message, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await state.clear()
    await show_progress(bot, message.chat.id, user, container)


async def progress_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_progress(bot, callback.from_user.id, user, container)


async def _leaderboard_text(container: Container, user: User) -> str:
    entries = await container.gamification.leaderboard(user.id, limit=LEADERBOARD_SIZE)
    lines = [_("🏅 <b>Leaderboard</b>"), ""]
    for entry in entries:
        name = f"<b>{escape(entry.display_name)}</b>" if entry.is_me else escape(entry.display_name)
        lines.append(_("{rank}. {name} — level {level}, {xp} XP").format(rank=entry.rank, name=name,
                                                                          level=entry.level, xp=entry.xp))
    if not entries:
        lines.append(_("Nobody has joined yet — be the first!"))
    if not user.leaderboard_opt_in:
        lines += ["", _("You are not on the board. Join it from /progress — under a name you choose.")]
    return "\n".join(lines)


async def progress_button(callback: CallbackQuery, callback_data: ProgressAction, state: FSMContext, bot: Bot,
                          user: User, container: Container) -> None:
    chat_id = callback.from_user.id
    if callback_data.action == "board":
        await callback.answer()
        await bot.send_message(chat_id, await _leaderboard_text(container, user))
    elif callback_data.action == "leave":
        await container.gamification.set_leaderboard_opt_in(user.id, opt_in=False)
        await callback.answer(_("You've left the leaderboard."))
        await drop_keyboard(callback)
        user.leaderboard_opt_in = False
        await show_progress(bot, chat_id, user, container)
    elif callback_data.action == "join":
        await callback.answer()
        nonce = new_nonce()
        await state.set_state(ProgressForm.display_name)
        await state.set_data({"nonce": nonce})
        text = _("🙋 How shall I show you on the leaderboard? Send a name of up to {limit} characters. Only this "
                 "name, your level and XP are visible to others.").format(limit=DISPLAY_NAME_MAX)
        markup = keep_name_keyboard(nonce, user.display_name) if user.display_name else None
        await bot.send_message(chat_id, text, reply_markup=markup)
    elif (callback_data.action == "keep" and await state.get_state() == ProgressForm.display_name.state
          and callback_data.nonce == (await state.get_data()).get("nonce")):
        await callback.answer()
        await drop_keyboard(callback)
        await _join(bot, chat_id, state, user, container, None)
    else:
        await callback.answer(outdated_text())


async def _join(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                name: str | None) -> None:
    # A refused name reaches the errors router; the question stays open for another one.
    settings = await container.gamification.set_leaderboard_opt_in(user.id, opt_in=True, display_name=name)
    await state.clear()
    user.leaderboard_opt_in, user.display_name = settings.opt_in, settings.display_name
    await bot.send_message(chat_id, _("🎉 You're on the leaderboard as “{name}”.").format(
        name=escape(settings.display_name or "")))
    await bot.send_message(chat_id, await _leaderboard_text(container, user))


async def display_name_written(message: Message, state: FSMContext, bot: Bot, user: User,
                               container: Container) -> None:
    name = " ".join(message.text.split())
    if len(name) > DISPLAY_NAME_MAX:
        await message.answer(_("That's {length} characters; please keep it under {limit}.").format(
            length=len(name), limit=DISPLAY_NAME_MAX))
        return
    await _join(bot, message.chat.id, state, user, container, name)


async def display_name_expected(message: Message) -> None:
    await message.answer(_("Please answer with a text message — or /cancel to stop."))


def create_router() -> Router:
    router = Router(name="progress")
    router.message.register(progress_command, Command("progress"))
    router.callback_query.register(progress_pressed, MenuAction.filter(F.action == "progress"))
    router.callback_query.register(progress_button, ProgressAction.filter())
    router.message.register(display_name_written, ProgressForm.display_name, NOT_A_COMMAND)
    router.message.register(display_name_expected, ProgressForm.display_name, ~F.text)
    return router
