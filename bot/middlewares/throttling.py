"""Anti-flood: at most one message or button press per user per `bot_throttle_seconds`.

Text typed inside a dialog is never dropped: Telegram splits a long paste into several messages that arrive at
once, and each of them is part of the person's answer (a free-write stream, a letter). Commands, buttons and
messages outside dialogs are what flooding looks like, and those are limited.

The counter lives in the shared cache (Redis or in-process), keyed by a time window from the container's clock,
so tests move time instead of sleeping. The first surplus message gets a polite note and the rest are dropped;
every pressed button is still answered.
"""
from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n

from core.bootstrap import Container
from core.services.users import locale_from_language_code


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, container: Container, i18n: I18n) -> None:
        self.container = container
        self.i18n = i18n
        self.window = container.settings.bot_throttle_seconds

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        telegram_user = data.get("event_from_user")
        if self.window <= 0 or telegram_user is None or not isinstance(event, Update):
            return await handler(event, data)
        if _is_dialog_text(event, data):
            return await handler(event, data)
        slot = math.floor(self.container.clock.now().timestamp() / self.window)
        key = f"bot:throttle:{telegram_user.id}:{slot}"
        count = await self.container.cache.incr(key, ttl=math.ceil(self.window) + 1)
        if count == 1:
            return await handler(event, data)
        locale = locale_from_language_code(telegram_user.language_code)
        text = self.i18n.gettext("Not so fast, please — give me a second to keep up.", locale=locale)
        if isinstance(event.event, CallbackQuery):
            # A pressed button spins until answered, so even dropped presses get an answer.
            await event.event.answer(text if count == 2 else None)
        elif isinstance(event.event, Message) and count == 2:
            await event.event.answer(text)
        return None


def _is_dialog_text(event: Update, data: dict[str, Any]) -> bool:
    message = event.message
    return (message is not None and data.get("raw_state") is not None
            and bool(message.text) and not message.text.startswith("/"))
