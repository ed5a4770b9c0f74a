"""The ritual dialogs' screens: the questions after a score, the rituals done, and the weekly review (the week in
numbers, the AI's reading of it, next week's plan). The prompts themselves are in bot/rituals/render.py, because
the scheduler sends them too."""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.render import format_number
from bot.rituals.texts import day_label, gamification_lines, short_day, steps_done_line
from core.db.models import Step
from core.services.gamification import GamificationEvent
from core.services.rituals import WeekOverview


def intention_question() -> str:
    return _("🎯 <b>One intention for today</b>: what matters most to you today? One sentence is enough.")


def reflection_question() -> str:
    return _("🌙 <b>One question to close the day</b>: what are you taking from today — a joy, a lesson, a "
             "thank-you?")


def morning_done(event: GamificationEvent | None, streak_days: int, locale: str) -> str:
    return "\n".join([_("🌅 <b>Morning ritual done.</b> Have a good day — your steps are in /today."), "",
                      *gamification_lines(event, locale, streak_days=streak_days)])


def evening_done(event: GamificationEvent | None, streak_days: int, locale: str) -> str:
    return "\n".join([_("🌙 <b>Evening ritual done.</b> Thank you for the day — sleep well."), "",
                      *gamification_lines(event, locale, streak_days=streak_days)])


def week_heading(overview: WeekOverview, locale: str) -> str:
    return _("📝 <b>Weekly review</b> · {start} – {end}").format(start=day_label(overview.week_start, locale),
                                                            end=day_label(overview.week_end, locale))


def nothing_to_review_yet(overview: WeekOverview, locale: str) -> str:
    return "\n\n".join([week_heading(overview, locale), _(
        "You joined Mechta after this week, so there is nothing to look back on yet. Your first review comes next "
        "week; for now, plan the week ahead.")])


def week_summary(overview: WeekOverview, locale: str) -> str:
    mornings = sum(1 for entry in overview.entries if entry.type == "morning")
    evenings = sum(1 for entry in overview.entries if entry.type == "evening")
    lines = [
        week_heading(overview, locale),
        "",
        " · ".join([
            ngettext("🌅 {count} morning ritual", "🌅 {count} morning rituals", mornings).format(
                count=format_number(mornings)),
            ngettext("🌙 {count} evening ritual", "🌙 {count} evening rituals", evenings).format(
                count=format_number(evenings)),
        ]),
        steps_done_line(len(overview.steps_done), len(overview.steps_planned)),
    ]
    moods = overview.mood_by_day
    if moods:
        average = sum(moods.values()) / len(moods)
        lines.append(_("😊 Average mood: {value}").format(value=format_number(round(average, 1), locale)))
    if overview.steps_done:
        lines += ["", _("<b>Done this week</b>")] + [f"✅ {escape(step.title)}" for step in overview.steps_done[:10]]
    return "\n".join(lines)


def no_scores_note() -> str:
    return _("No mood or energy scores this week — the morning and evening rituals add them.")


def review_question() -> str:
    return _("✍️ <b>Your reflection</b>: how did the week go? What worked, what got in the way? A few sentences.")


def analysis_title() -> str:
    return _("🧭 <b>Your week, summed up</b>")


def analysis_text(analysis: dict, event_lines: list[str]) -> str:
    blocks = [analysis_title(), escape(str(analysis.get("summary") or ""))]
    for title, key in ((_("<b>Wins</b>"), "wins"), (_("<b>Challenges</b>"), "challenges"),
                       (_("<b>For next week</b>"), "suggestions")):
        items = [escape(str(item)) for item in analysis.get(key) or []]
        if items:
            blocks.append("\n".join([title, *(f"• {item}" for item in items)]))
    if analysis.get("notice"):
        blocks.append(f"<i>{escape(str(analysis['notice']))}</i>")
    if event_lines:
        blocks.append("\n".join(event_lines))
    return "\n\n".join(block for block in blocks if block)


def plan_offer() -> str:
    return _("📅 <b>Next week</b>: tap the steps to take on, then plan them. I'll spread them over the coming seven "
             "days.")


def next_week_text(steps: list[Step], locale: str) -> str:
    lines = [_("📅 <b>Next week's plan</b>"), ""]
    for step in sorted(steps, key=lambda s: (s.planned_date or date.max, s.title)):
        lines.append(f"{short_day(step.planned_date, locale)} — {escape(step.title)}")
    lines += ["", _("Good work. Put these steps into your calendar now?")]
    return "\n".join(lines)
