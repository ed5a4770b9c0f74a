"""The aiogram Bot, pointed at the real Bot API or at the playground emulator."""
from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from core.config import Settings


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.effective_telegram_api_url))
    return Bot(token=settings.effective_bot_token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))
