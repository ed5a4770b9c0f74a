"""Calendar texts shared by /calendar, the scheduler's reminders and notifications, and the morning prompt.
Every function expects the bot's i18n context with the user's locale (the scheduler opens one per user)."""
from __future__ import annotations

import logging
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date, format_skeleton

from bot.i18n import N_
from bot.render import format_number
from core.bootstrap import Container
from core.db.models import User
from core.db.models.calendar import CalendarNotification
from core.errors import DomainError

log = logging.getLogger("mechta.bot.calendar")

TODAY_BLOCKS_MAX = 12
TITLE_SHORT = 60

UNPLACED_REASONS = {
    "no_free_slot": N_("no free time left this week"),
    "over_daily_cap": N_("longer than your daily limit for planned steps"),
}
COMMIT_PROBLEMS = {
    "CALENDAR_SLOT_NOT_FREE": N_("that time is no longer free"),
    "CALENDAR_SLOT_OVERLAPS_BLOCK": N_("it overlaps another block of the plan"),
    "CALENDAR_SLOT_OVER_DAILY_CAP": N_("that day already has as much planned as your daily limit allows"),
    "CALENDAR_SLOT_INVALID_RANGE": N_("the block must end after it starts"),
}


def short_title(title: str, limit: int = TITLE_SHORT) -> str:
    """A title for list lines, escaped for HTML; long ones end with an ellipsis."""
    title = " ".join(title.split())
    return escape(title if len(title) <= limit else title[: limit - 1].rstrip() + "…")


def local(moment: datetime, time_zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(time_zone))


def day_heading(day: date, locale: str) -> str:
    """`Mon, 6/1` / `пн, 01.06`: the weekday and the day as the language writes them (babel)."""
    return format_skeleton("MEd", day, locale=locale)


def short_date(day: date, locale: str) -> str:
    """`6/1` / `01.06`."""
    return format_skeleton("Md", day, locale=locale)


def time_range(start: datetime, end: datetime, time_zone: str) -> str:
    return f"{local(start, time_zone):%H:%M}–{local(end, time_zone):%H:%M}"


def moment_label(moment: datetime, time_zone: str, locale: str) -> str:
    """`Tue 14:00` in the user's zone."""
    at = local(moment, time_zone)
    return f"{format_date(at.date(), format='EEE', locale=locale)} {at:%H:%M}"


def block_line(start: datetime, end: datetime, title: str, user: User) -> str:
    """`Mon 01.06 09:00–09:45 · Step title`."""
    return (f"{day_heading(local(start, user.time_zone).date(), user.locale)} "
            f"{time_range(start, end, user.time_zone)} · {short_title(title)}")


def unplaced_reason(reason: str) -> str:
    return _(UNPLACED_REASONS[reason]) if reason in UNPLACED_REASONS else reason


def commit_problem(code: str | None, message: str) -> str:
    if code in COMMIT_PROBLEMS:
        return _(COMMIT_PROBLEMS[code])
    return _("the calendar did not save it; please try again")


async def today_blocks_text(container: Container, user: User) -> str | None:
    """Today's calendar for the morning prompt: planned steps and other events with their times, or None when
    the day is free or the calendar cannot be read right now (the prompt then goes out without it)."""
    try:
        events = await container.calendar.today_blocks(user)
    except DomainError as error:
        log.info("no calendar for the morning prompt of user %s: %s", user.id, error)
        return None
    events = [event for event in events if event.status != "cancelled"]
    if not events:
        return None
    lines = [_("📅 <b>Today in your calendar</b>")]
    for event in events[:TODAY_BLOCKS_MAX]:
        when = _("all day") if event.all_day else time_range(event.start_at, event.end_at, user.time_zone)
        icon = "🎯" if event.step_id is not None else "▪️"
        lines.append(f"{icon} {when} · {short_title(event.title)}")
    if len(events) > TODAY_BLOCKS_MAX:
        more = len(events) - TODAY_BLOCKS_MAX
        lines.append(ngettext("…and {count} more block in /calendar", "…and {count} more blocks in /calendar",
                              more).format(count=format_number(more)))
    return "\n".join(lines)


def reminder_text(title: str, start: datetime, end: datetime, user: User) -> str:
    return _("⏰ Time for «{title}» ({time})").format(title=short_title(title, 200),
                                                      time=time_range(start, end, user.time_zone))


def snoozed_reminder_text(title: str) -> str:
    return _("⏰ Again: time for «{title}»").format(title=short_title(title, 200))


def notification_text(notification: CalendarNotification, user: User) -> str | None:
    """What a calendar notification says in the chat; None for a kind the bot does not know (it is dropped)."""
    payload = notification.payload or {}
    title = short_title(str(payload.get("title") or ""), 200)
    if notification.kind == "google_connected":
        email = payload.get("google_email")
        if email:
            return _("Google Calendar connected ✅ ({email}). Planned steps will go there — try "
                     "/calendar → Plan my week.").format(email=escape(str(email)))
        return _("Google Calendar connected ✅. Planned steps will go there — try /calendar → Plan my week.")
    if notification.kind == "google_access_lost":
        return _("⚠️ Google Calendar no longer lets me in — access was revoked or expired. "
                 "Reconnect it in /calendar; until then your blocks are not updated.")
    if notification.kind == "step_moved":
        when = moment_label(datetime.fromisoformat(payload["new_start"]), user.time_zone, user.locale)
        return _("📅 You moved «{title}» to {when} — the step follows.").format(title=title, when=when)
    if notification.kind == "step_skipped":
        return _("📅 You deleted «{title}» in your calendar — the step is marked skipped.").format(title=title)
    if notification.kind == "block_kept":
        when = moment_label(datetime.fromisoformat(payload["start"]), user.time_zone, user.locale)
        day = day_heading(date.fromisoformat(payload["planned_date"]), user.locale)
        return _("📅 «{title}» is now planned for {day}, but the same time that day is taken, so its calendar "
                 "block stays at {when}. Move the block in your calendar if you like.").format(
            title=title, day=day, when=when)
    return None
