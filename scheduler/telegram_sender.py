"""The Telegram side of ritual prompts: render, respect the global pace and Telegram's answers, map its errors.

What a prompt says and which buttons it has belongs to the bot: pass its renderer as `render`
(`async def render(user, kind, local_date) -> (html_text, reply_markup)`). `plain_prompt` is the fallback used
until one is given: a short greeting in the user's language with a button that opens the bot's menu.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import MenuAction
from core.db.models import User
from core.services.prompts_delivery import PromptRejected, RecipientBlocked, RetryAfter
from scheduler.rate_limit import SendRateLimiter

ReplyMarkup = InlineKeyboardMarkup | None
PromptRenderer = Callable[[User, str, date], Awaitable[tuple[str, ReplyMarkup]]]

# Waiting longer than this inside a send would hold the claim too long; the prompt is rescheduled instead.
MAX_INLINE_RETRY_SECONDS = 30.0

_TEXTS = {
    "ru": {
        "morning": "Доброе утро{name}! Время утреннего ритуала: энергия дня, шаги на сегодня и одно намерение.",
        "evening": "Добрый вечер{name}! Время вечернего ритуала: что сегодня получилось и как настроение.",
        "weekly": "{name_first}пора подвести итоги недели и выбрать шаги на следующую.",
        "open": "Открыть",
    },
    "en": {
        "morning": "Good morning{name}! Time for the morning ritual: the day's energy, today's steps, one intention.",
        "evening": "Good evening{name}! Time for the evening ritual: what got done today and how you feel.",
        "weekly": "{name_first}time to review your week and pick the steps for the next one.",
        "open": "Open",
    },
}


async def plain_prompt(user: User, kind: str, local_date: date) -> tuple[str, ReplyMarkup]:
    texts = _TEXTS.get(user.locale, _TEXTS["en"])
    name = escape(user.name)
    text = texts[kind].format(name=f", {name}" if name else "", name_first=f"{name}, " if name else "")
    if not name:
        text = text[0].upper() + text[1:]
    button = InlineKeyboardButton(text=texts["open"], callback_data=MenuAction(action="menu").pack())
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


class TelegramPromptSender:
    """`PromptSender` over aiogram: one message per prompt, at most the limiter's rate across processes."""

    def __init__(self, bot: Bot, render: PromptRenderer | None = None, *, limiter: SendRateLimiter) -> None:
        self.bot = bot
        self.render = render or plain_prompt
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
