"""The day's energy: the moon phase (computed locally with astral), numerology from the date of birth and a tip.

Numerology: the life path number reduces day, month and year of birth separately, then their sum, keeping the
master numbers 11, 22 and 33; the personal day is (personal year + month + day of the date) reduced to 1..9, where
the personal year reduces birth day + birth month + the date's year.

The tip: without a date of birth, a static localized text. With one, the DAILY_TIP AI task, cached per user and
local day under `esoterics:tip:{user_id}:{date}`. The tip does NOT spend the user's text quota: it asks the AI
provider directly (AIService.run always reserves quota); with no API key that is the deterministic offline tip.
When the AI service cannot be reached or answers with an error, that is 502 ESOTERICS_AI_PROXY_ERROR (seed 001);
an answer that is unusable or too late is 502 ESOTERICS_AI_FAILED (timeouts included — the tip is decoration, not a
user's work).
"""
from __future__ import annotations

import asyncio
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from core.cache import Cache
from core.clients.ai.base import InvalidOutput, ProviderError, ProviderTimeout, normalize_locale
from core.clock import Clock
from core.db.engine import Database
from core.errors import AIFailed, Unprocessable
from core.prompts.daily_tip import DAILY_TIP
from core.services.ai import AIService
from core.services.goals import _user

log = logging.getLogger("mechta.esoterics")

LUNAR_CYCLE_DAYS = 28.0  # astral.moon.phase returns 0 ≤ age < 28
TIP_TTL_SECONDS = 2 * 24 * 3600
TIP_TIMEOUT_SECONDS = 30.0
DATE_RANGE_DAYS = 366

MOON_PHASES = (  # (upper bound of the age in days, code, ru, en, emoji)
    (1.0, "new_moon", "Новолуние", "New moon", "🌑"),
    (6.0, "waxing_crescent", "Растущий серп", "Waxing crescent", "🌒"),
    (8.0, "first_quarter", "Первая четверть", "First quarter", "🌓"),
    (13.0, "waxing_gibbous", "Растущая Луна", "Waxing gibbous", "🌔"),
    (15.0, "full_moon", "Полнолуние", "Full moon", "🌕"),
    (20.0, "waning_gibbous", "Убывающая Луна", "Waning gibbous", "🌖"),
    (22.0, "last_quarter", "Последняя четверть", "Last quarter", "🌗"),
    (27.0, "waning_crescent", "Убывающий серп", "Waning crescent", "🌘"),
    (28.0, "new_moon", "Новолуние", "New moon", "🌑"),
)
STATIC_TIP = {
    "ru": "Укажите дату рождения в профиле — и здесь появится личный совет дня. А пока: одно важное дело до обеда.",
    "en": "Add your date of birth to your profile to get a personal tip of the day. Meanwhile: one important task "
          "before lunch.",
}


@dataclass(frozen=True)
class MoonInfo:
    phase: str
    name: str
    emoji: str
    age_days: float
    illumination: int


@dataclass(frozen=True)
class Numerology:
    life_path: int
    personal_day: int


@dataclass(frozen=True)
class DailyTipText:
    text: str
    source: str  # static | ai | offline


@dataclass(frozen=True)
class DailyEnergy:
    date: date
    moon: MoonInfo
    numerology: Numerology | None
    daily_ai_tip: DailyTipText


def moon_info(day: date, locale: str) -> MoonInfo:
    from astral import moon  # loaded with the first day's energy, not by every process

    age = float(moon.phase(day))
    _bound, code, ru, en, emoji = next((phase for phase in MOON_PHASES if age < phase[0]), MOON_PHASES[-1])
    illumination = round((1 - math.cos(2 * math.pi * age / LUNAR_CYCLE_DAYS)) / 2 * 100)
    return MoonInfo(phase=code, name=en if locale == "en" else ru, emoji=emoji, age_days=round(age, 1),
                    illumination=illumination)


def reduce_number(number: int, *, keep_master: bool) -> int:
    while number > 9 and not (keep_master and number in (11, 22, 33)):
        number = sum(int(digit) for digit in str(number))
    return number


def numerology(birth: date, day: date) -> Numerology:
    life_path = reduce_number(
        reduce_number(birth.day, keep_master=True) + reduce_number(birth.month, keep_master=True)
        + reduce_number(birth.year, keep_master=True), keep_master=True)
    personal_year = reduce_number(birth.day + birth.month + reduce_number(day.year, keep_master=False),
                                  keep_master=False)
    personal_day = reduce_number(personal_year + day.month + day.day, keep_master=False)
    return Numerology(life_path=life_path, personal_day=personal_day)


def tip_cache_key(user_id: uuid.UUID, day: date) -> str:
    return f"esoterics:tip:{user_id}:{day.isoformat()}"


class EsotericsService:
    def __init__(self, db: Database, clock: Clock, cache: Cache, ai: AIService) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.ai = ai

    async def today(self, user_id: uuid.UUID, on_date: date | None = None) -> DailyEnergy:
        """The day's energy for `on_date` (default: the user's local today; at most a year away from it)."""
        async with self.db.read() as session:
            user = await _user(session, user_id)
        locale = normalize_locale(user.locale)
        today = self.clock.local_today(user.time_zone)
        day = on_date or today
        if abs((day - today).days) > DATE_RANGE_DAYS:
            raise Unprocessable("ESOTERICS_INVALID_DATE", "Choose a date within a year from today.",
                                fields={"date": [f"Use a date from {today - timedelta(days=DATE_RANGE_DAYS)} "
                                                 f"to {today + timedelta(days=DATE_RANGE_DAYS)}"]})
        moon_today = moon_info(day, locale)
        if user.date_of_birth is None:
            return DailyEnergy(day, moon_today, None, DailyTipText(STATIC_TIP[locale], "static"))
        numbers = numerology(user.date_of_birth, day)
        key = tip_cache_key(user.id, day)
        cached = await self.cache.get_json(key)
        if isinstance(cached, dict) and cached.get("locale") == locale:
            return DailyEnergy(day, moon_today, numbers, DailyTipText(cached["text"], cached["source"]))
        tip = await self._tip(day, moon_today, numbers, locale)
        await self.cache.set_json(key, {"text": tip.text, "source": tip.source, "locale": locale}, TIP_TTL_SECONDS)
        return DailyEnergy(day, moon_today, numbers, tip)

    async def _tip(self, day: date, moon_today: MoonInfo, numbers: Numerology, locale: str) -> DailyTipText:
        inputs = {"date": day.isoformat(), "moon": f"{moon_today.name} ({moon_today.illumination}%)",
                  "moon_phase": moon_today.phase, "life_path": numbers.life_path,
                  "personal_day": numbers.personal_day}
        provider = self.ai.provider
        try:
            result, _ = await asyncio.wait_for(
                provider.complete_structured(DAILY_TIP.prompt.render(inputs, locale), DAILY_TIP.output,
                                             feature=DAILY_TIP.feature, timeout=TIP_TIMEOUT_SECONDS, locale=locale,
                                             offline_draft=lambda: DAILY_TIP.offline(inputs, locale)),
                timeout=TIP_TIMEOUT_SECONDS * 2)
        except (TimeoutError, ProviderTimeout, ProviderError) as exc:
            log.warning("daily tip failed: %s: %s", type(exc).__name__, exc)
            if isinstance(exc, ProviderError) and not isinstance(exc, InvalidOutput):
                raise AIFailed("ESOTERICS_AI_PROXY_ERROR",
                               "The AI service could not be reached for the tip of the day. Please try again.") from exc
            raise AIFailed("ESOTERICS_AI_FAILED",
                           "The tip of the day could not be prepared. Please try again.") from exc
        return DailyTipText(result.tip.strip()[:1000], result.generated_by)
