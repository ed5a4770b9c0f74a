"""Texts shared by the goals, day and ritual screens: labels of levels and horizons, dates, XP lines."""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date

from bot.i18n import N_
from bot.render import format_number
from core.services.gamification import ACHIEVEMENTS, GamificationEvent
from core.services.rituals import Interception

LEVEL_TITLES = {
    "year": N_("Year"),
    "quarter": N_("Quarter"),
    "month": N_("Month"),
    "week": N_("Week"),
    "day": N_("Day"),
}
HORIZON_TITLES = {
    "3m": N_("3 months"),
    "1y": N_("1 year"),
    "3y": N_("3 years"),
    "5y": N_("5 years"),
}
STEP_ICONS = {"planned": "▫️", "in_progress": "🔸", "done": "✅", "skipped": "⏭"}
GOAL_ICONS = {"active": "🎯", "done": "🏁", "dropped": "✖️"}
ACHIEVEMENTS_BY_CODE = {achievement.code: achievement for achievement in ACHIEVEMENTS}


def level_title(level: str) -> str:
    return _(LEVEL_TITLES[level]) if level in LEVEL_TITLES else level


def horizon_title(horizon: str) -> str:
    return _(HORIZON_TITLES[horizon]) if horizon in HORIZON_TITLES else horizon


def day_label(day: date, locale: str) -> str:
    """`Thu, 26 Nov` / `чт, 26 нояб.`"""
    return format_date(day, format="EEE, d MMM", locale=locale)


def weekday_label(day: date, locale: str) -> str:
    return format_date(day, format="EEE", locale=locale)


def short_day(day: date, locale: str) -> str:
    return format_date(day, format="d MMM", locale=locale)


def gamification_lines(event: GamificationEvent | None, locale: str, *, streak_days: int | None = None) -> list[str]:
    lines: list[str] = []
    if event is not None:
        lines.append(_("✨ +{xp} XP · {total} XP in total").format(xp=format_number(event.xp),
                                                                   total=format_number(event.total_xp)))
        if event.level_up:
            lines.append(_("🎉 New level: {level}!").format(level=event.level))
        for code in event.new_achievements:
            achievement = ACHIEVEMENTS_BY_CODE.get(code)
            if achievement is not None:
                lines.append(_("🏅 New achievement: {title}").format(title=escape(achievement.title(locale))))
    if streak_days is not None:
        lines.append(streak_line(streak_days))
    return lines


def streak_line(days: int) -> str:
    return ngettext("🔥 {days} day in a row", "🔥 {days} days in a row", days).format(days=format_number(days))


def steps_done_line(done: int, planned: int) -> str:
    """The week's steps: "3 of 5 steps done", or that none were planned (never "0 of 0")."""
    if not planned:
        return _("✅ No steps were planned for the week")
    return ngettext("✅ {done} of {planned} steps done", "✅ {done} of {planned} steps done", done).format(
        done=format_number(done), planned=format_number(planned))


def xp_toast(event: GamificationEvent | None, done_text: str) -> str:
    """A callback answer (≤ 200 characters, no HTML): what happened and the XP it paid."""
    if event is None:
        return done_text
    text = f"{done_text} " + _("+{xp} XP").format(xp=format_number(event.xp))
    if event.level_up:
        text += " · " + _("🎉 New level: {level}!").format(level=event.level)
    return text


def interception_text(interception: Interception, locale: str) -> str:
    if interception.type == "force_review":
        return _("📝 Last week's review is still waiting ({start} – {end}). It takes a few minutes — let's do it "
                 "before the week runs away: /review").format(start=short_day(interception.week_start, locale),
                                                               end=short_day(interception.week_end, locale))
    return fresh_start_text()


def fresh_start_text() -> str:
    return _("🌱 <b>A new week, a fresh start.</b> Last week's review slipped by — that's okay, I've put it "
             "away. Let's begin this week lightly, one small step at a time.")


def outdated_text() -> str:
    return _("This menu is outdated — please use the latest message.")


def already_done_text() -> str:
    return _("This ritual is already done for that day — see you at the next one!")
