"""/areas: reading in the reader's locale, admin-only changes, soft delete, and a cache that never lags a write."""
from __future__ import annotations

import asyncio
import time

import httpx

from core.bootstrap import Container
from core.db.models import Area
from tests.helpers import error_of, listening, ok_result, signed_in

DEFAULT_ORDER = ["health", "career", "finance", "relationships", "friends", "growth", "leisure", "spirit"]
NEW_AREA = {"id": "sport", "title_ru": "Спорт", "title_en": "Sport", "emoji": "🏃", "description_en": "Moving"}


async def _admin(container) -> dict[str, str]:
    return (await signed_in(container, is_admin=True, locale="en"))[1]


async def test_listing_areas_needs_a_token(api: httpx.AsyncClient) -> None:
    error_of(await api.get("/api/v1/areas"), 401, "AUTH_UNAUTHORIZED")


async def test_default_areas_come_in_order_and_in_the_users_locale(api: httpx.AsyncClient, container) -> None:
    _, ru = await signed_in(container, locale="ru")
    _, en = await signed_in(container, locale="en")
    ru_items = ok_result(await api.get("/api/v1/areas", headers=ru))["items"]
    en_items = ok_result(await api.get("/api/v1/areas", headers=en))["items"]
    assert [a["id"] for a in ru_items] == DEFAULT_ORDER
    assert ru_items[0]["title"] == "Здоровье" and en_items[0]["title"] == "Health"
    assert set(ru_items[0]) == {"id", "title", "title_ru", "title_en", "description_ru", "description_en", "emoji",
                                "order_index", "is_active"}


async def test_one_area_is_public_and_follows_accept_language(api: httpx.AsyncClient, container) -> None:
    assert ok_result(await api.get("/api/v1/areas/health"))["title"] == "Health"
    ru = await api.get("/api/v1/areas/health", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert ok_result(ru)["title"] == "Здоровье"
    _, ru_user = await signed_in(container, locale="ru")
    assert ok_result(await api.get("/api/v1/areas/health", headers=ru_user))["title"] == "Здоровье"


async def test_an_invalid_token_on_the_public_area_is_still_refused(api: httpx.AsyncClient) -> None:
    error_of(await api.get("/api/v1/areas/health", headers={"Authorization": "Bearer nonsense"}),
             401, "AUTH_INVALID_TOKEN")


async def test_unknown_area_is_a_404(api: httpx.AsyncClient) -> None:
    error_of(await api.get("/api/v1/areas/atlantis"), 404, "AREA_NOT_FOUND")
    error_of(await api.get("/api/v1/areas/Not-A-Slug"), 404, "AREA_NOT_FOUND")


async def test_only_admins_change_areas(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.post("/api/v1/areas", json=NEW_AREA, headers=headers), 403, "AUTH_FORBIDDEN")
    error_of(await api.put("/api/v1/areas/health", json={"emoji": "x"}, headers=headers), 403, "AUTH_FORBIDDEN")
    error_of(await api.delete("/api/v1/areas/health", headers=headers), 403, "AUTH_FORBIDDEN")
    error_of(await api.post("/api/v1/areas", json=NEW_AREA), 401, "AUTH_UNAUTHORIZED")


async def test_admin_creates_an_area_at_the_end_of_the_wheel(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    ok_result(await api.get("/api/v1/areas", headers=headers))  # warm the cache
    created = ok_result(await api.post("/api/v1/areas", json=NEW_AREA, headers=headers))
    assert created == {"id": "sport", "title": "Sport", "title_ru": "Спорт", "title_en": "Sport",
                       "description_ru": "", "description_en": "Moving", "emoji": "🏃", "order_index": 8,
                       "is_active": True}
    items = ok_result(await api.get("/api/v1/areas", headers=headers))["items"]
    assert [a["id"] for a in items] == [*DEFAULT_ORDER, "sport"]


async def test_creating_an_existing_area_is_refused(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    error_of(await api.post("/api/v1/areas", json={**NEW_AREA, "id": "health"}, headers=headers),
             400, "AREA_ALREADY_EXISTS")


async def test_two_admins_racing_to_create_the_same_area(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    responses = await asyncio.gather(*(api.post("/api/v1/areas", json=NEW_AREA, headers=headers) for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 400]
    loser = next(r for r in responses if r.status_code == 400)
    error_of(loser, 400, "AREA_ALREADY_EXISTS")


async def test_bad_area_input_is_a_422(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    cases = [
        ({**NEW_AREA, "id": "Sport!"}, "id"),
        ({**NEW_AREA, "id": "s"}, "id"),
        ({**NEW_AREA, "title_ru": "   "}, "title_ru"),
        ({**NEW_AREA, "title_en": "x" * 101}, "title_en"),
        ({**NEW_AREA, "order_index": -1}, "order_index"),
        ({k: v for k, v in NEW_AREA.items() if k != "title_en"}, "title_en"),
        ({**NEW_AREA, "color": "red"}, "color"),
    ]
    for body, field in cases:
        error = error_of(await api.post("/api/v1/areas", json=body, headers=headers), 422, "VALIDATION_ERROR")
        assert field in error["fields"], (body, error)
    error = error_of(await api.put("/api/v1/areas/health", json={"title_en": None}, headers=headers),
                     422, "VALIDATION_ERROR")
    assert "title_en" in error["fields"]


async def test_admin_update_is_visible_at_once(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    ok_result(await api.get("/api/v1/areas", headers=headers))
    ok_result(await api.get("/api/v1/areas/health"))
    updated = ok_result(await api.put("/api/v1/areas/health", json={"title_en": "Body & mind", "order_index": 20},
                                      headers=headers))
    assert updated["title"] == "Body & mind" and updated["title_ru"] == "Здоровье"
    assert ok_result(await api.get("/api/v1/areas/health"))["title_en"] == "Body & mind"
    items = ok_result(await api.get("/api/v1/areas", headers=headers))["items"]
    assert items[-1]["id"] == "health" and items[-1]["title"] == "Body & mind"


async def test_updating_an_unknown_area_is_a_404(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    error_of(await api.put("/api/v1/areas/atlantis", json={"emoji": "🌊"}, headers=headers), 404, "AREA_NOT_FOUND")
    error_of(await api.delete("/api/v1/areas/atlantis", headers=headers), 404, "AREA_NOT_FOUND")


async def test_delete_deactivates_the_area(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    ok_result(await api.get("/api/v1/areas", headers=headers))
    ok_result(await api.get("/api/v1/areas?include_inactive=true", headers=headers))
    ok_result(await api.get("/api/v1/areas/spirit"))
    deleted = ok_result(await api.delete("/api/v1/areas/spirit", headers=headers))
    assert deleted["id"] == "spirit" and deleted["is_active"] is False
    active = ok_result(await api.get("/api/v1/areas", headers=headers))["items"]
    everything = ok_result(await api.get("/api/v1/areas?include_inactive=true", headers=headers))["items"]
    assert "spirit" not in [a["id"] for a in active]
    assert [a["id"] for a in everything] == DEFAULT_ORDER
    assert ok_result(await api.get("/api/v1/areas/spirit"))["is_active"] is False
    assert "spirit" not in [a.id for a in await container.areas.active_areas()]
    restored = ok_result(await api.put("/api/v1/areas/spirit", json={"is_active": True}, headers=headers))
    assert restored["is_active"] is True


async def test_areas_are_cached_for_two_minutes(api: httpx.AsyncClient, container) -> None:
    headers = await _admin(container)
    ok_result(await api.get("/api/v1/areas", headers=headers))
    ok_result(await api.get("/api/v1/areas/health"))
    for key in ("areas:list:0", "areas:item:health"):
        assert 0 < await container.cache.ttl(key) <= 120


async def test_an_area_change_in_one_process_reaches_the_list_another_keeps_in_memory(container, settings, clock):
    other = Container(settings, clock=clock)  # another API replica, the bot or the scheduler
    try:
        await listening(container)
        await listening(other)
        assert "spirit" in await other.areas.active_ids()
        await container.cache.delete("areas:list:0")
        assert "spirit" in await other.areas.active_ids()  # from its memory now, not from the shared cache

        await container.areas.deactivate("spirit")

        deadline = time.monotonic() + 1.0
        while "spirit" in await other.areas.active_ids():
            assert time.monotonic() < deadline, "the other process kept the old list"
            await asyncio.sleep(0.01)
    finally:
        await other.close()


async def test_a_process_that_cannot_hear_drops_keeps_no_list_in_memory(container) -> None:
    # Redis is configured but this process does not listen for drops (yet): each read asks the shared cache.
    assert "spirit" in await container.areas.active_ids()
    async with container.db.transaction() as session:
        (await session.get(Area, "spirit")).is_active = False
    await container.cache.delete("areas:list:0")

    assert "spirit" not in await container.areas.active_ids()
