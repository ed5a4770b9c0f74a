"""Every update from a person carries `user`: the Mechta user, created on first contact through the core service."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from core.bootstrap import Container
from core.services.users import TelegramProfile


def telegram_profile(telegram_user: TelegramUser) -> TelegramProfile:
    return TelegramProfile(
        telegram_id=telegram_user.id,
        username=telegram_user.username,
        first_name=telegram_user.first_name,
        last_name=telegram_user.last_name,
        language_code=telegram_user.language_code,
    )


class UserMiddleware(BaseMiddleware):
    def __init__(self, container: Container) -> None:
        self.container = container

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        telegram_user: TelegramUser | None = data.get("event_from_user")
        if telegram_user is None or telegram_user.is_bot:
            return await handler(event, data)
        user, created = await self.container.users.resolve_telegram_user(telegram_profile(telegram_user))
        data["user"] = user
        data["user_created"] = created
        return await handler(event, data)
