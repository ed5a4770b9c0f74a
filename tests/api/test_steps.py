"""Steps over HTTP and the bot-facing day methods: cascade, validation, done pays XP once, IDOR, local today."""
from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime

import httpx

from tests.helpers import auth_headers, error_of, make_user, ok_result, signed_in


async def _goal(api, headers, title="Learn Spanish"):
    body = {"goals": [{"title": title, "horizon": "1y", "metric": "B1 exam"}]}
    return ok_result(await api.post("/api/v1/goals/batch", headers=headers, json=body))["items"][0]


async def _steps(api, headers, steps):
    return ok_result(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": steps}))


async def test_generate_offline_proposes_a_full_cascade(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    goal = await _goal(api, headers)
    proposal = ok_result(await api.post("/api/v1/steps/generate", headers=headers,
                                        json={"goal_ids": [goal["id"]], "current_load_hint": {"minutes_per_day": 20}}))
    assert proposal["generated_by"] == "offline"
    steps = proposal["steps"]
    assert [s["level"] for s in steps] == ["year", "quarter", "month", "week", "day"]
    assert all(s["parent_key"] == p["key"] for p, s in itertools.pairwise(steps))
    assert steps[-1]["estimated_minutes"] == 20 and "Learn Spanish" in steps[-1]["title"]
    assert (await container.quotas.usage(user))["text"]["used"] == 1
    # The proposal saves as it is, parents by key.
    saved = await _steps(api, headers, [dict(s.items()) for s in steps])
    assert len(saved) == 5 and saved[1]["parent_id"] == saved[0]["id"]


async def test_generate_validates_goal_ids(api: httpx.AsyncClient, container) -> None:
    _, owner = await signed_in(container)
    goal = await _goal(api, owner)
    _, intruder = await signed_in(container)
    error_of(await api.post("/api/v1/steps/generate", headers=intruder, json={"goal_ids": [goal["id"]]}),
             404, "GOAL_NOT_FOUND")
    error_of(await api.post("/api/v1/steps/generate", headers=owner, json={"goal_ids": []}), 422, "VALIDATION_ERROR")
    eleven = [goal["id"]] * 11
    error_of(await api.post("/api/v1/steps/generate", headers=owner, json={"goal_ids": eleven}), 422, "VALIDATION_ERROR")
    bad_window = {"goal_ids": [goal["id"]], "year_bounds": {"start": "2020-01-01", "end": "2020-12-31"}}
    error_of(await api.post("/api/v1/steps/generate", headers=owner, json=bad_window), 422, "STEPS_INVALID_DATE")


async def test_batch_rejects_a_parent_of_a_narrower_level(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = await _goal(api, headers)
    err = error_of(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": [
        {"key": "d", "goal_id": goal["id"], "title": "Day", "level": "day"},
        {"parent_key": "d", "goal_id": goal["id"], "title": "Month", "level": "month"}]}), 422, "STEPS_INVALID_PARENT")
    assert "steps.1.parent" in err["fields"]


async def test_batch_rejects_a_parent_of_another_goal(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    first, second = await _goal(api, headers), await _goal(api, headers, "Swim")
    year = (await _steps(api, headers, [{"goal_id": first["id"], "title": "Y", "level": "year"}]))[0]
    error_of(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": [
        {"goal_id": second["id"], "parent_id": year["id"], "title": "Q", "level": "quarter"}]}),
        422, "STEPS_INVALID_PARENT")


async def test_batch_validates_levels_statuses_dates(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = await _goal(api, headers)
    base = {"goal_id": goal["id"], "title": "Step", "level": "day"}
    for bad in ({"level": "decade"}, {"status": "later"}, {"priority": 4}, {"estimated_minutes": 0},
                {"planned_date": "2026-13-01"}):
        error_of(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": [{**base, **bad}]}),
                 422, "VALIDATION_ERROR")
    error_of(await api.post("/api/v1/steps/batch", headers=headers,
                            json={"steps": [{**base, "planned_date": "1999-01-01"}]}), 422, "STEPS_INVALID")


async def test_list_filters_and_rejects_unknown_values(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    first, second = await _goal(api, headers), await _goal(api, headers, "Swim")
    await _steps(api, headers, [{"goal_id": first["id"], "title": "Y", "level": "year"},
                                {"goal_id": first["id"], "title": "D", "level": "day", "status": "skipped"},
                                {"goal_id": second["id"], "title": "S", "level": "day"}])
    by_goal = ok_result(await api.get(f"/api/v1/steps?goal_id={first['id']}", headers=headers))
    assert [s["title"] for s in by_goal] == ["Y", "D"]
    days = ok_result(await api.get("/api/v1/steps?level=day&status=planned", headers=headers))
    assert [s["title"] for s in days] == ["S"]
    error_of(await api.get("/api/v1/steps?level=decade", headers=headers), 422, "VALIDATION_ERROR")
    error_of(await api.get("/api/v1/steps?status=later", headers=headers), 422, "VALIDATION_ERROR")


async def test_done_pays_xp_once_even_on_a_double_tap(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = await _goal(api, headers)
    step = (await _steps(api, headers, [{"goal_id": goal["id"], "title": "Lesson 1", "level": "day"}]))[0]
    body = {"goal_id": goal["id"], "title": "Lesson 1", "level": "day", "status": "done"}
    first, second = await asyncio.gather(api.put(f"/api/v1/steps/{step['id']}", headers=headers, json=body),
                                         api.put(f"/api/v1/steps/{step['id']}", headers=headers, json=body))
    events = [ok_result(first)["gamification_event"], ok_result(second)["gamification_event"]]
    assert sorted(e is None for e in events) == [False, True]
    profile = ok_result(await api.get("/api/v1/gamification/profile", headers=headers))
    assert profile["xp"] == 15 + 10 + 10  # goals_created + steps_planned + one step_done


async def test_update_checks_the_parent(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = await _goal(api, headers)
    year, day = (await _steps(api, headers, [{"goal_id": goal["id"], "title": "Y", "level": "year"},
                                             {"goal_id": goal["id"], "title": "D", "level": "day"}]))
    moved = ok_result(await api.put(f"/api/v1/steps/{day['id']}", headers=headers,
                                    json={"goal_id": goal["id"], "title": "D", "level": "day", "parent_id": year["id"],
                                          "priority": 1, "planned_date": "2026-12-01"}))
    assert moved["parent_id"] == year["id"] and moved["priority"] == 1
    error_of(await api.put(f"/api/v1/steps/{year['id']}", headers=headers,
                           json={"goal_id": goal["id"], "title": "Y", "level": "year", "parent_id": day["id"]}),
             422, "STEPS_INVALID_PARENT")


async def test_another_users_step_is_404(api: httpx.AsyncClient, container) -> None:
    _, owner = await signed_in(container)
    goal = await _goal(api, owner)
    step = (await _steps(api, owner, [{"goal_id": goal["id"], "title": "Mine", "level": "day"}]))[0]
    _, intruder = await signed_in(container)
    own_goal = await _goal(api, intruder)
    body = {"goal_id": own_goal["id"], "title": "Stolen", "level": "day"}
    error_of(await api.put(f"/api/v1/steps/{step['id']}", headers=intruder, json=body), 404, "STEP_NOT_FOUND")
    error_of(await api.delete(f"/api/v1/steps/{step['id']}", headers=intruder), 404, "STEP_NOT_FOUND")
    error_of(await api.post("/api/v1/steps/batch", headers=intruder,
                            json={"steps": [{"goal_id": goal["id"], "title": "X", "level": "day"}]}),
             404, "GOAL_NOT_FOUND")
    error_of(await api.post("/api/v1/steps/batch", headers=intruder, json={"steps": [
        {**body, "parent_id": step["id"]}]}), 422, "STEPS_INVALID_PARENT")
    assert ok_result(await api.get(f"/api/v1/steps?goal_id={goal['id']}", headers=intruder)) == []


async def test_deleting_a_parent_detaches_its_children(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    goal = await _goal(api, headers)
    year, quarter = (await _steps(api, headers, [
        {"key": "y", "goal_id": goal["id"], "title": "Y", "level": "year"},
        {"parent_key": "y", "goal_id": goal["id"], "title": "Q", "level": "quarter"}]))
    assert ok_result(await api.delete(f"/api/v1/steps/{year['id']}", headers=headers)) == {"success": True}
    left = ok_result(await api.get("/api/v1/steps", headers=headers))
    assert [(s["id"], s["parent_id"]) for s in left] == [(quarter["id"], None)]


async def test_today_steps_follow_the_local_day_and_the_buttons_work(container, clock) -> None:
    # 00:30 on 2026-03-02 in Auckland (UTC+13) is still 2026-03-01 in UTC.
    clock.set(datetime(2026, 3, 1, 11, 30, tzinfo=UTC))
    user = await make_user(container, time_zone="Pacific/Auckland")
    goal = (await container.goals.create_batch(user.id, [{"title": "G", "horizon": "1y"}])).items[0]
    batch = await container.steps.create_batch(user.id, [
        {"goal_id": goal.id, "title": "Local today", "level": "day", "planned_date": date(2026, 3, 2),
         "priority": 1},
        {"goal_id": goal.id, "title": "UTC today", "level": "day", "planned_date": date(2026, 3, 1)},
        {"goal_id": goal.id, "title": "Also today", "level": "day", "planned_date": date(2026, 3, 2)}])
    today = await container.steps.today_steps(user.id)
    assert [s.title for s in today] == ["Local today", "Also today"]
    done = await container.steps.mark_done(user.id, today[0].id)
    assert done.step.status == "done" and done.gamification_event.reason == "step_done"
    assert (await container.steps.mark_done(user.id, today[0].id)).gamification_event is None
    moved = await container.steps.move_to_tomorrow(user.id, today[1].id)
    assert moved.step.planned_date == date(2026, 3, 3)
    skipped = await container.steps.skip(user.id, batch.items[1].id)
    assert skipped.step.status == "skipped"
    assert await container.steps.today_steps(user.id) == []
    assert [s.title for s in await container.steps.today_steps(user.id, include_finished=True)] == ["Local today"]


async def test_move_to_tomorrow_refuses_a_done_step(container) -> None:
    from core.errors import Conflict

    user = await make_user(container)
    goal = (await container.goals.create_batch(user.id, [{"title": "G", "horizon": "1y"}])).items[0]
    step = (await container.steps.create_batch(user.id, [{"goal_id": goal.id, "title": "S", "level": "day",
                                                          "status": "done"}])).items[0]
    try:
        await container.steps.move_to_tomorrow(user.id, step.id)
    except Conflict as exc:
        assert exc.code == "STEPS_ALREADY_DONE"
    else:
        raise AssertionError("a done step was moved")


async def test_cascade_builds_the_tree(container) -> None:
    user = await make_user(container)
    goal = (await container.goals.create_batch(user.id, [{"title": "G", "horizon": "1y"}])).items[0]
    await container.steps.create_batch(user.id, [
        {"key": "y", "goal_id": goal.id, "title": "Y", "level": "year"},
        {"key": "q", "parent_key": "y", "goal_id": goal.id, "title": "Q", "level": "quarter"},
        {"parent_key": "q", "goal_id": goal.id, "title": "M", "level": "month"},
        {"goal_id": goal.id, "title": "Loose day", "level": "day"}])
    cascade = await container.steps.cascade(user.id, goal.id)
    assert [node.step.title for node in cascade.roots] == ["Y", "Loose day"]
    assert cascade.roots[0].children[0].children[0].step.title == "M"
    other = await make_user(container)
    from core.errors import NotFound

    try:
        await container.steps.cascade(other.id, goal.id)
    except NotFound as exc:
        assert exc.code == "GOAL_NOT_FOUND"
    else:
        raise AssertionError("another user's cascade was readable")


async def test_steps_need_a_token(api: httpx.AsyncClient, container) -> None:
    error_of(await api.get("/api/v1/steps"), 401, "AUTH_UNAUTHORIZED")
    user = await make_user(container)
    headers = await auth_headers(container, user)
    assert ok_result(await api.get("/api/v1/steps", headers=headers)) == []
