"""A voice note where the bot waits for words becomes those words: fetched with getFile, transcribed by the core
voice service, shown back ("🎙 I heard: …") and handed on as if typed. Elsewhere (a button is expected, say) the
note passes through untouched and the dialog re-asks its own question.

Where words are welcome: the wants exercises, the morning intention, the evening and weekly reflections, the
future-story interview and editing, and — with no dialog open — the coach. The audio lives in memory for one call.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatAction
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from bot.errors import error_text
from bot.handlers.fallback import ask_again
from bot.render import voice as texts
from bot.states import EveningForm, MorningForm, ReviewForm, StoryForm, WantsForm
from core.bootstrap import Container
from core.db.models import User
from core.errors import AIFailed, AITimeout, DomainError

log = logging.getLogger("mechta.bot.voice")

# None: no dialog open (the coach or the menu take the words).
WORDS_WELCOME = frozenset({
    None,
    WantsForm.stream.state, WantsForm.future_me.state, WantsForm.reverse.state,
    MorningForm.intention.state, EveningForm.reflection.state, ReviewForm.reflection.state,
    StoryForm.interview.state, StoryForm.edit.state,
})


class VoiceMiddleware(BaseMiddleware):
    def __init__(self, container: Container) -> None:
        self.container = container

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or event.voice is None:
            return await handler(event, data)
        state: FSMContext | None = data.get("state")
        user: User | None = data.get("user")
        current = await state.get_state() if state is not None else None
        if user is None or current not in WORDS_WELCOME:
            return await handler(event, data)
        text = await self._words(event, data["bot"], user)
        if text is None:  # told why; inside a dialog its question follows, so the way on is in sight
            if current is not None:
                await ask_again(data["bot"], event.chat.id, state, current, user, self.container)
            return None
        typed = event.model_copy(update={"text": text, "voice": None}).as_(data["bot"])
        return await handler(typed, data)

    async def _words(self, message: Message, bot: Bot, user: User) -> str | None:
        voice = message.voice
        await bot.send_chat_action(message.chat.id, ChatAction.TYPING)

        async def fetch() -> bytes:
            buffer = BytesIO()
            await bot.download(voice.file_id, destination=buffer)
            return buffer.getvalue()

        try:
            text = await self.container.voice.transcribe(user, duration=voice.duration, fetch=fetch,
                                                         filename=_filename(voice.mime_type))
        except DomainError as error:
            await message.answer(_failure_text(error, self.container.voice.max_seconds))
            return None
        await message.answer(texts.heard(text))
        return text


def _filename(mime_type: str | None) -> str:
    extension = {"audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
                 "audio/mp4": "m4a", "audio/webm": "webm"}.get(mime_type or "", "ogg")
    return f"voice.{extension}"


def _failure_text(error: DomainError, max_seconds: int) -> str:
    if error.code == "VOICE_TOO_LONG":
        return texts.too_long(max_seconds)
    if error.code == "VOICE_AI_OFFLINE":
        return texts.cannot_listen()
    if error.code == "VOICE_EMPTY":
        return texts.nothing_heard()
    if isinstance(error, AITimeout | AIFailed):
        return texts.listening_failed()
    return error_text(error)  # a used-up quota says what is left and when it renews
