"""The aiogram Bot, pointed at the real Bot API or at the playground emulator."""
from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    GetUpdates,
    SendChatAction,
    SendMessage,
    SendPhoto,
)
from aiogram.methods.base import Response
from aiogram.types import Update

from core.config import Settings

# aiogram parses every Bot API answer as `Response[T]`, a pydantic generic model that pydantic caches only weakly:
# once nothing else holds it, a garbage collection drops it and the next answer builds it again (milliseconds).
# The answers of nearly every update keep theirs for the life of the process.
_EVERY_UPDATE = (SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery, SendPhoto, SendChatAction,
                 DeleteMessage, GetMe, GetUpdates)
_kept_response_models: list[type[Response]] = []


def keep_response_models() -> None:
    """Keep the answers' models, and build before the first update what every update needs: aiogram's validators
    are built on first use (bot/lazy_types.py), and the `Update` one alone takes a few hundred milliseconds."""
    if not _kept_response_models:
        for model in (Update, *_EVERY_UPDATE):
            model.model_rebuild()
        _kept_response_models.extend(Response[method.__returning__] for method in _EVERY_UPDATE)


def create_bot(settings: Settings) -> Bot:
    keep_response_models()
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.effective_telegram_api_url))
    return Bot(token=settings.effective_bot_token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))
