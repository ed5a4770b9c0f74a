"""Registered last: whatever no dialog claimed. Old buttons are answered as outdated (a dialog's stale button ends
here: see bot.utils.dialog.InDialog), stray messages get the menu."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rituals.texts import outdated_text
from bot.screens import show_menu


async def outdated_button(callback: CallbackQuery) -> None:
    await callback.answer(outdated_text())


async def unknown_message(message: Message, bot: Bot) -> None:
    await show_menu(bot, message.chat.id, _("I didn't quite get that. Here is what I can do:"))


def create_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(outdated_button)
    router.message.register(unknown_message)
    return router
