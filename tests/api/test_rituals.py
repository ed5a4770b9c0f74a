"""Rituals over HTTP: local days, one entry per type and day, the interception rule, weekly review and plan."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select

from core.db.models import WeeklyReview
from tests.helpers import auth_headers, error_of, make_user, ok_result, signed_in

MORNING = {"type": "morning", "answers": {"intention": "Finish the draft"}, "mood_score": 7, "energy_score": 6}
EVENING = {"type": "evening", "answers": {"reflection": "Good day", "done_steps": []}, "mood_score": 8}


async def _user_at(container, clock, moment: datetime, **fields):
    clock.set(moment)
    user = await make_user(container, created_at=moment - timedelta(days=30), **fields)
    return user, await auth_headers(container, user)


async def test_entry_pays_xp_and_starts_a_streak(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    result = ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING))
    assert result["type"] == "morning" and result["mood_score"] == 7 and result["streak_days"] == 1
    assert result["gamification_event"]["reason"] == "ritual_morning"
    assert "first_ritual" in result["gamification_event"]["new_achievements"]


async def test_second_morning_the_same_local_day_is_409(api: httpx.AsyncClient, container, clock) -> None:
    # 23:55 in Moscow (UTC+3) = 20:55 UTC.
    _, headers = await _user_at(container, clock, datetime(2026, 5, 4, 20, 55, tzinfo=UTC),
                                time_zone="Europe/Moscow")
    ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING))
    error_of(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING), 409, "RITUALS_ALREADY_COMPLETED")
    clock.advance(minutes=10)  # 00:05 local: a new local day although UTC is still May 4
    second = ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING))
    assert second["local_date"] == "2026-05-05" and second["streak_days"] == 2


async def test_morning_and_evening_are_separate(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await _user_at(container, clock, datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING))
    ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=EVENING))
    today = ok_result(await api.get("/api/v1/rituals/today", headers=headers))
    assert today["date"] == "2026-05-04" and today["morning_done"] and today["evening_done"]
    assert [e["type"] for e in today["entries"]] == ["morning", "evening"]


async def test_evening_after_midnight_counts_for_yesterday(api: httpx.AsyncClient, container, clock) -> None:
    # 01:30 in Berlin (UTC+2 in summer) = 23:30 UTC the day before.
    _, headers = await _user_at(container, clock, datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
                                time_zone="Europe/Berlin")
    late = ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=EVENING))
    assert late["local_date"] == "2026-07-01"
    morning = ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=MORNING))
    assert morning["local_date"] == "2026-07-02"


async def test_for_date_lets_the_bot_file_yesterdays_evening(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await _user_at(container, clock, datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    body = {**EVENING, "for_date": "2026-07-01"}
    assert ok_result(await api.post("/api/v1/rituals/entry", headers=headers, json=body))["local_date"] == "2026-07-01"
    error_of(await api.post("/api/v1/rituals/entry", headers=headers, json=body), 409, "RITUALS_ALREADY_COMPLETED")
    error_of(await api.post("/api/v1/rituals/entry", headers=headers, json={**MORNING, "for_date": "2026-07-01"}),
             422, "RITUALS_INVALID_DATE")
    error_of(await api.post("/api/v1/rituals/entry", headers=headers, json={**EVENING, "for_date": "2026-06-20"}),
             422, "RITUALS_INVALID_DATE")


async def test_entry_input_is_validated(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    for body in ({**MORNING, "type": "noon"}, {**MORNING, "mood_score": 11}, {**MORNING, "energy_score": 0},
                 {**MORNING, "answers": {"x": {"nested": 1}}}):
        body_status = await api.post("/api/v1/rituals/entry", headers=headers, json=body)
        assert body_status.status_code == 422, body
    error_of(await api.post("/api/v1/rituals/entry", headers=headers,
                            json={**MORNING, "answers": {"note": "x" * 2001}}), 422, "RITUALS_INVALID")


async def test_no_interception_in_the_first_week(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    assert ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"] is None


async def test_review_two_days_late_is_force_review(api: httpx.AsyncClient, container, clock) -> None:
    # Review day Sunday (default). Tuesday 2026-06-09 → the week 2026-06-01..06-07 is 2 days overdue.
    _, headers = await _user_at(container, clock, datetime(2026, 6, 9, 10, 0, tzinfo=UTC))
    interception = ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"]
    assert interception == {"type": "force_review", "week_start": "2026-06-01", "week_end": "2026-06-07",
                            "days_overdue": 2}


async def test_review_more_than_three_days_late_archives_the_week(api: httpx.AsyncClient, container, clock) -> None:
    user, headers = await _user_at(container, clock, datetime(2026, 6, 11, 10, 0, tzinfo=UTC))
    interception = ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"]
    assert interception["type"] == "fresh_start" and interception["days_overdue"] == 4
    async with container.db.read() as session:
        rows = list(await session.scalars(select(WeeklyReview).where(WeeklyReview.user_id == user.id)))
    assert [(r.week_start, r.status) for r in rows] == [(date(2026, 6, 1), "archived")]
    assert ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"] is None


async def test_custom_review_weekday_is_used(api: httpx.AsyncClient, container, clock) -> None:
    # Review on Wednesday (2); Thursday 2026-06-11 → the week ending Wed 06-10 is 1 day overdue.
    _, headers = await _user_at(container, clock, datetime(2026, 6, 11, 10, 0, tzinfo=UTC),
                                weekly_review_weekday=2)
    interception = ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"]
    assert interception["type"] == "force_review" and interception["week_end"] == "2026-06-10"


async def test_weekly_analyze_saves_the_review_and_ends_the_interception(api: httpx.AsyncClient, container,
                                                                         clock) -> None:
    _, headers = await _user_at(container, clock, datetime(2026, 6, 9, 10, 0, tzinfo=UTC), locale="en")
    result = ok_result(await api.post("/api/v1/rituals/weekly/analyze", headers=headers,
                                      json={"user_reflection": "Tired but I kept going. Next week: sleep more."}))
    assert result["week_start"] == "2026-06-01" and result["status"] == "done"
    assert result["ai_analysis"]["generated_by"] == "offline" and "Offline" in result["ai_analysis"]["notice"]
    assert "Tired but I kept going." in " ".join(result["ai_analysis"]["suggestions"])
    assert result["gamification_event"]["reason"] == "weekly_review"
    assert ok_result(await api.get("/api/v1/rituals/today", headers=headers))["interception"] is None
    error_of(await api.post("/api/v1/rituals/weekly/analyze", headers=headers, json={"user_reflection": "again"}),
             409, "RITUALS_REVIEW_ALREADY_DONE")


async def test_weekly_analyze_validates_the_reflection(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    for text in ("", "x" * 5001):
        error_of(await api.post("/api/v1/rituals/weekly/analyze", headers=headers, json={"user_reflection": text}),
                 422, "VALIDATION_ERROR")


async def test_weekly_analyze_spends_one_text_unit(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    ok_result(await api.post("/api/v1/rituals/weekly/analyze", headers=headers, json={"user_reflection": "ok"}))
    assert (await container.quotas.usage(user))["text"]["used"] == 1


async def _goal_with_steps(api, headers, steps):
    goal = ok_result(await api.post("/api/v1/goals/batch", headers=headers,
                                    json={"goals": [{"title": "Run a marathon", "horizon": "1y"}]}))["items"][0]
    items = [{"goal_id": goal["id"], **step} for step in steps]
    return goal, ok_result(await api.post("/api/v1/steps/batch", headers=headers, json={"steps": items}))


async def test_plan_suggestion_and_commit(api: httpx.AsyncClient, container, clock) -> None:
    _, headers = await _user_at(container, clock, datetime(2026, 6, 7, 10, 0, tzinfo=UTC))
    _, _steps = await _goal_with_steps(api, headers, [
        {"title": "Q: base mileage", "level": "quarter"},
        {"title": "M: 3 runs a week", "level": "month"},
        {"title": "Y: marathon", "level": "year"},
        {"title": "D: easy 5k", "level": "day", "planned_date": "2026-06-05"},
        {"title": "D: done already", "level": "day", "planned_date": "2026-06-05", "status": "done"},
    ])
    suggested = ok_result(await api.get("/api/v1/rituals/weekly/plan-suggestion", headers=headers))
    assert [s["title"] for s in suggested] == ["Q: base mileage", "M: 3 runs a week", "D: easy 5k"]
    committed = ok_result(await api.post("/api/v1/rituals/weekly/commit", headers=headers,
                                         json={"next_week_step_ids": [s["id"] for s in suggested]}))
    assert [s["planned_date"] for s in committed] == ["2026-06-08", "2026-06-09", "2026-06-10"]
    assert {s["status"] for s in committed} == {"planned"}


async def test_commit_with_foreign_or_unknown_ids_is_404(api: httpx.AsyncClient, container) -> None:
    _, owner_headers = await signed_in(container)
    _, steps = await _goal_with_steps(api, owner_headers, [{"title": "Mine", "level": "month"}])
    _, other_headers = await signed_in(container)
    error_of(await api.post("/api/v1/rituals/weekly/commit", headers=other_headers,
                            json={"next_week_step_ids": [steps[0]["id"]]}), 404, "RITUALS_STEPS_NOT_FOUND")
    error_of(await api.post("/api/v1/rituals/weekly/commit", headers=other_headers, json={"next_week_step_ids": []}),
             422, "VALIDATION_ERROR")


async def test_week_overview_counts_planned_and_done(container, clock) -> None:
    clock.set(datetime(2026, 6, 7, 10, 0, tzinfo=UTC))
    user = await make_user(container)
    await container.rituals.add_entry(user.id, entry_type="morning", answers={}, mood_score=4)
    overview = await container.rituals.week_overview(user.id)
    assert (overview.week_start, overview.week_end) == (date(2026, 6, 1), date(2026, 6, 7))
    assert overview.mood_by_day == {date(2026, 6, 7): 4.0}
