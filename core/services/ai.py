"""AIService: the one door to the AI for every feature (wants, story, goals, steps, rituals, visuals).

It reserves a quota unit before calling, releases it on failure, maps provider failures to the feature's
`<PREFIX>_AI_TIMEOUT` (504) / `<PREFIX>_AI_FAILED` (502) codes and logs token usage per user and feature.
No database transaction is open while the provider is awaited.
"""
from __future__ import annotations

import asyncio
import io
import logging
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from core.clients.ai.base import (
    AIProvider,
    AITask,
    AIUsage,
    InvalidOutput,
    ProviderError,
    ProviderTimeout,
    T,
    normalize_locale,
)
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import AIUsageLog, User
from core.errors import AIFailed, AITimeout, ServiceUnavailableAI, Unprocessable

log = logging.getLogger("mechta.ai")

# Square pictures fit a chat and a vision board alike.
IMAGE_SIZE = "1024x1024"
# The wait_for belt: the provider's own timeout applies per HTTP attempt; this bounds retries plus one repair call.
BELT_GRACE_SECONDS = 5.0


# Pictures larger than this many pixels are refused rather than decoded (decompression bombs).
MAX_IMAGE_PIXELS = 4096 * 4096


def as_png(data: bytes) -> bytes:
    """Decode the provider's bytes with Pillow and re-encode them as PNG; anything else is InvalidOutput."""
    if not data:
        raise InvalidOutput("empty image")
    from PIL import Image, UnidentifiedImageError  # pictures are rare: Pillow loads on the first one

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > MAX_IMAGE_PIXELS:
                raise InvalidOutput("image too large")
            picture.load()
            out = io.BytesIO()
            picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidOutput(f"not a decodable image: {exc}") from exc
    return out.getvalue()


class QuotaGate(Protocol):
    async def reserve(self, user_id: uuid.UUID, resource: str) -> Any: ...
    async def release(self, reservation: Any) -> None: ...


class AIService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, provider: AIProvider, quotas: QuotaGate) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.provider = provider
        self.quotas = quotas

    @property
    def is_offline(self) -> bool:
        return self.provider.is_offline

    def _belt_seconds(self, calls: int) -> float:
        per_call = self.settings.openai_timeout_seconds * (self.settings.openai_max_retries + 1)
        return per_call * calls + BELT_GRACE_SECONDS

    async def run(self, task: AITask[T], *, user: User, inputs: dict[str, Any], error_prefix: str,
                  on_usage: Callable[[AIUsage], None] | None = None) -> T:
        """Reserve one "text" unit, ask the provider for `task.output`, release the unit if anything fails.
        `on_usage` receives the provider's token usage of a successful call (for answers that report it)."""
        locale = normalize_locale(user.locale)
        messages = task.prompt.render(inputs, locale)
        reservation = await self.quotas.reserve(user.id, "text")
        try:
            result, usage = await asyncio.wait_for(
                self.provider.complete_structured(
                    messages,
                    task.output,
                    feature=task.feature,
                    timeout=self.settings.openai_timeout_seconds,
                    locale=locale,
                    offline_draft=lambda: task.offline(inputs, locale),
                ),
                timeout=self._belt_seconds(calls=2),
            )
        except (TimeoutError, ProviderTimeout) as exc:
            await self._fail(reservation, user, task.feature, self.provider.model, exc)
            raise AITimeout(f"{error_prefix}_AI_TIMEOUT") from exc
        except ProviderError as exc:
            await self._fail(reservation, user, task.feature, self.provider.model, exc)
            raise AIFailed(f"{error_prefix}_AI_FAILED") from exc
        except BaseException:
            await self.quotas.release(reservation)
            raise
        await self._log(user.id, task.feature, usage, ok=True)
        if on_usage is not None:
            on_usage(usage)
        return result

    async def image(self, *, user: User, prompt: str, title: str, error_prefix: str, feature: str = "visuals") -> bytes:
        """Reserve one "image" unit and return the picture as PNG bytes. A missing or undecodable picture is
        `<PREFIX>_AI_BAD_RESPONSE` (502); other failures as in `run`. The unit is released on every failure."""
        locale = normalize_locale(user.locale)
        reservation = await self.quotas.reserve(user.id, "image")
        model = self.provider.image_model
        try:
            data = await asyncio.wait_for(
                self.provider.generate_image(prompt, size=IMAGE_SIZE, title=title, locale=locale,
                                             timeout=self.settings.openai_timeout_seconds),
                timeout=self._belt_seconds(calls=1),
            )
            png = as_png(data)
        except (TimeoutError, ProviderTimeout) as exc:
            await self._fail(reservation, user, feature, model, exc)
            raise AITimeout(f"{error_prefix}_AI_TIMEOUT") from exc
        except InvalidOutput as exc:
            await self._fail(reservation, user, feature, model, exc)
            raise AIFailed(f"{error_prefix}_AI_BAD_RESPONSE",
                           "The AI returned no usable picture. Please try again.") from exc
        except ProviderError as exc:
            await self._fail(reservation, user, feature, model, exc)
            raise AIFailed(f"{error_prefix}_AI_FAILED") from exc
        except BaseException:
            await self.quotas.release(reservation)
            raise
        await self._log(user.id, feature, AIUsage(self.provider.name, model), ok=True)
        return png

    async def transcribe(self, *, user: User, audio: bytes, filename: str, error_prefix: str = "VOICE") -> str:
        """The words of a voice note, for one "text" unit (released if anything fails). The offline provider
        cannot listen: `<PREFIX>_AI_OFFLINE`; nothing heard: `<PREFIX>_EMPTY`. The audio is not kept."""
        if self.provider.is_offline:
            raise ServiceUnavailableAI(f"{error_prefix}_AI_OFFLINE",
                                       "Voice notes need the online AI, which is not configured here. "
                                       "Please type your answer instead.")
        reservation = await self.quotas.reserve(user.id, "text")
        model = getattr(self.provider, "transcribe_model", self.provider.model)
        try:
            text, usage = await asyncio.wait_for(
                self.provider.transcribe(audio, filename=filename, locale=normalize_locale(user.locale),
                                         timeout=self.settings.openai_timeout_seconds),
                timeout=self._belt_seconds(calls=1))
        except (TimeoutError, ProviderTimeout) as exc:
            await self._fail(reservation, user, "voice", model, exc)
            raise AITimeout(f"{error_prefix}_AI_TIMEOUT") from exc
        except ProviderError as exc:
            await self._fail(reservation, user, "voice", model, exc)
            raise AIFailed(f"{error_prefix}_AI_FAILED") from exc
        except BaseException:
            await self.quotas.release(reservation)
            raise
        if not text.strip():
            await self.quotas.release(reservation)
            raise Unprocessable(f"{error_prefix}_EMPTY", "No words could be heard in that voice note.")
        await self._log(user.id, "voice", usage, ok=True)
        return text.strip()

    async def _fail(self, reservation: Any, user: User, feature: str, model: str, exc: BaseException) -> None:
        log.warning("AI %s failed for user %s: %s: %s", feature, user.id, type(exc).__name__, exc)
        await self.quotas.release(reservation)
        await self._log(user.id, feature, AIUsage(self.provider.name, model), ok=False)

    async def _log(self, user_id: uuid.UUID, feature: str, usage: AIUsage, *, ok: bool) -> None:
        async with self.db.transaction() as session:
            session.add(AIUsageLog(
                user_id=user_id, feature=feature, provider=usage.provider, model=usage.model[:80],
                prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens, ok=ok,
                created_at=self.clock.now(),
            ))
