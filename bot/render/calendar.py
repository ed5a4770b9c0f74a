"""/calendar: where the steps go, the Google connect link, the week plan under review, what was saved and the
week's picture. Texts shared with the scheduler's reminders and the morning prompt are in bot/calendar_texts.py."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date

from bot.calendar_texts import (
    block_line,
    commit_problem,
    day_heading,
    local,
    short_date,
    short_title,
    time_range,
    unplaced_reason,
)
from bot.charts_calendar import ChartBlock, render_week_chart
from bot.keyboards.calendar import calendar_keyboard, plan_keyboard
from bot.render import Screen, format_number
from bot.states import WeekPlanDialog
from core.db.models import CalendarEvent, User
from core.services.calendar.service import CalendarStatus
from core.services.calendar.week_planner import CommitItem

PLAN_NOTES_MAX = 6
# Room left in one message (4096) for the question shown under the plan while a block is moved.
PLAN_TEXT_MAX = 3800


def email_or_dash(value: str | None) -> str:
    return short_title(value, 200) if value else "—"


def calendar_screen(status: CalendarStatus, feed_url: str | None) -> Screen:
    """Where the planned steps go: Google Calendar, or Mechta's own calendar with its private feed link."""
    lines = [_("📅 <b>Calendar</b>"), ""]
    if status.google_connected:
        lines.append(_("Your planned steps go to Google Calendar ({email}). Move or delete a block there and the "
                       "step follows.").format(email=email_or_dash(status.google_email)))
    else:
        lines += [
            _("Your planned steps go to the Mechta calendar. To see them in your calendar app, subscribe to this "
              "private link:"),
            f"<code>{short_title(feed_url or '', 500)}</code>",
            "",
            _("• <b>Apple Calendar</b>: File → New Calendar Subscription (iPhone: Settings → Calendar → Accounts → "
              "Add Account → Other → Add Subscribed Calendar)"),
            _("• <b>Google Calendar</b> (on the web): Other calendars → + → From URL"),
            _("• <b>Outlook</b>: Add calendar → Subscribe from web"),
            "",
            _("Keep the link to yourself: anyone who has it sees your planned blocks."),
        ]
        if status.google_configured:
            lines += ["", _("Prefer Google Calendar? Connect it and the blocks go straight there.")]
    return Screen("\n".join(lines), calendar_keyboard(google_configured=status.google_configured,
                                                      google_connected=status.google_connected))


def connect_link_text(url: str, expires_at: datetime, minutes: int, user: User) -> str:
    return "\n".join([
        _("🔗 <a href=\"{url}\">Connect Google Calendar</a>").format(url=short_title(url, 2000)),
        "",
        _("The link works once and expires in {minutes} min (at {time}). Open it, allow access to your calendar, "
          "and I'll confirm here.").format(minutes=minutes, time=f"{local(expires_at, user.time_zone):%H:%M}"),
    ])


def disconnect_question(status: CalendarStatus) -> str:
    return _("Disconnect Google Calendar ({email})? I'll revoke my access and forget the tokens; the events already "
             "in Google stay there.").format(email=email_or_dash(status.google_email))


def plan_text(dialog: WeekPlanDialog, user: User) -> str:
    """The week's blocks by day, numbered like the plan's buttons, each with why it sits there, then what is
    already there and what didn't fit. A plan too long for one message with its reasons is shown without them."""
    text = _plan_text(dialog, user, reasons=True)
    return text if len(text) <= PLAN_TEXT_MAX else _plan_text(dialog, user, reasons=False)


def _plan_text(dialog: WeekPlanDialog, user: User, *, reasons: bool) -> str:
    monday = dialog.week_start
    lines = [_("🗓 <b>Your week</b> · {start} – {end}").format(
        start=day_heading(monday, user.locale), end=day_heading(monday + timedelta(days=6), user.locale))]
    if dialog.summary:
        lines += ["", *(f"<i>{short_title(line, 240)}</i>" for line in dialog.summary[:2])]
    if dialog.items:
        lines += ["", _("Here is where your steps fit into free time. Move or skip any block, then save them all "
                        "at once.")]
        current_day = None
        for number, item in enumerate(dialog.items, start=1):
            day = local(item.start, user.time_zone).date()
            if day != current_day:
                lines += ["", f"<b>{day_heading(day, user.locale)}</b>"]
                current_day = day
            line = f"{time_range(item.start, item.end, user.time_zone)} · {short_title(item.title)}"
            lines.append(f"{number}. <s>{line}</s>" if item.skip else f"{number}. {line}")
            if reasons and item.reason and not item.skip:
                lines.append(f"    <i>{short_title(item.reason, 200)}</i>")
        if dialog.left_out:
            lines += ["", ngettext("…and {count} more step: plan again after saving these.",
                                   "…and {count} more steps: plan again after saving these.",
                                   dialog.left_out).format(count=format_number(dialog.left_out))]
    if dialog.already:
        lines += ["", _("<b>Already in your calendar</b>")]
        lines += [f"• {block_line(event.start, event.end, event.title, user)}"
                  for event in dialog.already[:PLAN_NOTES_MAX]]
    if dialog.unplaced:
        lines += ["", _("<b>Didn't fit</b>")]
        lines += [f"• {short_title(item.title)} — {unplaced_reason(item.reason)}"
                  for item in dialog.unplaced[:PLAN_NOTES_MAX]]
    if not dialog.items:
        lines += ["", _("There is nothing new to put into the calendar this week.")]
    elif dialog.wording == "offline" and dialog.wording_notice:
        lines += ["", short_title(dialog.wording_notice, 300)]
    elif dialog.wording == "placer":
        lines += ["", _("The AI could not word the plan just now, so these are the planner's own reasons.")]
    return "\n".join(lines)


def plan_screen(dialog: WeekPlanDialog, user: User) -> Screen:
    """The open question of the plan: its blocks with Move / Skip each, Accept all and Cancel."""
    skipped = [item.skip for item in dialog.items]
    return Screen(plan_text(dialog, user), plan_keyboard(dialog.nonce, skipped, can_save=bool(skipped)))


def alternative_label(start: datetime, user: User) -> str:
    at = start.astimezone(ZoneInfo(user.time_zone))
    return f"{day_heading(at.date(), user.locale)} {at:%H:%M}"


def move_question(dialog: WeekPlanDialog, index: int, user: User) -> str:
    question = _("↔️ Where should «{title}» go?").format(title=short_title(dialog.items[index].title))
    return f"{plan_text(dialog, user)}\n\n{question}"


def nothing_today_text(upcoming: list[CalendarEvent], user: User) -> str:
    """Today is free, and these blocks come next (the nearest first)."""
    lines = [_("Nothing in your calendar today."), "",
             ngettext("<b>Coming up</b>: {count} block.", "<b>Coming up</b>: {count} blocks.",
                      len(upcoming)).format(count=len(upcoming))]
    lines += [f"• {block_line(event.start_at, event.end_at, event.title, user)}"
              for event in upcoming[:PLAN_NOTES_MAX]]
    if len(upcoming) > PLAN_NOTES_MAX:
        rest = len(upcoming) - PLAN_NOTES_MAX
        lines.append(ngettext("…and {count} more block in /calendar", "…and {count} more blocks in /calendar",
                              rest).format(count=rest))
    return "\n".join(lines)


def summary_text(results: list[CommitItem], user: User) -> str:
    created = [r for r in results if r.status == "created"]
    kept = [r for r in results if r.status == "already_scheduled"]
    problems = [r for r in results if r.status in ("rejected", "failed")]
    lines = [ngettext("✅ <b>{count} block saved to your calendar</b>",
                      "✅ <b>{count} blocks saved to your calendar</b>", len(created)).format(
        count=format_number(len(created)))]
    lines += [f"• {block_line(r.start, r.end, r.title, user)}" for r in created if r.start and r.end]
    if kept:
        lines += ["", _("<b>Already in your calendar</b>")]
        lines += [f"• {block_line(r.start, r.end, r.title, user)}" for r in kept if r.start and r.end]
    if problems:
        lines += ["", _("⚠️ <b>Not saved</b>")]
        lines += [f"• {short_title(r.title)} — {commit_problem(r.code, r.message)}" for r in problems]
        lines += [_("Plan again to find them another time: /calendar plan")]
    return "\n".join(lines)


async def week_picture(events: list[CalendarEvent], week_start: date, today: date, user: User) -> bytes:
    """The week's timed blocks as a PNG, one column a day, today highlighted (drawn off the event loop)."""
    zone = ZoneInfo(user.time_zone)
    blocks = []
    for event in events:
        if event.all_day or event.status == "cancelled":
            continue
        begins, ends = event.start_at.astimezone(zone), event.end_at.astimezone(zone)
        column = (begins.date() - week_start).days
        if not 0 <= column < 7:
            continue
        end_hour = 24.0 if ends.date() > begins.date() else ends.hour + ends.minute / 60
        blocks.append(ChartBlock(column, begins.hour + begins.minute / 60, end_hour, event.title,
                                 event.step_id is not None))
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    labels = [f"{format_date(day, format='EEE', locale=user.locale)}\n{short_date(day, user.locale)}" for day in days]
    title = _("Week {start} – {end}").format(start=short_date(days[0], user.locale),
                                             end=short_date(days[-1], user.locale))
    return await asyncio.to_thread(render_week_chart, labels, blocks, title=title,
                                   highlight_day=(today - week_start).days if today in days else None)
