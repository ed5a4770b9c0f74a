"""/today: the day's steps with their buttons, and where the rituals stand."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.keyboards.rituals import today_keyboard
from bot.render import Screen
from bot.rituals.texts import STEP_ICONS, day_label, interception_text
from core.db.models import Step
from core.db.models.goals import StepStatus
from core.services.rituals import DayPlan


def today_screen(plan: DayPlan, steps: list[Step], locale: str) -> Screen:
    """`steps` (the plan's, in screen order) numbered, the skipped struck through; the rituals' status; Done / Skip /
    Tomorrow per open step."""
    lines = [_("📋 <b>Today</b> · {date}").format(date=day_label(plan.date, locale)), ""]
    if steps:
        for number, step in enumerate(steps, start=1):
            minutes = _(" · {minutes} min").format(minutes=step.estimated_minutes) if step.estimated_minutes else ""
            title = f"<s>{escape(step.title)}</s>" if step.status == StepStatus.SKIPPED else escape(step.title)
            lines.append(f"{number}. {STEP_ICONS.get(step.status, '▫️')} {title}{minutes}")
    else:
        lines.append(_("Nothing is planned for today. Plan steps in /goals or in the weekly /review."))
    lines += [
        "",
        _("🌅 Morning ritual: done ✅") if plan.morning_done else _("🌅 Morning ritual: not yet — /morning"),
        _("🌙 Evening ritual: done ✅") if plan.evening_done else _("🌙 Evening ritual: not yet — /evening"),
    ]
    if plan.interception is not None:
        lines += ["", interception_text(plan.interception, locale)]
    open_steps = [(number, step) for number, step in enumerate(steps, start=1) if step.is_open]
    return Screen("\n".join(lines), today_keyboard(open_steps))
