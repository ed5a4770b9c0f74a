"""Calendar chat: a conversation with the AI coach about time management, grounded in the user's free time
for the next seven days and today's steps. One text-quota unit per answer.

`max_tokens` bounds the answer (the coach is asked for about that many words' worth, and the text is cut at a
word boundary beyond ~4 characters per token); `temperature` picks the coach's style from precise to
exploratory — the AI port does not forward sampling parameters to the provider.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.clients.ai.base import AIUsage, normalize_locale
from core.clock import Clock
from core.config import Settings
from core.db.models import User
from core.errors import Unprocessable
from core.prompts.calendar_chat import CALENDAR_CHAT, STYLES
from core.services.ai import AIService
from core.services.calendar import CalendarService
from core.services.calendar.planning import Interval
from core.services.steps import StepService

MESSAGES_MAX = 30
CONTENT_MAX = 4000
MAX_TOKENS_MAX = 2000
DEFAULT_MAX_TOKENS = 1000
TEMPERATURE_MAX = 2.0
DEFAULT_TEMPERATURE = 0.7
CHAT_ROLES = ("user", "assistant")
FREE_TIME_DAYS = 7
PROMPT_SLOTS = 20
PROMPT_STEPS = 10
CHARS_PER_TOKEN = 4
WEEKDAYS = {"ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


@dataclass(frozen=True)
class ChatAnswer:
    content: str
    tokens_used: int
    model: str
    created: datetime
    generated_by: str
    notice: str | None


def clean_chat(messages: list[dict[str, Any]], max_tokens: int, temperature: float) -> list[dict[str, str]]:
    """Check a client's conversation; raises Unprocessable listing every bad field. System turns are ours only."""
    errors: dict[str, list[str]] = {}
    if not 1 <= len(messages) <= MESSAGES_MAX:
        errors["messages"] = [f"Send from 1 to {MESSAGES_MAX} messages"]
    cleaned: list[dict[str, str]] = []
    for index, message in enumerate(messages[:MESSAGES_MAX]):
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            errors[f"messages.{index}.role"] = [f"Use one of: {', '.join(CHAT_ROLES)}"]
        if not isinstance(content, str) or not content.strip() or len(content) > CONTENT_MAX:
            errors[f"messages.{index}.content"] = [f"From 1 to {CONTENT_MAX} characters"]
        cleaned.append({"role": str(role), "content": str(content or "").strip()})
    if cleaned and cleaned[-1]["role"] != "user" and f"messages.{len(cleaned) - 1}.role" not in errors:
        errors[f"messages.{len(cleaned) - 1}.role"] = ["The last message must be the user's"]
    if not 1 <= max_tokens <= MAX_TOKENS_MAX:
        errors["max_tokens"] = [f"Use a number from 1 to {MAX_TOKENS_MAX}"]
    if not 0 <= temperature <= TEMPERATURE_MAX:
        errors["temperature"] = [f"Use a number from 0 to {TEMPERATURE_MAX:g}"]
    if errors:
        raise Unprocessable(fields=errors)
    return cleaned


def _style(temperature: float, locale: str) -> str:
    precise, balanced, exploratory = STYLES[locale]
    return precise if temperature <= 0.4 else balanced if temperature <= 1.2 else exploratory


def _slot_text(slot: Interval, zone: ZoneInfo, locale: str) -> str:
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    unit = "мин" if locale == "ru" else "min"
    return (f"{WEEKDAYS[locale][start.weekday()]} {start:%d.%m %H:%M}–{end:%H:%M} "
            f"({slot.minutes} {unit})")


def _bounded(text: str, max_tokens: int) -> str:
    limit = max_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


class CalendarChatService:
    def __init__(self, clock: Clock, settings: Settings, ai: AIService, calendar: CalendarService,
                 steps: StepService) -> None:
        self.clock = clock
        self.settings = settings
        self.ai = ai
        self.calendar = calendar
        self.steps = steps

    async def chat(self, user: User, messages: list[dict[str, Any]], *, max_tokens: int = DEFAULT_MAX_TOKENS,
                   temperature: float = DEFAULT_TEMPERATURE) -> ChatAnswer:
        conversation = clean_chat(messages, max_tokens, temperature)
        locale = normalize_locale(user.locale)
        zone = ZoneInfo(user.time_zone)
        now = self.clock.now()
        slots = await self.calendar.planner.free_slots(user, now, now + timedelta(days=FREE_TIME_DAYS))
        today = await self.steps.today_steps(user.id)
        inputs = {
            "conversation": conversation,
            "question": conversation[-1]["content"],
            "slots": [_slot_text(slot, zone, locale) for slot in slots[:PROMPT_SLOTS]],
            "steps": [step.title for step in today[:PROMPT_STEPS]],
            "now": now.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "time_zone": user.time_zone,
            "words": max(1, max_tokens * 3 // 4),
            "style": _style(temperature, locale),
        }
        usages: list[AIUsage] = []
        reply = await self.ai.run(CALENDAR_CHAT, user=user, inputs=inputs, error_prefix="CALENDAR",
                                  on_usage=usages.append)
        usage = usages[0]
        return ChatAnswer(
            content=_bounded(reply.content.strip(), max_tokens),
            tokens_used=usage.prompt_tokens + usage.completion_tokens,
            model="offline" if self.ai.is_offline else self.settings.openai_model,
            created=now, generated_by=reply.generated_by, notice=reply.notice,
        )
