"""Small helpers for answering buttons (edit the message the button belongs to, or send a new one) and typed
answers."""
from __future__ import annotations

import contextlib
import secrets

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.render import too_long
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


async def answered_too_long(message: Message, limit: int) -> bool:
    """True, and the person told how long the text is and may be, when the typed text (stripped) is over `limit`."""
    length = len(message.text.strip())
    if length <= limit:
        return False
    await message.answer(too_long(length, limit))
    return True


async def drop_keyboard(callback: CallbackQuery) -> None:
    """Remove the buttons of an answered question so it cannot be answered twice."""
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        # Too old to edit, or already without buttons: the nonce still protects the dialog.
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


ONE_SHOT_SECONDS = 120
DOUBLE_TAP_SECONDS = 3


async def first_press(callback: CallbackQuery, cache: Cache, seconds: int = ONE_SHOT_SECONDS) -> bool:
    """True for the first press of this button on its message within `seconds`; a second tap, even one handled at
    the same moment, gets False. The default suits a button that starts work once and then leaves its message (it
    drops the keyboard); a button that stays usable takes DOUBLE_TAP_SECONDS, so only a double tap is turned away."""
    message = callback.message
    if not isinstance(message, Message):
        return True
    key = f"bot:pressed:{callback.from_user.id}:{message.message_id}:{callback.data}"
    try:
        return await cache.set_if_absent(key, "1", seconds)
    except Exception:  # the cache is away: better a rare second run than a button that does nothing
        return True


async def double_tap(callback: CallbackQuery, cache: Cache) -> bool:
    """A button that opens a question: True (and the tap answered) when it is the second tap of a double tap, whose
    first tap already opened it."""
    if await first_press(callback, cache, DOUBLE_TAP_SECONDS):
        return False
    await callback.answer(_("⏳ On it — see the chat below."))
    return True
