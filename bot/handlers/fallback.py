"""Registered last: whatever no handler claimed.

Inside a dialog, anything its handlers did not take — a sticker, a photo, a voice message, text where a button is
expected, a button of an earlier question — gets the open question again, as its state declares it (see
`bot.utils.dialog.reasks`), after a short line that the answer is still awaited. A second tap on a button of the
running dialog is only answered as outdated: its question is right there. Outside a dialog, old buttons are
answered as outdated and stray messages get the menu.
"""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rituals.texts import outdated_text
from bot.screens import show_menu
from bot.utils.dialog import OpenQuestion, reask_for
from bot.utils.text import send_long
from core.bootstrap import Container
from core.db.models import User


def still_waiting_text() -> str:
    return _("I'm still waiting for your answer to this question (or /cancel to leave it):")


async def ask_again(bot: Bot, chat_id: int, state: FSMContext, raw_state: str | None, user: User,
                    container: Container) -> bool:
    """Repeat the open question of the person's dialog; False (and the unreadable dialog ended) when there is none."""
    reask = reask_for(raw_state)
    screen = None
    if reask is not None:
        screen = await reask(OpenQuestion(raw_state, await state.get_data(), user, container))
    if screen is None:
        if raw_state is not None:
            await state.clear()  # a state without a question to ask is no dialog any more
        return False
    await send_long(bot, chat_id, f"{still_waiting_text()}\n\n{screen.text}", reply_markup=screen.markup)
    return True


def _same_run(callback: CallbackQuery, data: dict) -> bool:
    nonce = data.get("nonce")
    return bool(nonce) and nonce in (callback.data or "").split(":")


async def outdated_button(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User, container: Container,
                          raw_state: str | None = None) -> None:
    await callback.answer(outdated_text())
    if raw_state is None or _same_run(callback, await state.get_data()):
        return
    await ask_again(bot, callback.from_user.id, state, raw_state, user, container)


async def unexpected_message(message: Message, state: FSMContext, bot: Bot, user: User, container: Container,
                             raw_state: str | None = None) -> None:
    if await ask_again(bot, message.chat.id, state, raw_state, user, container):
        return
    await show_menu(bot, message.chat.id, _("I didn't quite get that. Here is what I can do:"))


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(outdated_button)
    router.message.register(unexpected_message)
    return router
