"""The Telegram side of ritual prompts: render, respect the global pace and Telegram's answers, map its errors.

What a prompt says and which buttons it has belongs to the bot: pass its renderer as `render`
(`async def render(user, kind, local_date) -> (html_text, reply_markup)`; scheduler/__main__.py gives the bot's).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup

from core.db.models import User
from core.services.prompts_delivery import PromptRejected, RecipientBlocked, RetryAfter
from scheduler.rate_limit import SendRateLimiter

ReplyMarkup = InlineKeyboardMarkup | None
PromptRenderer = Callable[[User, str, date], Awaitable[tuple[str, ReplyMarkup]]]

# Waiting longer than this inside a send would hold the claim too long; the prompt is rescheduled instead.
MAX_INLINE_RETRY_SECONDS = 30.0


class TelegramPromptSender:
    """`PromptSender` over aiogram: one message per prompt, at most the limiter's rate across processes."""

    def __init__(self, bot: Bot, render: PromptRenderer, *, limiter: SendRateLimiter) -> None:
        self.bot = bot
        self.render = render
        self.limiter = limiter

    async def send(self, user: User, kind: str, local_date: date) -> None:
        if user.telegram_id is None:
            raise PromptRejected("the user has no Telegram chat")
        text, markup = await self.render(user, kind, local_date)
        try:
            await self._send(user.telegram_id, text, markup)
        except TelegramRetryAfter as exc:
            if exc.retry_after > MAX_INLINE_RETRY_SECONDS:
                raise RetryAfter(exc.retry_after) from exc
            # Only this prompt waits; the others keep their own slots.
            await asyncio.sleep(exc.retry_after)
            try:
                await self._send(user.telegram_id, text, markup)
            except TelegramRetryAfter as again:
                raise RetryAfter(again.retry_after) from again

    async def _send(self, chat_id: int, text: str, markup: ReplyMarkup) -> None:
        await self.limiter.acquire()
        try:
            await self.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
        except TelegramForbiddenError as exc:
            raise RecipientBlocked(exc.message) from exc
        except TelegramBadRequest as exc:
            raise PromptRejected(exc.message) from exc
