"""Seed 000 and 002 example request bodies, read from the seed texts, at the product's paths → 2xx.

The path map below is the one docs/API.md documents; the bodies are not copied here but parsed from the seeds.
Seed 000's examples are dated January 2025, so the clock stands on the morning of 2025-01-15 (its "today").
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.seed_shapes import seed_000_request_examples, seed_002_request_examples
from tests.helpers import error_of, ok_result, signed_in

SEED_000_PATHS = {
    ("POST", "/auth/refresh"): ["/api/v1/auth/refresh"],
    ("PATCH", "/calendar/event/{event_id}"): ["/api/v1/calendar/event/{event_id}",
                                              "/api/v1/calendar/events/{event_id}"],
    ("PATCH", "/calendar/events/bulk"): ["/api/v1/calendar/events/bulk"],
    ("POST", "/ai/analyze-calendar"): ["/api/v1/calendar/ai/analyze-calendar", "/api/v1/calendar/analyze"],
    ("POST", "/ai/plan-goal"): ["/api/v1/calendar/ai/plan-goal", "/api/v1/calendar/plan-goal"],
    ("POST", "/ai/chat"): ["/api/v1/calendar/ai/chat"],
    ("POST", "/ai/goals"): ["/api/v1/calendar/ai/goals"],
    # Google's code exchange needs the fake Google: tests/calendar/google/test_seed_code.py.
    ("POST", "/calendar/code"): ["/api/v1/calendar/code"],
    ("POST", "/google/callback"): ["/api/v1/calendar/code"],
}
SEED_002_PATHS = {
    ("POST", "/api/events/"): "/api/v1/calendar/events",
    ("PUT", "/api/events/{id}/"): "/api/v1/calendar/events/{event_id}",
    # Seed 002's profile update also changes the email; Mechta changes an email only through verification.
    ("PUT", "/users/profile/update/"): None,
}


def seed_000(method: str, path: str):
    return seed_000_request_examples()[(method, path)]


@pytest.fixture
def seed_000_morning(clock):
    clock.set(datetime(2025, 1, 15, 6, 0, tzinfo=UTC))
    return clock


@pytest.fixture
async def moscow(container):
    return await signed_in(container, time_zone="Europe/Moscow", locale="ru")


async def _event(api, headers) -> str:
    created = ok_result(await api.post("/api/v1/calendar/events", headers=headers, json={
        "title": "Встреча", "start": "2025-01-15T12:00:00+03:00", "end": "2025-01-15T13:00:00+03:00"}), 201)
    return created["id"]


def test_every_seed_example_body_has_a_product_path() -> None:
    assert set(seed_000_request_examples()) == set(SEED_000_PATHS)
    assert set(seed_002_request_examples()) == set(SEED_002_PATHS)


@pytest.mark.usefixtures("seed_000_morning")
@pytest.mark.parametrize("path", SEED_000_PATHS[("PATCH", "/calendar/event/{event_id}")])
async def test_seed_000_event_patch_maps_summary_and_google_times(api, moscow, path) -> None:
    _, headers = moscow
    event_id = await _event(api, headers)

    change = ok_result(await api.patch(path.format(event_id=event_id), headers=headers,
                                       json=seed_000("PATCH", "/calendar/event/{event_id}")))

    assert sorted(change["updated_fields"]) == ["description", "end", "location", "start", "title"]
    event = change["event"]
    assert (event["title"], event["location"]) == ("Новое название", "Новое место")
    assert datetime.fromisoformat(event["start"]) == datetime(2025, 1, 15, 7, 0, tzinfo=UTC)
    assert datetime.fromisoformat(event["end"]) == datetime(2025, 1, 15, 8, 0, tzinfo=UTC)


@pytest.mark.usefixtures("seed_000_morning")
async def test_google_time_without_offset_takes_its_time_zone(api, moscow) -> None:
    _, headers = moscow
    event_id = await _event(api, headers)
    body = {"start": {"dateTime": "2025-01-16T10:00:00", "timeZone": "Europe/Moscow"},
            "end": {"dateTime": "2025-01-16T20:00:00", "timeZone": "Asia/Tokyo"}}
    event = ok_result(await api.patch(f"/api/v1/calendar/events/{event_id}", headers=headers, json=body))["event"]
    assert datetime.fromisoformat(event["start"]) == datetime(2025, 1, 16, 7, 0, tzinfo=UTC)
    assert datetime.fromisoformat(event["end"]) == datetime(2025, 1, 16, 11, 0, tzinfo=UTC)


@pytest.mark.usefixtures("seed_000_morning")
async def test_disagreeing_aliases_are_a_422(api, moscow) -> None:
    _, headers = moscow
    event_id = await _event(api, headers)
    error_of(await api.patch(f"/api/v1/calendar/events/{event_id}", headers=headers,
                             json={"title": "A", "summary": "B"}), 422, "VALIDATION_ERROR")
    error_of(await api.patch(f"/api/v1/calendar/events/{event_id}", headers=headers,
                             json={"start": {"dateTime": "2025-01-16T10:00:00", "timeZone": "Mars/Olympus"}}),
             422, "VALIDATION_ERROR")


@pytest.mark.usefixtures("seed_000_morning")
async def test_seed_000_bulk_body(api, moscow) -> None:
    _, headers = moscow
    body = seed_000("PATCH", "/calendar/events/bulk")
    for item in body:  # the seed's ids are placeholders
        item["event_id"] = await _event(api, headers)

    result = ok_result(await api.patch("/api/v1/calendar/events/bulk", headers=headers, json=body))

    assert [(i["status"], i["updated_fields"]) for i in result["items"]] == [
        ("success", ["title"]), ("success", ["location"])]
    assert result["items"][0]["event"]["title"] == "Обновленное название 1"


@pytest.mark.usefixtures("seed_000_morning")
@pytest.mark.parametrize("path", SEED_000_PATHS[("POST", "/ai/analyze-calendar")])
async def test_seed_000_analyze_calendar_body(api, moscow, path) -> None:
    _, headers = moscow
    result = ok_result(await api.post(path, headers=headers, json=seed_000("POST", "/ai/analyze-calendar")))
    assert result["generated_by"] == "offline" and result["notice"]
    assert "7" in result["analysis"]  # analysis_period_days=7 became the analysed period


@pytest.mark.usefixtures("seed_000_morning")
async def test_analysis_period_days_is_the_period(api, moscow) -> None:
    _, headers = moscow
    result = ok_result(await api.post("/api/v1/calendar/analyze", headers=headers,
                                      json={"analysis_period_days": 12}))
    assert "12" in result["analysis"]
    error_of(await api.post("/api/v1/calendar/analyze", headers=headers,
                            json={"days": 3, "analysis_period_days": 12}), 422, "VALIDATION_ERROR")


@pytest.mark.usefixtures("seed_000_morning")
@pytest.mark.parametrize("path", SEED_000_PATHS[("POST", "/ai/plan-goal")])
async def test_seed_000_plan_goal_with_an_inline_goal(api, moscow, path) -> None:
    _, headers = moscow
    result = ok_result(await api.post(path, headers=headers, json=seed_000("POST", "/ai/plan-goal")))
    assert result["generated_by"] == "offline" and result["notice"]
    assert result["suggested_events"] == []  # a described goal has no steps to place
    assert result["suggested_time"]
    error_of(await api.post(path, headers=headers, json={"context": "no goal"}), 422, "VALIDATION_ERROR")


@pytest.mark.usefixtures("seed_000_morning")
async def test_seed_000_chat_accepts_model_and_names_the_one_that_answered(api, moscow) -> None:
    _, headers = moscow
    result = ok_result(await api.post("/api/v1/calendar/ai/chat", headers=headers,
                                      json=seed_000("POST", "/ai/chat")))
    assert result["generated_by"] == "offline" and result["model"] != "gpt-4"
    error_of(await api.post("/api/v1/calendar/ai/chat", headers=headers, json={
        "messages": [{"role": "user", "content": "hi"}], "model": "gpt-4; rm -rf"}), 422, "VALIDATION_ERROR")


@pytest.mark.usefixtures("seed_000_morning")
async def test_seed_000_smart_goal_body(api, moscow) -> None:
    _, headers = moscow
    goal = ok_result(await api.post("/api/v1/calendar/ai/goals", headers=headers,
                                    json=seed_000("POST", "/ai/goals")), 201)
    assert goal["title"] == "Выучить французский язык" and goal["priority"] == 2


async def test_seed_000_refresh_body(api, container) -> None:
    user, _ = await signed_in(container)
    tokens = await container.auth.start_session(user, user_agent="seed-000")
    body = {**seed_000("POST", "/auth/refresh"), "refresh_token": tokens.refresh_token}
    fresh = ok_result(await api.post("/api/v1/auth/refresh", json=body))
    valid = ok_result(await api.get("/api/v1/auth/validate",
                                    headers={"Authorization": f"Bearer {fresh['access_token']}"}))
    assert valid["valid"] is True and valid["user_id"] == str(user.id)


async def test_validate_without_a_valid_token_is_401(api) -> None:
    error_of(await api.get("/api/v1/auth/validate"), 401, "AUTH_UNAUTHORIZED")
    assert (await api.get("/api/v1/auth/validate", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_seed_000_forcefullsync_is_accepted_on_the_mechta_calendar(api, moscow) -> None:
    _, headers = moscow
    ok_result(await api.get("/api/v1/calendar/events", headers=headers,
                            params={"forcefullsync": "true", "fullresponse": "true"}))


async def test_seed_002_create_and_put_bodies(api, moscow) -> None:
    _, headers = moscow
    examples = seed_002_request_examples()

    created = ok_result(await api.post(SEED_002_PATHS[("POST", "/api/events/")], headers=headers,
                                       json=examples[("POST", "/api/events/")]), 201)
    assert created["title"] == "新會議" and created["location"] == "線上會議"
    assert datetime.fromisoformat(created["start"]) == datetime(2025, 9, 6, 10, 0, tzinfo=UTC)

    body = {**examples[("PUT", "/api/events/{id}/")], "title": "新會議 (改)", "end_datetime": "2025-09-06T12:00:00Z"}
    put = ok_result(await api.put(SEED_002_PATHS[("PUT", "/api/events/{id}/")].format(event_id=created["id"]),
                                  headers=headers, json=body))
    assert put["id"] == created["id"] and put["title"] == "新會議 (改)"
    assert datetime.fromisoformat(put["end"]) == datetime(2025, 9, 6, 12, 0, tzinfo=UTC)


async def test_seed_code_without_google_on_this_server_is_a_409(api, moscow) -> None:
    _, headers = moscow
    error_of(await api.post("/api/v1/calendar/code", headers=headers, json=seed_000("POST", "/calendar/code")),
             409, "GOOGLE_NOT_CONFIGURED")
