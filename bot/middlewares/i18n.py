"""Texts in the user's stored language; before we know the user, in the language of their Telegram app."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware

from core.services.users import locale_from_language_code


class UserLocaleMiddleware(I18nMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        locale = await self.enter(event, data)
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)

    async def enter(self, event: TelegramObject, data: dict[str, Any]) -> str:
        """What aiogram's `I18nMiddleware` does before the handler: the update's data gets the i18n keys; returns
        the locale to handle it in (within `self.i18n.context()` and `self.i18n.use_locale(locale)`)."""
        locale = await self.get_locale(event=event, data=data) or self.i18n.default_locale
        if self.i18n_key:
            data[self.i18n_key] = self.i18n
        if self.middleware_key:
            data[self.middleware_key] = self
        return locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None:
            return user.locale
        telegram_user = data.get("event_from_user")
        return locale_from_language_code(telegram_user.language_code if telegram_user else None)
