"""Goals over HTTP: offline generation from the user's data, batch, filters, done pays XP once, IDOR, delete."""
from __future__ import annotations

import httpx
from sqlalchemy import func, select

from core.db.models import Step
from tests.helpers import error_of, ok_result, signed_in

GOAL = {"title": "Run a half marathon", "description": "Train three times a week", "area_id": "health",
        "horizon": "1y", "metric": "21 km under 2:15", "why": "To feel strong"}


async def _create(api, headers, *goals):
    return ok_result(await api.post("/api/v1/goals/batch", headers=headers, json={"goals": list(goals)}))


async def test_generate_without_any_data_is_400(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.post("/api/v1/goals/generate", headers=headers), 400, "GOALS_NOT_ENOUGH_DATA")


async def test_generate_offline_proposes_goals_from_the_wheel(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container, locale="en")
    await container.wheel.create(user.id, {"health": 3, "career": 9, "finance": 5})
    proposal = ok_result(await api.post("/api/v1/goals/generate", headers=headers))
    assert proposal["generated_by"] == "offline" and "Offline" in proposal["notice"]
    assert [g["area_id"] for g in proposal["goals"]] == ["health", "finance"]
    assert proposal["goals"][0]["title"] == "Health: from 3 to 5" and proposal["goals"][0]["horizon"] == "1y"
    assert (await container.quotas.usage(user))["text"]["used"] == 1
    assert ok_result(await api.get("/api/v1/goals", headers=headers)) == []  # proposals are not saved


async def test_generate_respects_limits(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    await container.wheel.create(user.id, {"health": 3, "career": 4, "finance": 5})
    proposal = ok_result(await api.post("/api/v1/goals/generate", headers=headers,
                                        json={"limits": {"max_goals": 1, "area_ids": ["finance"], "horizons": ["3m"]}}))
    assert [(g["area_id"], g["horizon"]) for g in proposal["goals"]] == [("finance", "3m")]
    error_of(await api.post("/api/v1/goals/generate", headers=headers, json={"limits": {"max_goals": 11}}),
             422, "VALIDATION_ERROR")
    error_of(await api.post("/api/v1/goals/generate", headers=headers, json={"limits": {"area_ids": ["moon"]}}),
             422, "GOALS_INVALID")


async def test_batch_saves_goals_and_pays_xp_once_a_day(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    first = await _create(api, headers, GOAL, {**GOAL, "title": "Read 20 books", "area_id": "growth"})
    assert [g["title"] for g in first["items"]] == ["Run a half marathon", "Read 20 books"]
    assert first["items"][0]["status"] == "active"
    assert first["gamification_event"]["reason"] == "goals_created"
    assert (await _create(api, headers, GOAL))["gamification_event"] is None


async def test_batch_validates_every_goal(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.post("/api/v1/goals/batch", headers=headers, json={"goals": []}), 422, "VALIDATION_ERROR")
    error_of(await api.post("/api/v1/goals/batch", headers=headers, json={"goals": [{**GOAL, "horizon": "2y"}]}),
             422, "VALIDATION_ERROR")
    error_of(await api.post("/api/v1/goals/batch", headers=headers, json={"goals": [{**GOAL, "title": "x" * 201}]}),
             422, "VALIDATION_ERROR")
    err = error_of(await api.post("/api/v1/goals/batch", headers=headers,
                                  json={"goals": [GOAL, {**GOAL, "area_id": "atlantis"}]}), 422, "GOALS_INVALID")
    assert "goals.1.area_id" in err["fields"]
    assert ok_result(await api.get("/api/v1/goals", headers=headers)) == []


async def test_list_filters_by_horizon_and_status(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    await _create(api, headers, GOAL, {**GOAL, "title": "Big", "horizon": "5y"},
                  {**GOAL, "title": "Dropped", "status": "dropped"})
    assert [g["title"] for g in ok_result(await api.get("/api/v1/goals?horizon=5y", headers=headers))] == ["Big"]
    dropped = ok_result(await api.get("/api/v1/goals?status=dropped", headers=headers))
    assert [g["title"] for g in dropped] == ["Dropped"]
    error_of(await api.get("/api/v1/goals?horizon=forever", headers=headers), 422, "VALIDATION_ERROR")
    error_of(await api.get("/api/v1/goals?status=paused", headers=headers), 422, "VALIDATION_ERROR")


async def test_marking_done_pays_xp_once(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = (await _create(api, headers, GOAL))["items"][0]
    done = ok_result(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers, json={**GOAL, "status": "done"}))
    assert done["status"] == "done" and done["completed_at"] is not None
    assert done["gamification_event"]["reason"] == "goal_done"
    again = ok_result(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers, json={**GOAL, "status": "done"}))
    assert again["gamification_event"] is None
    ok_result(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers, json=GOAL))
    redo = ok_result(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers, json={**GOAL, "status": "done"}))
    assert redo["gamification_event"] is None
    profile = ok_result(await api.get("/api/v1/gamification/profile", headers=headers))
    assert profile["xp"] == 15 + 100


async def test_update_replaces_fields(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = (await _create(api, headers, GOAL))["items"][0]
    updated = ok_result(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers,
                                      json={"title": "Run a full marathon", "horizon": "3y"}))
    assert (updated["title"], updated["horizon"], updated["area_id"], updated["metric"]) == \
        ("Run a full marathon", "3y", None, None)
    error_of(await api.put(f"/api/v1/goals/{goal['id']}", headers=headers, json={**GOAL, "status": "paused"}),
             422, "VALIDATION_ERROR")


async def test_another_users_goal_is_404(api: httpx.AsyncClient, container) -> None:
    _, owner = await signed_in(container)
    goal = (await _create(api, owner, GOAL))["items"][0]
    _, intruder = await signed_in(container)
    error_of(await api.put(f"/api/v1/goals/{goal['id']}", headers=intruder, json=GOAL), 404, "GOAL_NOT_FOUND")
    error_of(await api.delete(f"/api/v1/goals/{goal['id']}", headers=intruder), 404, "GOAL_NOT_FOUND")
    assert ok_result(await api.get("/api/v1/goals", headers=intruder)) == []
    error_of(await api.put("/api/v1/goals/not-a-uuid", headers=owner, json=GOAL), 422, "VALIDATION_ERROR")


async def test_delete_removes_the_goal_and_its_steps(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    goal = (await _create(api, headers, GOAL))["items"][0]
    ok_result(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": [
        {"key": "y", "goal_id": goal["id"], "title": "Year", "level": "year"},
        {"parent_key": "y", "goal_id": goal["id"], "title": "Quarter", "level": "quarter"}]}))
    assert ok_result(await api.delete(f"/api/v1/goals/{goal['id']}", headers=headers)) == {"success": True}
    error_of(await api.delete(f"/api/v1/goals/{goal['id']}", headers=headers), 404, "GOAL_NOT_FOUND")
    async with container.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Step).where(Step.user_id == user.id)) == 0
