"""Texts in the user's stored language; before we know the user, in the language of their Telegram app."""
from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware

from core.services.users import locale_from_language_code


class UserLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None:
            return user.locale
        telegram_user = data.get("event_from_user")
        return locale_from_language_code(telegram_user.language_code if telegram_user else None)
