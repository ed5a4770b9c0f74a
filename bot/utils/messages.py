"""Small helpers for answering buttons: edit the message the button belongs to, or send a new one."""
from __future__ import annotations

import contextlib
import secrets

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from core.cache import Cache


def new_nonce() -> str:
    """Identifies one run of a dialog; buttons of an earlier run carry another one and are answered as outdated."""
    return secrets.token_hex(3)


async def edit_or_send(bot: Bot, callback: CallbackQuery, text: str,
                       reply_markup: InlineKeyboardMarkup | None = None) -> None:
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        try:
            await message.edit_text(text, reply_markup=reply_markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
    await bot.send_message(callback.from_user.id, text, reply_markup=reply_markup)


async def show(bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None, *,
               callback: CallbackQuery | None = None) -> None:
    """In place of the pressed button's message; as a new message when there is no button (the person typed)."""
    if callback is not None:
        await edit_or_send(bot, callback, text, reply_markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=reply_markup)


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Remove the buttons of an answered question so it cannot be answered twice."""
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        # Too old to edit, or already without buttons: the nonce still protects the dialog.
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


ONE_SHOT_SECONDS = 120


async def first_press(callback: CallbackQuery, cache: Cache) -> bool:
    """For a button that starts work once and then leaves its message (it drops the keyboard): True for the first
    press of it on that message; a second tap, even one handled at the same moment, gets False."""
    message = callback.message
    if not isinstance(message, Message):
        return True
    key = f"bot:pressed:{callback.from_user.id}:{message.message_id}:{callback.data}"
    try:
        return await cache.set_if_absent(key, "1", ONE_SHOT_SECONDS)
    except Exception:  # the cache is away: better a rare second run than a button that does nothing
        return True
