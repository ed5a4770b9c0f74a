"""/me: the profile with plan and usage, its cache, and profile changes."""
from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import update

from core.db.models import AIUsageCounter
from core.services.quotas import usage_cache_key
from tests.helpers import error_of, ok_result, signed_in


async def test_me_needs_a_token(api: httpx.AsyncClient) -> None:
    error_of(await api.get("/api/v1/me"), 401, "AUTH_UNAUTHORIZED")
    error_of(await api.put("/api/v1/me", json={"first_name": "X"}), 401, "AUTH_UNAUTHORIZED")


async def test_me_shows_the_user_plan_and_usage(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container, first_name="Anna", locale="en")
    result = ok_result(await api.get("/api/v1/me", headers=headers))
    assert result["user"]["id"] == str(user.id)
    assert result["user"]["first_name"] == "Anna"
    assert "password_hash" not in result["user"]
    assert result["plan"] == "free"
    assert result["usage"] == {"text": {"used": 0, "limit": 5}, "image": {"used": 0, "limit": 1}}


async def test_pro_user_sees_pro_limits(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container, plan="pro")
    result = ok_result(await api.get("/api/v1/me", headers=headers))
    assert result["plan"] == "pro"
    assert result["usage"]["text"]["limit"] == 100 and result["usage"]["image"]["limit"] == 20


async def test_me_is_cached_for_a_minute(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    ok_result(await api.get("/api/v1/me", headers=headers))
    assert await container.cache.get_json(usage_cache_key(user.id)) is not None
    assert 0 < await container.cache.ttl(usage_cache_key(user.id)) <= 60


async def test_usage_is_fresh_right_after_a_reservation(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    ok_result(await api.get("/api/v1/me", headers=headers))
    await container.quotas.reserve(user.id, "text")
    await container.quotas.reserve(user.id, "image")
    usage = ok_result(await api.get("/api/v1/me", headers=headers))["usage"]
    assert usage == {"text": {"used": 1, "limit": 5}, "image": {"used": 1, "limit": 1}}


async def test_profile_change_is_visible_at_once(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container, locale="ru")
    ok_result(await api.get("/api/v1/me", headers=headers))
    changes = {"first_name": "  Maria ", "display_name": "Masha", "locale": "en", "time_zone": "Asia/Tokyo",
               "date_of_birth": "1990-05-17", "morning_time": "07:30", "evening_time": "22:15",
               "gender": "female", "life_format": "freelance"}
    updated = ok_result(await api.put("/api/v1/me", json=changes, headers=headers))
    assert updated["user"]["first_name"] == "Maria"
    assert updated["user"]["morning_time"] == "07:30" and updated["user"]["evening_time"] == "22:15"
    assert set(updated) == {"user", "plan", "usage"}
    again = ok_result(await api.get("/api/v1/me", headers=headers))["user"]
    assert (again["display_name"], again["locale"], again["time_zone"], again["date_of_birth"]) == (
        "Masha", "en", "Asia/Tokyo", "1990-05-17")


async def test_put_me_drops_the_cached_entry(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    await container.quotas.reserve(user.id, "text")
    ok_result(await api.get("/api/v1/me", headers=headers))
    # A counter written behind the cache's back: only a dropped cache entry lets the PUT's answer see it.
    async with container.db.transaction() as session:
        await session.execute(update(AIUsageCounter).where(AIUsageCounter.user_id == user.id).values(used=3))
    assert ok_result(await api.get("/api/v1/me", headers=headers))["usage"]["text"]["used"] == 1
    updated = ok_result(await api.put("/api/v1/me", json={"last_name": "Petrova"}, headers=headers))
    assert updated["usage"]["text"]["used"] == 3


async def test_moving_time_zone_across_new_year_shows_the_new_months_usage(api: httpx.AsyncClient, container,
                                                                            clock) -> None:
    clock.set(datetime(2025, 12, 31, 20, 0, tzinfo=UTC))
    user, headers = await signed_in(container, time_zone="UTC")
    for _ in range(5):
        await container.quotas.reserve(user.id, "text")
    assert ok_result(await api.get("/api/v1/me", headers=headers))["usage"]["text"]["used"] == 5
    # On Kiritimati (UTC+14) it is already 10:00 on 1 January 2026: a fresh month.
    moved = ok_result(await api.put("/api/v1/me", json={"time_zone": "Pacific/Kiritimati"}, headers=headers))
    assert moved["usage"]["text"] == {"used": 0, "limit": 5}


async def test_invalid_time_zone_is_a_422_with_the_field(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error = error_of(await api.put("/api/v1/me", json={"time_zone": "Mars/Olympus"}, headers=headers),
                     422, "VALIDATION_ERROR")
    assert "time_zone" in error["fields"]
    assert ok_result(await api.get("/api/v1/me", headers=headers))["user"]["time_zone"] == "UTC"


async def test_bad_profile_fields_are_422s(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    cases = [
        ({"locale": "de"}, "locale"),
        ({"locale": None}, "locale"),
        ({"morning_time": "25:00"}, "morning_time"),
        ({"evening_time": None}, "evening_time"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"gender": "x" * 21}, "gender"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"plan": "pro"}, "plan"),
        ({"is_admin": True}, "is_admin"),
    ]
    for body, field in cases:
        error = error_of(await api.put("/api/v1/me", json=body, headers=headers), 422, "VALIDATION_ERROR")
        assert field in error["fields"], (body, error)
    me = ok_result(await api.get("/api/v1/me", headers=headers))
    assert me["plan"] == "free" and me["user"]["is_admin"] is False and me["user"]["locale"] == "ru"


async def test_null_clears_an_optional_field(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container, display_name="Old")
    updated = ok_result(await api.put("/api/v1/me", json={"display_name": None}, headers=headers))
    assert updated["user"]["display_name"] is None
