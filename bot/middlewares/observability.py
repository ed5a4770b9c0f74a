"""Every update is counted (type, outcome), timed, and logged with its update_id and the person's user_id."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from core import metrics
from core.logs import bound, user_id_var


class UpdateMetricsMiddleware(BaseMiddleware):
    """Outer middleware on `update`, the first of ours: it sees every update and every exception."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        return await self.measure(event, handler, event, data)

    @staticmethod
    async def measure(update: Update, handling: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Handle the update (`handling(*args)`) with its id in the logs; count and time it."""
        update_type = update.event_type
        outcome = "error"
        started = time.perf_counter()
        with bound(update_id=update.update_id):
            try:
                result = await handling(*args)
                outcome = "unhandled" if result is UNHANDLED else "handled"
                return result
            finally:
                metrics.BOT_UPDATES.labels(update_type, outcome).inc()
                metrics.BOT_HANDLER_LATENCY.labels(update_type).observe(time.perf_counter() - started)


class UserLogContextMiddleware(BaseMiddleware):
    """Inner middleware on `update`: by now the user middleware has resolved the Mechta user."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        return await self.with_user_id(handler, event, data)

    @staticmethod
    async def with_user_id(handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                           event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("user")
        if user is None:
            return await handler(event, data)
        token = user_id_var.set(str(user.id))
        try:
            return await handler(event, data)
        finally:
            user_id_var.reset(token)
