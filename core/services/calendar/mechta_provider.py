"""Mechta's own calendar: events live in our database (and reach other apps through the ICS feed)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from core.clock import Clock
from core.db.engine import Database
from core.db.models.calendar import MECHTA_CALENDAR_ID, CalendarEvent
from core.errors import DomainError, NotFound
from core.repositories.calendar import CalendarRepository
from core.services.calendar.planning import Interval
from core.services.calendar.provider import CalendarInfo, EventInput, EventSaved, SyncResult, apply_changes

MECHTA_CALENDAR_TITLE = "Mechta"


def event_not_found() -> NotFound:
    return NotFound("CALENDAR_EVENT_NOT_FOUND", "Calendar event not found.")


class MechtaCalendarProvider:
    name = "mechta"

    def __init__(self, db: Database, clock: Clock, user_id: uuid.UUID, time_zone: str) -> None:
        self.db = db
        self.clock = clock
        self.user_id = user_id
        self.time_zone = time_zone

    async def list_calendars(self) -> list[CalendarInfo]:
        return [CalendarInfo(id=MECHTA_CALENDAR_ID, summary=MECHTA_CALENDAR_TITLE, primary=True,
                             access_role="owner", time_zone=self.time_zone)]

    async def list_events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        async with self.db.read() as session:
            return await CalendarRepository(session).events_between(self.user_id, self.name, MECHTA_CALENDAR_ID,
                                                                    start, end)

    async def get_event(self, event_id: uuid.UUID) -> CalendarEvent:
        async with self.db.read() as session:
            event = await CalendarRepository(session).event(self.user_id, event_id, source=self.name)
        if event is None:
            raise event_not_found()
        return event

    async def create_event(self, data: EventInput) -> CalendarEvent:
        async with self.db.transaction() as session:
            return self._add(session, data)

    async def create_many(self, inputs: list[EventInput], *,
                          on_saved: EventSaved | None = None) -> list[CalendarEvent | DomainError]:
        """All events and whatever `on_saved` records for them in one transaction: all saved or none."""
        created: list[CalendarEvent | DomainError] = []
        async with self.db.transaction() as session:
            for data in inputs:
                event = self._add(session, data)
                if on_saved is not None:
                    await on_saved(session, data, event)
                created.append(event)
        return created

    def _add(self, session, data: EventInput) -> CalendarEvent:
        event_id = uuid.uuid4()
        event = CalendarEvent(
            id=event_id, user_id=self.user_id, source=self.name, calendar_id=MECHTA_CALENDAR_ID,
            external_id=str(event_id), title=data.title, description=data.description, location=data.location,
            start_at=data.start, end_at=data.end, all_day=data.all_day, busy=not data.all_day, status="confirmed",
            step_id=data.step_id, remote_updated_at=self.clock.now(),
        )
        session.add(event)
        return event

    async def patch_event(self, event_id: uuid.UUID, changes: dict[str, Any]) -> CalendarEvent:
        async with self.db.transaction() as session:
            event = await CalendarRepository(session).event(self.user_id, event_id, source=self.name,
                                                            for_update=True)
            if event is None:
                raise event_not_found()
            apply_changes(event, changes)
            event.remote_updated_at = self.clock.now()
        return event

    async def delete_event(self, event_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            event = await CalendarRepository(session).event(self.user_id, event_id, source=self.name,
                                                            for_update=True)
            if event is None:
                raise event_not_found()
            await session.delete(event)

    async def free_busy(self, start: datetime, end: datetime) -> list[Interval]:
        return [Interval(max(e.start_at, start), min(e.end_at, end))
                for e in await self.list_events(start, end) if e.busy and not e.all_day]

    async def sync(self, *, force_full: bool = False) -> SyncResult:
        async with self.db.read() as session:
            count = await CalendarRepository(session).count_events(self.user_id, self.name)
        return SyncResult(synced_count=count, full_sync=True)
