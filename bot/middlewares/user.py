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
        await self.resolve(data)
        return await handler(event, data)

    async def resolve(self, data: dict[str, Any]) -> None:
        """Put the person's Mechta user (and whether it was just created) into the update's data."""
        telegram_user: TelegramUser | None = data.get("event_from_user")
        if telegram_user is None or telegram_user.is_bot:
            return
        user, created = await self.container.users.resolve_telegram_user(telegram_profile(telegram_user))
        data["user"] = user
        data["user_created"] = created
