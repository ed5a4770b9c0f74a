"""Our middlewares of `update`, run as one outer middleware.

aiogram wraps every registered middleware around the next one for each update (a partial, a coroutine and a frame
per middleware, and the inner ones after a pass over the update's handlers). `UpdatePipeline` runs the same steps,
each still its own class and tested as one, in the order they were registered, with the same early returns:

  metrics (count and time the update, its id in the logs) → anti-flood (a flood stops here, told)
  → the Mechta user → the locale (the i18n context) → the input guard (bad input stops here, told)
  → the user's id in the logs → the dispatcher's handling of the update
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.middlewares.i18n import UserLocaleMiddleware
from bot.middlewares.input_guard import InputGuardMiddleware
from bot.middlewares.observability import UpdateMetricsMiddleware, UserLogContextMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdatePipeline(BaseMiddleware):
    def __init__(self, metrics: UpdateMetricsMiddleware, throttling: ThrottlingMiddleware, users: UserMiddleware,
                 locale: UserLocaleMiddleware, guard: InputGuardMiddleware,
                 log_context: UserLogContextMiddleware) -> None:
        self.metrics = metrics
        self.throttling = throttling
        self.users = users
        self.locale = locale
        self.guard = guard
        self.log_context = log_context

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):  # the `update` observer sees nothing else; as each step would do
            return await handler(event, data)
        return await self.metrics.measure(event, self._admitted, handler, event, data)

    async def _admitted(self, handler: Handler, event: Update, data: dict[str, Any]) -> Any:
        if not await self.throttling.admit(event, data):
            return None
        await self.users.resolve(data)
        locale = await self.locale.enter(event, data)
        i18n = self.locale.i18n
        with i18n.context(), i18n.use_locale(locale):
            if await self.guard.refused(event):
                return None
            return await self.log_context.with_user_id(handler, event, data)
