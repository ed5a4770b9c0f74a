"""Mechta's own calendar through the REST API: events, free slots, plan-week preview and commit, ICS feed."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from core.db.models import Step
from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps, step_row
from tests.helpers import error_of, ok_result, signed_in

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN).isoformat()


async def create_event(api, headers, title, start, end, status=201):
    response = await api.post("/api/v1/calendar/events", headers=headers,
                              json={"title": title, "start": start, "end": end})
    return ok_result(response, status)


async def test_event_crud_and_another_users_event_is_not_found(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    _, other_headers = await signed_in(container, **BERLIN_FIELDS)
    event = await create_event(api, headers, "Dentist", berlin(1, 10), berlin(1, 11))
    assert event["provider"] == "mechta" and event["start"].startswith("2026-06-01T08:00:00")

    listed = ok_result(await api.get("/api/v1/calendar/events", headers=headers,
                                     params={"start": berlin(1, 0), "end": berlin(8, 0)}))
    assert [e["id"] for e in listed["items"]] == [event["id"]]

    change = ok_result(await api.patch(f"/api/v1/calendar/events/{event['id']}", headers=headers,
                                       json={"title": "Dentist (moved)", "location": "Main st. 1"}))
    assert sorted(change["updated_fields"]) == ["location", "title"]

    error_of(await api.get(f"/api/v1/calendar/events/{event['id']}", headers=other_headers), 404,
             "CALENDAR_EVENT_NOT_FOUND")
    error_of(await api.delete(f"/api/v1/calendar/events/{event['id']}", headers=other_headers), 404,
             "CALENDAR_EVENT_NOT_FOUND")
    ok_result(await api.delete(f"/api/v1/calendar/events/{event['id']}", headers=headers))
    error_of(await api.get(f"/api/v1/calendar/events/{event['id']}", headers=headers), 404,
             "CALENDAR_EVENT_NOT_FOUND")


async def test_bad_event_input_gets_clear_codes(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    error_of(await api.post("/api/v1/calendar/events", headers=headers,
                            json={"title": "x", "start": "2026-06-01T10:00:00", "end": "2026-06-01T11:00:00"}),
             422, "CALENDAR_INVALID_TIME")
    error_of(await api.post("/api/v1/calendar/events", headers=headers,
                            json={"title": "x", "start": berlin(1, 11), "end": berlin(1, 10)}),
             422, "CALENDAR_INVALID_RANGE")
    error_of(await api.post("/api/v1/calendar/events", headers=headers,
                            json={"title": "x" * 501, "start": berlin(1, 10), "end": berlin(1, 11)}),
             422, "VALIDATION_ERROR")
    error_of(await api.get("/api/v1/calendar/events", headers=headers,
                           params={"start": berlin(1, 0), "end": "2026-12-01T00:00:00+00:00"}),
             422, "CALENDAR_INVALID_RANGE")


async def test_bulk_update_reports_each_item(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    first = await create_event(api, headers, "A", berlin(2, 10), berlin(2, 11))
    second = await create_event(api, headers, "B", berlin(2, 12), berlin(2, 13))
    missing = str(uuid.uuid4())
    result = ok_result(await api.patch("/api/v1/calendar/events/bulk", headers=headers, json=[
        {"event_id": first["id"], "update_data": {"title": "A2"}},
        {"event_id": missing, "update_data": {"title": "nope"}},
        {"event_id": second["id"], "update_data": {"start": berlin(2, 14), "end": berlin(2, 15)}},
    ]))
    assert [(i["status"], i["updated_fields"], i["code"]) for i in result["items"]] == [
        ("success", ["title"], None), ("error", [], "CALENDAR_EVENT_NOT_FOUND"),
        ("success", ["start", "end"], None)]


async def test_free_slots_avoid_events_with_a_buffer(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    await create_event(api, headers, "Meeting", berlin(1, 9), berlin(1, 12))
    slots = ok_result(await api.get("/api/v1/calendar/free-slots", headers=headers,
                                    params={"start": berlin(1, 0), "end": berlin(2, 0)}))
    assert slots["time_zone"] == "Europe/Berlin"
    local = [(datetime.fromisoformat(s["start"]).astimezone(BERLIN).strftime("%H:%M"),
              datetime.fromisoformat(s["end"]).astimezone(BERLIN).strftime("%H:%M")) for s in slots["items"]]
    assert local == [("12:10", "18:00"), ("19:00", "21:00")]


async def test_plan_week_preview_then_commit_writes_blocks_once_and_dates_the_steps(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    await create_event(api, headers, "Work meeting", berlin(1, 9), berlin(1, 18))
    steps = await add_steps(container, user, ("Long run", 60, 1, MONDAY), ("Buy shoes", 30, 2, None),
                            ("Stretching", 20, 3, MONDAY + timedelta(days=2)))
    # `Buy shoes` has no date, so it is not one of the week's steps unless asked for.
    preview = ok_result(await api.post("/api/v1/calendar/plan-week/preview", headers=headers, json={}))
    assert {i["title"] for i in preview["items"]} == {"Long run", "Stretching"}
    run = next(i for i in preview["items"] if i["title"] == "Long run")
    assert datetime.fromisoformat(run["start"]).astimezone(BERLIN) == datetime(2026, 6, 1, 19, 0, tzinfo=BERLIN)

    again = ok_result(await api.post("/api/v1/calendar/plan-week/preview", headers=headers, json={}))
    assert again["items"] == preview["items"]

    committed = ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={}))
    assert committed["created"] == 2
    events = ok_result(await api.get("/api/v1/calendar/events", headers=headers,
                                     params={"start": berlin(1, 0), "end": berlin(8, 0)}))["items"]
    assert sorted(str(e["step_id"]) for e in events if e["step_id"]) == sorted(
        [str(steps[0].id), str(steps[2].id)])

    twice = ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={}))
    assert twice["created"] == 0
    assert {i["status"] for i in twice["items"]} == {"already_scheduled"}


async def test_commit_rejects_a_block_moved_into_busy_time(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    await create_event(api, headers, "Work meeting", berlin(2, 9), berlin(2, 12))
    step, other = await add_steps(container, user, ("Read", 30, 2, MONDAY + timedelta(days=1)),
                                  ("Write", 30, 2, MONDAY + timedelta(days=1)))
    result = ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={"items": [
        {"step_id": str(step.id), "start": berlin(2, 10), "end": berlin(2, 10, 30)},
        {"step_id": str(other.id), "start": berlin(2, 13), "end": berlin(2, 13, 30)},
    ]}))
    assert [(i["status"], i["code"]) for i in result["items"]] == [
        ("rejected", "CALENDAR_SLOT_NOT_FREE"), ("created", None)]
    assert (await step_row(container, other.id)).planned_date == date(2026, 6, 2)
    error_of(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={"items": [
        {"step_id": str(uuid.uuid4()), "start": berlin(2, 13), "end": berlin(2, 13, 30)}]}),
        404, "CALENDAR_STEP_NOT_FOUND")


async def test_alternatives_offer_free_times_the_commit_accepts_and_skip_full_days(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    run, swim = await add_steps(container, user, ("Long run", 60, 1, MONDAY),
                                ("Swim", 120, 2, MONDAY + timedelta(days=1)))
    ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={"items": [
        {"step_id": str(swim.id), "start": berlin(2, 9), "end": berlin(2, 11)}]}))
    preview = ok_result(await api.post("/api/v1/calendar/plan-week/preview", headers=headers, json={}))
    items = [{"step_id": i["step_id"], "start": i["start"], "end": i["end"]} for i in preview["items"]]

    offer = ok_result(await api.post("/api/v1/calendar/plan-week/alternatives", headers=headers,
                                     json={"items": items, "step_id": str(run.id)}))

    starts = [datetime.fromisoformat(i["start"]).astimezone(BERLIN) for i in offer["items"]]
    # Tuesday already holds the daily limit of planned steps (the swim), so it is passed over.
    assert starts == [datetime(2026, 6, day, hour, tzinfo=BERLIN) for day, hour in ((1, 19), (3, 9), (3, 19))]
    assert {i["duration_minutes"] for i in offer["items"]} == {60}
    moved = {**items[0], "start": offer["items"][0]["start"], "end": offer["items"][0]["end"]}
    committed = ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers,
                                         json={"items": [moved]}))
    assert [i["status"] for i in committed["items"]] == ["created"]


async def test_alternatives_need_the_block_in_the_plan(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    (run,) = await add_steps(container, user, ("Long run", 60, 1, MONDAY))
    block = {"step_id": str(run.id), "start": berlin(1, 9), "end": berlin(1, 10)}

    missing = await api.post("/api/v1/calendar/plan-week/alternatives", headers=headers,
                             json={"items": [block], "step_id": str(uuid.uuid4())})
    doubled = await api.post("/api/v1/calendar/plan-week/alternatives", headers=headers,
                             json={"items": [block, block], "step_id": str(run.id)})

    assert error_of(missing, 422, "VALIDATION_ERROR")["fields"] == {"step_id": ["Not one of the plan's blocks"]}
    error_of(doubled, 422, "CALENDAR_DUPLICATE_STEP")


async def test_moving_a_block_to_another_day_moves_its_step(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    (step,) = await add_steps(container, user, ("Swim", 45, 1, MONDAY))
    ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={}))
    block = ok_result(await api.get("/api/v1/calendar/today", headers=headers))["items"][0]
    assert block["step_id"] == str(step.id)
    ok_result(await api.patch(f"/api/v1/calendar/events/{block['id']}", headers=headers,
                              json={"start": berlin(4, 19), "end": berlin(4, 19, 45)}))
    assert (await step_row(container, step.id)).planned_date == date(2026, 6, 4)


async def test_ics_feed_parses_back_and_shows_only_its_owners_events(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    _, other_headers = await signed_in(container, **BERLIN_FIELDS)
    mine = await create_event(api, headers, "Mine; with, commas", berlin(3, 10), berlin(3, 11))
    theirs = await create_event(api, other_headers, "Theirs", berlin(3, 10), berlin(3, 11))
    url = ok_result(await api.get("/api/v1/calendar/feed", headers=headers))["url"]
    assert url == ok_result(await api.get("/api/v1/calendar/feed", headers=headers))["url"]
    path = url[url.index("/api/v1/"):]

    response = await api.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{mine['id']}@mechta"]
    assert str(events[0]["SUMMARY"]) == "Mine; with, commas"
    assert events[0]["DTSTART"].dt == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
    assert b"DTSTART:20260603T080000Z" in response.content and b"DTSTAMP:" in response.content
    assert theirs["id"] not in response.text

    rotated = ok_result(await api.post("/api/v1/calendar/feed/rotate", headers=headers))["url"]
    assert rotated != url
    error_of(await api.get(path), 404, "CALENDAR_FEED_NOT_FOUND")
    error_of(await api.get("/api/v1/calendar/feed/not-a-token.ics"), 404, "CALENDAR_FEED_NOT_FOUND")


async def test_status_and_cache_stats_for_the_mechta_calendar(api, container, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    await create_event(api, headers, "A", berlin(2, 10), berlin(2, 11))
    status = ok_result(await api.get("/api/v1/calendar/status", headers=headers))
    assert status["provider"] == "mechta" and status["google_connected"] is False
    stats = ok_result(await api.get("/api/v1/calendar/cache/stats", headers=headers))
    assert stats["provider"] == "mechta" and stats["cached_events"] == 1 and stats["last_sync"] is None
    calendars = ok_result(await api.get("/api/v1/calendar/calendars", headers=headers))
    assert calendars["count"] == 1 and calendars["calendars"][0]["primary"] is True
    error_of(await api.post("/api/v1/google/connect-link", headers=headers), 409, "GOOGLE_NOT_CONFIGURED")


async def test_analyze_and_plan_goal_offline_keep_the_placers_times(api, container, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    await create_event(api, headers, "Work", berlin(1, 9), berlin(1, 18))
    steps = await add_steps(container, user, ("Long run", 60, 1, MONDAY), ("Stretch", 20, 2, None))
    preview = ok_result(await api.post("/api/v1/calendar/plan-week/preview", headers=headers, json={}))

    analysis = ok_result(await api.post("/api/v1/calendar/analyze", headers=headers, json={"days": 7}))
    assert analysis["generated_by"] == "offline" and analysis["analysis"]
    assert 1 <= analysis["productivity_score"] <= 10
    assert [(c["step_id"], c["start_time"]) for c in analysis["schedule_changes"]] == [
        (i["step_id"], i["start"]) for i in preview["items"]]

    async with container.db.read() as session:
        goal_id = (await session.get(Step, steps[0].id)).goal_id
    plan = ok_result(await api.post("/api/v1/calendar/plan-goal", headers=headers,
                                    json={"goal_id": str(goal_id), "context": "evenings"}))
    assert {e["title"] for e in plan["suggested_events"]} == {"Long run", "Stretch"}
    assert plan["frequency"]
    error_of(await api.post("/api/v1/calendar/plan-goal", headers=headers, json={"goal_id": str(uuid.uuid4())}),
             404, "GOAL_NOT_FOUND")
    error_of(await api.post("/api/v1/calendar/analyze", headers=headers, json={"days": 31}), 422, "VALIDATION_ERROR")
