"""What a calendar request may ask for: aware times, ranges of bounded length, events with sane spans and texts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.db.models.calendar import CalendarEvent
from core.errors import Unprocessable
from core.services.calendar.provider import EVENT_CHANGE_FIELDS, EventInput

TITLE_MAX = 500
DESCRIPTION_MAX = 5000
LOCATION_MAX = 500
MAX_RANGE_DAYS = 62
MAX_EVENT_DAYS = 14


def aware(value: datetime, field_name: str) -> datetime:
    if value.tzinfo is None:
        raise Unprocessable("CALENDAR_INVALID_TIME", "Give times with a UTC offset, e.g. 2026-01-15T10:00:00+03:00.",
                            fields={field_name: ["A time zone offset is required"]})
    return value.astimezone(UTC)


def check_range(start: datetime, end: datetime, *, max_days: int = MAX_RANGE_DAYS) -> tuple[datetime, datetime]:
    start, end = aware(start, "start"), aware(end, "end")
    if end <= start:
        raise Unprocessable("CALENDAR_INVALID_RANGE", "The end must be after the start.",
                            fields={"end": ["Must be after start"]})
    if end - start > timedelta(days=max_days):
        raise Unprocessable("CALENDAR_INVALID_RANGE", f"Ask for at most {max_days} days at once.",
                            fields={"end": [f"At most {max_days} days after start"]})
    return start, end


def clean_text(value: Any, limit: int, name: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Unprocessable(fields={name: ["Must not be empty"]})
    if len(text) > limit:
        raise Unprocessable(fields={name: [f"At most {limit} characters"]})
    return text


def clean_event_input(data: dict[str, Any]) -> EventInput:
    start, end = aware(data["start"], "start"), aware(data["end"], "end")
    _check_event_span(start, end)
    return EventInput(
        title=clean_text(data.get("title"), TITLE_MAX, "title", required=True),
        description=clean_text(data.get("description"), DESCRIPTION_MAX, "description"),
        location=clean_text(data.get("location"), LOCATION_MAX, "location"),
        start=start, end=end, all_day=bool(data.get("all_day", False)),
    )


def clean_event_changes(data: dict[str, Any], current: CalendarEvent | None = None) -> dict[str, Any]:
    unknown = set(data) - set(EVENT_CHANGE_FIELDS)
    if unknown:
        raise Unprocessable(fields={name: ["This field cannot be changed"] for name in sorted(unknown)})
    changes: dict[str, Any] = {}
    for name, limit, required in (("title", TITLE_MAX, True), ("description", DESCRIPTION_MAX, False),
                                  ("location", LOCATION_MAX, False)):
        if name in data:
            changes[name] = clean_text(data[name], limit, name, required=required)
    for name in ("start", "end"):
        if name in data:
            if data[name] is None:
                raise Unprocessable(fields={name: ["Must not be null"]})
            changes[name] = aware(data[name], name)
    if "all_day" in data:
        changes["all_day"] = bool(data["all_day"])
    if current is not None and ("start" in changes or "end" in changes):
        _check_event_span(changes.get("start", current.start_at), changes.get("end", current.end_at))
    return changes


def _check_event_span(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Unprocessable("CALENDAR_INVALID_RANGE", "An event must end after it starts.",
                            fields={"end": ["Must be after start"]})
    if end - start > timedelta(days=MAX_EVENT_DAYS):
        raise Unprocessable("CALENDAR_INVALID_RANGE", f"An event can last at most {MAX_EVENT_DAYS} days.",
                            fields={"end": [f"At most {MAX_EVENT_DAYS} days after start"]})
