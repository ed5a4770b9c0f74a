"""Messages the scheduler sends on its own (calendar reminders and news, wants stream notices): one pace shared
with the ritual prompts, Telegram's refusals told apart from passing failures, the bot's catalogs for the texts."""
from __future__ import annotations

from functools import lru_cache

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.i18n import create_i18n
from scheduler.rate_limit import SendRateLimiter


@lru_cache(maxsize=1)
def default_i18n() -> I18n:
    return create_i18n()


class Unreachable(Exception):
    """The chat is gone for good (blocked bot, deleted chat) or refuses the message: do not send it again."""


class ChatSender:
    def __init__(self, bot: Bot, limiter: SendRateLimiter | None) -> None:
        self.bot = bot
        self.limiter = limiter

    async def send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send one HTML message at the shared pace; raises Unreachable when trying again would fail the same way,
        anything else (network, flood wait) for a later try."""
        if self.limiter is not None:
            await self.limiter.acquire()
        try:
            await self.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            raise Unreachable(error.message) from error
