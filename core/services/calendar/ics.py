"""The ICS feed (RFC 5545) of a user's calendar, for Apple/Google/Outlook subscriptions. Built with `icalendar`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from core.db.models.calendar import CalendarEvent

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Mechta//Calendar feed 1.0//EN"
UID_DOMAIN = "mechta"
# Subscribed calendars re-read the feed at most this often (a hint some apps honour).
REFRESH_INTERVAL = timedelta(hours=1)


def build_feed(events: Iterable[CalendarEvent], *, calendar_name: str, time_zone: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", time_zone)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    stamp = now.astimezone(UTC)
    for item in events:
        event = Event()
        event.add("uid", f"{item.id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        if item.all_day:
            event.add("dtstart", item.start_at.date())
            event.add("dtend", item.end_at.date())
        else:
            event.add("dtstart", item.start_at.astimezone(UTC))
            event.add("dtend", item.end_at.astimezone(UTC))
        event.add("summary", item.title or "—")
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        event.add("last-modified", (item.remote_updated_at or item.updated_at).astimezone(UTC))
        event.add("status", "TENTATIVE" if item.status == "tentative" else "CONFIRMED")
        event.add("transp", "OPAQUE" if item.busy else "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
