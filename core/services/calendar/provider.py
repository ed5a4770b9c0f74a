"""The one interface planning talks to. Mechta's own calendar and Google Calendar both implement it, so the bot
and the planner never know which one is behind a user."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models.calendar import CalendarEvent
from core.errors import DomainError
from core.services.calendar.planning import Interval


@dataclass(frozen=True)
class CalendarInfo:
    id: str
    summary: str
    primary: bool
    access_role: str
    time_zone: str | None = None
    description: str | None = None
    selected: bool = True


@dataclass(frozen=True)
class EventInput:
    title: str
    start: datetime
    end: datetime
    description: str = ""
    location: str = ""
    all_day: bool = False
    step_id: uuid.UUID | None = None
    time_zone: str | None = None


# Called for each event a bulk create saved, inside a database transaction (see `CalendarProvider.create_many`).
EventSaved = Callable[[AsyncSession, EventInput, CalendarEvent], Awaitable[object]]

# Fields a change may carry; a missing key means "leave as is".
EVENT_CHANGE_FIELDS = ("title", "description", "location", "start", "end", "all_day")


@dataclass(frozen=True)
class SyncResult:
    synced_count: int
    full_sync: bool
    changed_step_blocks: int = 0


@dataclass
class BulkItemResult:
    event_id: str
    status: str  # "success" | "error"
    updated_fields: list[str] = field(default_factory=list)
    code: str | None = None
    message: str = ""
    event: CalendarEvent | None = None


class CalendarProvider(Protocol):
    """All times are aware UTC datetimes. Event ids are Mechta's own (CalendarEvent.id) for both providers."""

    name: str

    async def list_calendars(self) -> list[CalendarInfo]: ...

    async def list_events(self, start: datetime, end: datetime) -> list[CalendarEvent]: ...

    async def get_event(self, event_id: uuid.UUID) -> CalendarEvent: ...

    async def create_event(self, data: EventInput) -> CalendarEvent: ...

    async def create_many(self, inputs: list[EventInput], *,
                          on_saved: EventSaved | None = None) -> list[CalendarEvent | DomainError]:
        """Create several events; each item ends as its event or as its error. `on_saved` runs for every saved
        event in a transaction: the one that stores the events when they live only in our database (so all of it
        is saved or none), or one right after the remote writes when another calendar holds them."""
        ...

    async def patch_event(self, event_id: uuid.UUID, changes: dict[str, Any]) -> CalendarEvent: ...

    async def delete_event(self, event_id: uuid.UUID) -> None: ...

    async def free_busy(self, start: datetime, end: datetime) -> list[Interval]: ...

    async def sync(self, *, force_full: bool = False) -> SyncResult: ...


def apply_changes(event: CalendarEvent, changes: dict[str, Any]) -> list[str]:
    """Copy validated changes onto a stored event; returns the names that actually changed."""
    columns = {"title": "title", "description": "description", "location": "location", "start": "start_at",
               "end": "end_at", "all_day": "all_day"}
    changed = []
    for name, value in changes.items():
        column = columns[name]
        if getattr(event, column) != value:
            setattr(event, column, value)
            changed.append(name)
    if "all_day" in changed:
        event.busy = not event.all_day
    return changed
