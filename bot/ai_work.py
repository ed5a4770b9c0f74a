"""What AI features in the bot share: a progress message edited stage by stage, which also tells a failure and
offers another try when one may help (the user's input is always saved before the AI is asked)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender

from bot.errors import error_text, is_retryable
from bot.keyboards.menu import back_to_menu
from core.errors import DomainError


class ProgressMessage:
    """One message that shows the stage an AI job is at; edited in place, so the chat does not fill up."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message: Message | None = None
        self.failed = False

    async def show(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        if self.message is None:
            self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
            return
        try:
            await self.message.edit_text(text, reply_markup=reply_markup)
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)

    @asynccontextmanager
    async def working(self, *, retry: InlineKeyboardMarkup | None = None,
                      otherwise: InlineKeyboardMarkup | None = None,
                      action: str = ChatAction.TYPING) -> AsyncIterator[None]:
        """The block runs with the chat action on. A DomainError inside ends it and is told in this message, with
        the `retry` buttons when another try may help, else the `otherwise` ones (the way on from there; the menu
        by default); afterwards `failed` says whether that happened."""
        try:
            async with ChatActionSender(bot=self.bot, chat_id=self.chat_id, action=action):
                yield
        except DomainError as error:
            self.failed = True
            await self.show(error_text(error), retry if is_retryable(error) else otherwise or back_to_menu())
