"""The ICS feed (RFC 5545) of a user's calendar, for Apple/Google/Outlook subscriptions. Built with `icalendar`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from core.db.models.calendar import CalendarEvent

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
# One product name per language: the feed speaks the language of the person it belongs to.
PRODUCT_NAME = {"ru": "Мечта", "en": "Mechta"}
PRODID = {"ru": "-//Mechta//Календарь «Мечты» 1.0//RU", "en": "-//Mechta//Mechta calendar feed 1.0//EN"}
# The description of a block planned for a step (written into Google too); a feed shows it in its own language,
# whichever language the block was planned in.
PLANNED_BY = {"ru": "Запланировано в «Мечте»", "en": "Planned by Mechta"}
UID_DOMAIN = "mechta"
# Subscribed calendars re-read the feed at most this often (a hint some apps honour).
REFRESH_INTERVAL = timedelta(hours=1)


def feed_locale(locale: str | None) -> str:
    return locale if locale in PRODUCT_NAME else "en"


def build_feed(events: Iterable[CalendarEvent], *, locale: str | None, time_zone: str, now: datetime) -> bytes:
    from icalendar import Calendar, Event  # only feeds need it: kept out of every process's start-up

    locale = feed_locale(locale)
    known_descriptions = set(PLANNED_BY.values())
    calendar = Calendar()
    calendar.add("prodid", PRODID[locale])
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", PRODUCT_NAME[locale])
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
            event.add("description", PLANNED_BY[locale] if item.description in known_descriptions
                      else item.description)
        if item.location:
            event.add("location", item.location)
        event.add("last-modified", (item.remote_updated_at or item.updated_at).astimezone(UTC))
        event.add("status", "TENTATIVE" if item.status == "tentative" else "CONFIRMED")
        event.add("transp", "OPAQUE" if item.busy else "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
