"""Voice notes: what the person said, as text, so every place that takes a typed answer can take a spoken one.

The rules live here, not in the bot: the longest note accepted (VOICE_MAX_SECONDS), that the offline provider
cannot listen (said before anything is downloaded), and that a note costs one "text" request of the month's quota.
The audio is fetched only once those pass, held in memory for the one transcription call, and never stored.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.config import Settings
from core.db.models import User
from core.errors import Unprocessable
from core.services.ai import AIService

# Telegram's getFile serves files up to 20 MB; a voice note within the time limit is far smaller.
MAX_AUDIO_BYTES = 20 * 1024 * 1024


class VoiceNotes:
    def __init__(self, ai: AIService, settings: Settings) -> None:
        self.ai = ai
        self.settings = settings

    @property
    def max_seconds(self) -> int:
        return self.settings.voice_max_seconds

    async def transcribe(self, user: User, *, duration: int, fetch: Callable[[], Awaitable[bytes]],
                         filename: str = "voice.ogg") -> str:
        if duration > self.max_seconds:
            raise Unprocessable("VOICE_TOO_LONG", f"Voice notes up to {self.max_seconds} seconds, please.",
                                details={"max_seconds": self.max_seconds, "duration": duration})
        if self.ai.is_offline:
            # Said before downloading: the offline provider cannot hear, and the quota is not touched.
            return await self.ai.transcribe(user=user, audio=b"", filename=filename)
        audio = await fetch()
        if len(audio) > MAX_AUDIO_BYTES:
            raise Unprocessable("VOICE_TOO_LONG", "That voice note is too large.",
                                details={"max_seconds": self.max_seconds, "duration": duration})
        try:
            return await self.ai.transcribe(user=user, audio=audio, filename=filename)
        finally:
            del audio
