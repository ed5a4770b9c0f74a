"""Buttons under the coach's answers. Planning the week and scoring the wheel are the product's own buttons (the
same handlers as /calendar and the menu); a step's buttons carry the step id and are checked again when pressed."""
from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard
from bot.keyboards.calendar import CalendarAction
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.rituals import short
from core.services.coach import CoachAction

STEP_TITLE_CHARS = 32


class CoachStep(Button, CallbackData, prefix="co"):
    action: str  # done | tomorrow | retry
    step: str = ""  # the step id as 32 hex digits


def _step_button(builder: Keyboard, action: CoachAction) -> None:
    title = short(action.step_title or "", STEP_TITLE_CHARS)
    if action.kind == "mark_step_done":
        builder.button(text=_("✅ Done: {title}").format(title=title),
                       callback_data=CoachStep(action="done", step=action.step_id.hex))
    else:
        builder.button(text=_("➡️ Tomorrow: {title}").format(title=title),
                       callback_data=CoachStep(action="tomorrow", step=action.step_id.hex))


def answer_keyboard(actions: Sequence[CoachAction]) -> InlineKeyboardMarkup:
    """One button per suggested action, then the menu."""
    builder = Keyboard()
    for action in actions:
        if action.kind == "plan_week":
            builder.button(text=_("🗓 Plan my week"), callback_data=CalendarAction(action="plan"))
        elif action.kind == "start_wheel":
            builder.button(text=_("🎡 Score my wheel"), callback_data=MenuAction(action="wheel"))
        elif action.step_id is not None:
            _step_button(builder, action)
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def retry_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Ask again"), callback_data=CoachStep(action="retry"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()
