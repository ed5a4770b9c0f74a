"""Ritual prompts — morning, evening, weekly — as (HTML text, buttons), from the user's data of that local day.

The scheduler sends them (`render_ritual_prompt`, bound to the container: see scheduler/__main__.py), and /morning,
/evening and the evening step buttons show the same screens (`build_prompt`, inside the bot's i18n context).
"""
from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.calendar_texts import today_blocks_text
from bot.i18n import create_i18n
from bot.keyboards.rituals import evening_keyboard, morning_keyboard, short, weekly_keyboard
from bot.render import format_number, percent
from bot.rituals.texts import day_label, interception_text, steps_done_line
from core.bootstrap import Container
from core.db.models import Step, User
from core.db.models.goals import StepStatus
from core.errors import DomainError
from core.services.esoterics import DailyEnergy

log = logging.getLogger("mechta.bot.rituals")

PROMPT_STEPS_MAX = 10
# A scheduled prompt is one message: bounded step titles keep it far below Telegram's 4096 characters.
PROMPT_TITLE_CHARS = 150
KINDS = ("morning", "evening", "weekly")


@lru_cache(maxsize=1)
def _default_i18n() -> I18n:
    return create_i18n()


async def render_ritual_prompt(container: Container, user: User, kind: str, local_date: date,
                               *, i18n: I18n | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """The scheduler's renderer: the prompt in the user's language, with Snooze and Skip-today buttons."""
    i18n = i18n or _default_i18n()
    with i18n.context(), i18n.use_locale(user.locale):
        return await build_prompt(container, user, kind, local_date, scheduled=True)


async def build_prompt(container: Container, user: User, kind: str, day: date,
                       *, scheduled: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    if kind not in KINDS:
        raise ValueError(f"unknown ritual prompt kind {kind!r}")
    if kind == "morning":
        return await _morning(container, user, day, scheduled)
    if kind == "evening":
        return await _evening(container, user, day, scheduled)
    return await _weekly(container, user, day, scheduled)


async def steps_on(container: Container, user: User, day: date) -> list[Step]:
    """Steps planned for the user's local `day` (every status), the order the list screens use."""
    if day == container.clock.local_today(user.time_zone):
        steps = await container.steps.today_steps(user.id, include_finished=True)
    else:
        steps = [step for step in await container.steps.list(user.id) if step.planned_date == day]
    return in_screen_order(steps)


def in_screen_order(steps: list[Step]) -> list[Step]:
    """Numbers on the screens stay put while buttons change statuses: important first, then as planned."""
    return sorted(steps, key=lambda step: (step.priority, step.created_at, step.title))


def _hello(user: User, morning: bool) -> str:
    name = escape(user.first_name or user.name or "")
    if morning:
        return _("🌅 <b>Good morning, {name}!</b>").format(name=name) if name else _("🌅 <b>Good morning!</b>")
    return _("🌙 <b>Good evening, {name}!</b>").format(name=name) if name else _("🌙 <b>Good evening!</b>")


async def _energy(container: Container, user: User, day: date) -> DailyEnergy | None:
    try:
        return await container.esoterics.today(user.id, on_date=day)
    except DomainError as error:  # the tip is decoration: the prompt goes out without it
        log.info("no day's energy for user %s: %s", user.id, error)
        return None


def _energy_lines(energy: DailyEnergy) -> list[str]:
    moon = energy.moon
    lines = [_("<b>The day's energy</b>"),
             _("{emoji} {phase} · illuminated: {percent}").format(emoji=moon.emoji, phase=escape(moon.name),
                                                                percent=percent(moon.illumination))]
    if energy.numerology is not None:
        lines.append(_("🔢 Personal day number: {number}").format(number=energy.numerology.personal_day))
    lines.append(f"💡 <i>{escape(energy.daily_ai_tip.text)}</i>")
    return lines


def _step_lines(steps: list[Step]) -> list[str]:
    lines = []
    for step in steps[:PROMPT_STEPS_MAX]:
        icon = "✅" if step.is_done else "▫️"
        minutes = _(" · {minutes} min").format(minutes=step.estimated_minutes) if step.estimated_minutes else ""
        lines.append(f"{icon} {escape(short(step.title, PROMPT_TITLE_CHARS))}{minutes}")
    if len(steps) > PROMPT_STEPS_MAX:
        more = len(steps) - PROMPT_STEPS_MAX
        lines.append(ngettext("…and {count} more step in /today", "…and {count} more steps in /today", more).format(
            count=format_number(more)))
    return lines


async def _morning(container: Container, user: User, day: date,
                   scheduled: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    status = await container.rituals.today(user.id)
    blocks = [f"{_hello(user, True)} · {day_label(day, user.locale)}"]
    if status.interception is not None:
        blocks.append(interception_text(status.interception, user.locale))
    energy = await _energy(container, user, day)
    if energy is not None:
        blocks.append("\n".join(_energy_lines(energy)))
    steps = [step for step in await steps_on(container, user, day) if step.status != StepStatus.SKIPPED]
    if steps:
        blocks.append("\n".join([_("<b>Today's steps</b>"), *_step_lines(steps)]))
    else:
        blocks.append(_("No steps are planned for today. A plan lives in /goals."))
    calendar = await today_blocks_text(container, user)
    if calendar is not None:
        blocks.append(calendar)
    if status.date == day and status.morning_done:
        blocks.append(_("✅ Your morning ritual for today is already done. Have a good day!"))
        return "\n\n".join(blocks), None
    blocks.append(_("⚡ <b>How is your energy this morning?</b> 1 — running on empty, 10 — full of it."))
    review = status.interception is not None and status.interception.type == "force_review"
    return "\n\n".join(blocks), morning_keyboard(day, scheduled=scheduled, review=review)


async def _evening(container: Container, user: User, day: date,
                   scheduled: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    status = await container.rituals.today(user.id)
    blocks = [f"{_hello(user, False)} · {day_label(day, user.locale)}"]
    if status.interception is not None:
        blocks.append(interception_text(status.interception, user.locale))
    if status.date == day and status.evening_done:
        blocks.append(_("✅ Your evening ritual for today is already done. Sleep well!"))
        return "\n\n".join(blocks), None
    steps = [step for step in await steps_on(container, user, day) if step.status != StepStatus.SKIPPED]
    if steps:
        blocks.append(_("<b>What got done?</b> Tap the steps you did — a second tap takes it back."))
    else:
        blocks.append(_("No steps were planned for this day — the evening is for you."))
    blocks.append(_("😊 <b>How was your mood today?</b> 1 — heavy, 10 — wonderful."))
    return "\n\n".join(blocks), evening_keyboard(day, steps[:PROMPT_STEPS_MAX], scheduled=scheduled)


async def _weekly(container: Container, user: User, day: date,
                  scheduled: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    overview = await container.rituals.week_overview(user.id)
    rituals_days = len({entry.local_date for entry in overview.entries})
    blocks = [
        _("📝 <b>Time for the weekly review</b> · {start} – {end}").format(
            start=day_label(overview.week_start, user.locale), end=day_label(overview.week_end, user.locale)),
        "\n".join([
            ngettext("🗓 Rituals on {days} day of 7", "🗓 Rituals on {days} days of 7", rituals_days).format(
                days=format_number(rituals_days)),
            steps_done_line(len(overview.steps_done), len(overview.steps_planned)),
        ]),
        _("A few minutes: look back, write what you noticed, and pick the steps for next week."),
    ]
    return "\n\n".join(blocks), weekly_keyboard(day, scheduled=scheduled)
