"""ai_tail: polling runs the AI tail in place; webhook mode runs it through SlowWork and, off the update, tells the
person about a failure itself (the errors router no longer hears of it)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.ai_work import ai_tail
from bot.i18n import create_i18n
from bot.slow_work import SlowWork
from core.cache import MemoryCache
from core.config import Settings
from core.errors import AIFailed


@dataclass
class Bot:
    sent: list[tuple[int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, **_kwargs) -> None:
        self.sent.append((chat_id, text))


@pytest.fixture
def webhook(settings: Settings) -> Settings:
    return settings.model_copy(update={"bot_webhook_url": "http://127.0.0.1:9/api/v1/telegram/webhook"})


@pytest.mark.parametrize("failure, expected", [
    (AIFailed("WANTS_AI_FAILED"), "The AI stumbled this time"),
    (RuntimeError("boom"), "something went wrong on my side"),
])
async def test_a_failed_background_tail_is_told_to_the_person(webhook: Settings, failure: Exception,
                                                              expected: str) -> None:
    bot, work, i18n = Bot(), SlowWork(MemoryCache()), create_i18n()

    async def tail() -> None:
        raise failure

    with i18n.context(), i18n.use_locale("en"):
        await ai_tail(work, webhook, bot, 7, "wants_analysis", tail)
    await work.drain(timeout=5)

    [(chat, text)] = bot.sent
    assert chat == 7 and expected in text


async def test_polling_runs_the_tail_in_place(settings: Settings) -> None:
    bot, work, ran = Bot(), SlowWork(MemoryCache()), []

    async def tail() -> None:
        ran.append(await work.is_running(7, "coach"))

    await ai_tail(work, settings, bot, 7, "coach", tail)

    assert ran == [False] and bot.sent == []
