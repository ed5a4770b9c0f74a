"""/life_wheel: saving entries, validation, the latest entry and the paged history — always the caller's own."""
from __future__ import annotations

import httpx

from tests.helpers import error_of, ok_result, signed_in

SCORES = {"career": 4, "health": 7, "finance": 5}


async def test_life_wheel_needs_a_token(api: httpx.AsyncClient) -> None:
    error_of(await api.post("/api/v1/life_wheel", json={"scores": SCORES}), 401, "AUTH_UNAUTHORIZED")
    error_of(await api.get("/api/v1/life_wheel/latest"), 401, "AUTH_UNAUTHORIZED")
    error_of(await api.get("/api/v1/life_wheel"), 401, "AUTH_UNAUTHORIZED")


async def test_saving_an_entry_returns_it_in_wheel_order(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await signed_in(container)
    body = {"scores": SCORES, "note": "  A calm month  ", "area_notes": {"health": " slept well ", "career": " "}}
    entry = ok_result(await api.post("/api/v1/life_wheel", json=body, headers=headers))
    assert list(entry["scores"].items()) == [("health", 7), ("career", 4), ("finance", 5)]
    assert entry["note"] == "A calm month"
    assert entry["area_notes"] == {"health": "slept well"}
    assert set(entry) == {"id", "scores", "note", "area_notes", "created_at"}
    assert entry["created_at"].startswith(clock.now().strftime("%Y-%m-%dT%H:%M:%S"))


async def test_empty_scores_are_refused(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.post("/api/v1/life_wheel", json={"scores": {}}, headers=headers),
             400, "LIFE_WHEEL_EMPTY_SCORES")


async def test_unknown_area_is_refused_with_the_field(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    response = await api.post("/api/v1/life_wheel", json={"scores": {**SCORES, "atlantis": 3}}, headers=headers)
    error = error_of(response, 400, "LIFE_WHEEL_INVALID_AREA_ID")
    assert list(error["fields"]) == ["scores.atlantis"]
    assert ok_result(await api.get("/api/v1/life_wheel/latest", headers=headers)) is None


async def test_inactive_area_is_refused(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    await container.areas.deactivate("finance")
    error = error_of(await api.post("/api/v1/life_wheel", json={"scores": SCORES}, headers=headers),
                     400, "LIFE_WHEEL_INVALID_AREA_ID")
    assert list(error["fields"]) == ["scores.finance"]


async def test_scores_outside_zero_to_ten_are_422s(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    for bad in (11, -1, 7.5, "7", True, None):
        error = error_of(await api.post("/api/v1/life_wheel", json={"scores": {"health": bad}}, headers=headers),
                         422, "VALIDATION_ERROR")
        assert "scores.health" in error["fields"], (bad, error)
    for edge in (0, 10):
        ok_result(await api.post("/api/v1/life_wheel", json={"scores": {"health": edge}}, headers=headers))


async def test_notes_are_bounded(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    too_long = await api.post("/api/v1/life_wheel", json={"scores": SCORES, "note": "x" * 2001}, headers=headers)
    assert "note" in error_of(too_long, 422, "VALIDATION_ERROR")["fields"]
    ok_result(await api.post("/api/v1/life_wheel", json={"scores": SCORES, "note": "x" * 2000}, headers=headers))
    stray = await api.post("/api/v1/life_wheel", json={"scores": SCORES, "area_notes": {"leisure": "hm"}},
                           headers=headers)
    assert "area_notes.leisure" in error_of(stray, 422, "VALIDATION_ERROR")["fields"]
    long_area_note = await api.post("/api/v1/life_wheel",
                                    json={"scores": SCORES, "area_notes": {"health": "x" * 501}}, headers=headers)
    assert "area_notes.health" in error_of(long_area_note, 422, "VALIDATION_ERROR")["fields"]


async def test_latest_is_null_then_the_newest_entry(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await signed_in(container)
    assert ok_result(await api.get("/api/v1/life_wheel/latest", headers=headers)) is None
    ok_result(await api.post("/api/v1/life_wheel", json={"scores": {"health": 3}}, headers=headers))
    clock.advance(minutes=1)
    newest = ok_result(await api.post("/api/v1/life_wheel", json={"scores": {"health": 8}}, headers=headers))
    assert ok_result(await api.get("/api/v1/life_wheel/latest", headers=headers)) == newest


async def test_history_is_paged_newest_first(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await signed_in(container)
    ids = []
    for score in (1, 2, 3):
        ids.append(ok_result(await api.post("/api/v1/life_wheel", json={"scores": {"health": score}},
                                            headers=headers))["id"])
        clock.advance(minutes=1)
    first = await api.get("/api/v1/life_wheel?page=1&page_size=2", headers=headers)
    assert [e["id"] for e in ok_result(first)["items"]] == [ids[2], ids[1]]
    assert first.json()["meta"]["pagination"] == {"page": 1, "page_size": 2, "total": 3, "total_pages": 2,
                                                  "has_next": True, "has_prev": False}
    second = await api.get("/api/v1/life_wheel?page=2&page_size=2", headers=headers)
    assert [e["id"] for e in ok_result(second)["items"]] == [ids[0]]
    beyond = await api.get("/api/v1/life_wheel?page=1000000&page_size=100", headers=headers)
    assert ok_result(beyond)["items"] == [] and beyond.json()["meta"]["pagination"]["total"] == 3
    default = await api.get("/api/v1/life_wheel", headers=headers)
    assert default.json()["meta"]["pagination"]["page_size"] == 20


async def test_bad_paging_is_a_422(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    for query, field in (("page=0", "page"), ("page_size=0", "page_size"), ("page_size=101", "page_size"),
                         ("page=abc", "page"), ("page=1000001", "page"), ("page=" + "9" * 30, "page")):
        error = error_of(await api.get(f"/api/v1/life_wheel?{query}", headers=headers), 422, "VALIDATION_ERROR")
        assert field in error["fields"], (query, error)


async def test_users_never_see_each_others_entries(api: httpx.AsyncClient, container) -> None:
    _, alice = await signed_in(container)
    _, bob = await signed_in(container)
    ok_result(await api.post("/api/v1/life_wheel", json={"scores": SCORES}, headers=alice))
    assert ok_result(await api.get("/api/v1/life_wheel/latest", headers=bob)) is None
    listing = await api.get("/api/v1/life_wheel", headers=bob)
    assert ok_result(listing)["items"] == [] and listing.json()["meta"]["pagination"]["total"] == 0
