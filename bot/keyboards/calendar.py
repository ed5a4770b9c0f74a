"""Buttons of /calendar, the week plan and the block-start reminders."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard, per_locale
from bot.keyboards.callbacks import MenuAction


class CalendarAction(Button, CallbackData, prefix="cal"):
    """The /calendar screen's buttons: they carry no dialog state, so they work from any old message."""

    action: str  # connect | disconnect | disconnect_yes | disconnect_no | plan | today


class PlanAction(Button, CallbackData, prefix="cpl"):
    """A button of one week plan (`nonce`); `item` is the block's number in the plan, `choice` an offered time."""

    nonce: str
    action: str  # move | skip | keep | to | back | accept | cancel
    item: int = 0
    choice: int = 0


class ReminderAction(Button, CallbackData, prefix="crm"):
    action: str  # done | snooze | skip
    step: str  # the step id as 32 hex digits


@per_locale
def calendar_keyboard(*, google_configured: bool, google_connected: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🗓 Plan my week"), callback_data=CalendarAction(action="plan"))
    builder.button(text=_("📋 Today's blocks"), callback_data=CalendarAction(action="today"))
    if google_connected:
        builder.button(text=_("🔌 Disconnect Google Calendar"), callback_data=CalendarAction(action="disconnect"))
    elif google_configured:
        builder.button(text=_("🔗 Connect Google Calendar"), callback_data=CalendarAction(action="connect"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(2, 1, 1)
    return builder.as_markup()


@per_locale
def disconnect_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("Yes, disconnect"), callback_data=CalendarAction(action="disconnect_yes"))
    builder.button(text=_("No, keep it"), callback_data=CalendarAction(action="disconnect_no"))
    builder.adjust(2)
    return builder.as_markup()


def plan_keyboard(nonce: str, skipped: Sequence[bool], *, can_save: bool) -> InlineKeyboardMarkup:
    """Move / Skip (or Bring back) for every block by its number, then Accept all and Cancel."""
    builder = Keyboard()
    for index, is_skipped in enumerate(skipped):
        number = index + 1
        builder.button(text=_("↔️ Move {number}").format(number=number),
                       callback_data=PlanAction(nonce=nonce, action="move", item=index))
        if is_skipped:
            builder.button(text=_("↩️ Keep {number}").format(number=number),
                           callback_data=PlanAction(nonce=nonce, action="keep", item=index))
        else:
            builder.button(text=_("⏭ Skip {number}").format(number=number),
                           callback_data=PlanAction(nonce=nonce, action="skip", item=index))
    if can_save:
        builder.button(text=_("✅ Accept all"), callback_data=PlanAction(nonce=nonce, action="accept"))
    builder.button(text=_("✖️ Cancel"), callback_data=PlanAction(nonce=nonce, action="cancel"))
    builder.adjust(*([2] * len(skipped)), 1, 1)
    return builder.as_markup()


def alternatives_keyboard(nonce: str, item: int, labels: Sequence[str]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for choice, label in enumerate(labels):
        builder.button(text=label, callback_data=PlanAction(nonce=nonce, action="to", item=item, choice=choice))
    builder.button(text=_("◀️ Back to the plan"), callback_data=PlanAction(nonce=nonce, action="back", item=item))
    builder.adjust(1)
    return builder.as_markup()


def reminder_keyboard(step_id: uuid.UUID) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✅ Done"), callback_data=ReminderAction(action="done", step=step_id.hex))
    builder.button(text=_("😴 Snooze 15 min"), callback_data=ReminderAction(action="snooze", step=step_id.hex))
    builder.button(text=_("⏭ Skip"), callback_data=ReminderAction(action="skip", step=step_id.hex))
    builder.adjust(3)
    return builder.as_markup()


@per_locale
def plan_week_keyboard() -> InlineKeyboardMarkup:
    """Offered at the end of the weekly review: the committed steps go into the calendar."""
    builder = Keyboard()
    builder.button(text=_("🗓 Plan my week"), callback_data=CalendarAction(action="plan"))
    return builder.as_markup()
