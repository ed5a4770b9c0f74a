"""The day's energy over HTTP: moon phase, numerology, tip (static without DOB, cached per user and day)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from core.services.esoterics import tip_cache_key
from tests.helpers import auth_headers, error_of, make_user, ok_result, signed_in


async def test_without_date_of_birth_numerology_is_null_and_the_tip_static(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container, locale="en")
    result = ok_result(await api.get("/api/v1/esoterics/today", headers=headers))
    assert result["numerology"] is None
    assert result["daily_ai_tip"]["source"] == "static" and "date of birth" in result["daily_ai_tip"]["text"]


async def test_moon_phase_for_a_known_full_moon(api: httpx.AsyncClient, container, clock) -> None:
    clock.set(datetime(2024, 1, 20, 12, 0, tzinfo=UTC))
    user = await make_user(container, locale="ru")
    headers = await auth_headers(container, user)
    moon = ok_result(await api.get("/api/v1/esoterics/today?date=2024-01-25", headers=headers))["moon"]
    assert moon["phase"] == "full_moon" and moon["name"] == "Полнолуние" and moon["illumination"] >= 98


async def test_with_date_of_birth_numerology_and_a_cached_offline_tip(api: httpx.AsyncClient, container,
                                                                      clock) -> None:
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    user = await make_user(container, locale="en", date_of_birth=date(1990, 7, 15))
    headers = await auth_headers(container, user)
    result = ok_result(await api.get("/api/v1/esoterics/today", headers=headers))
    assert result["date"] == "2026-11-27"
    assert result["numerology"] == {"life_path": 5, "personal_day": 7}
    assert result["daily_ai_tip"]["source"] == "offline" and "Personal day 7" in result["daily_ai_tip"]["text"]
    cached = await container.cache.get_json(tip_cache_key(user.id, date(2026, 11, 27)))
    assert cached["text"] == result["daily_ai_tip"]["text"]
    assert (await container.quotas.usage(user))["text"]["used"] == 0  # the tip never spends the user's quota


async def test_cached_tip_is_served_for_the_same_day(api: httpx.AsyncClient, container, clock) -> None:
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    user = await make_user(container, locale="en", date_of_birth=date(1990, 7, 15))
    headers = await auth_headers(container, user)
    await container.cache.set_json(tip_cache_key(user.id, date(2026, 11, 27)),
                                   {"text": "Cached tip", "source": "ai", "locale": "en"}, 60)
    tip = ok_result(await api.get("/api/v1/esoterics/today", headers=headers))["daily_ai_tip"]
    assert tip == {"text": "Cached tip", "source": "ai"}


async def test_default_date_is_the_users_local_today(api: httpx.AsyncClient, container, clock) -> None:
    # 2026-11-27 11:00 UTC is 01:00 on 11-28 in Kiritimati (UTC+14) and 23:00 on 11-26 at UTC−12.
    clock.set(datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
    east = await make_user(container, time_zone="Pacific/Kiritimati")
    west = await make_user(container, time_zone="Etc/GMT+12")
    assert ok_result(await api.get("/api/v1/esoterics/today",
                                   headers=await auth_headers(container, east)))["date"] == "2026-11-28"
    assert ok_result(await api.get("/api/v1/esoterics/today",
                                   headers=await auth_headers(container, west)))["date"] == "2026-11-26"


async def test_bad_dates_are_422(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.get("/api/v1/esoterics/today?date=2026-02-30", headers=headers), 422, "VALIDATION_ERROR")
    error_of(await api.get("/api/v1/esoterics/today?date=1900-01-01", headers=headers), 422, "ESOTERICS_INVALID_DATE")
