"""Buttons of the day: /today's steps, the ritual prompts, the weekly review and /progress.

Ritual prompt buttons carry the prompt's kind and local date instead of a dialog nonce: the scheduler sends prompts
without any dialog, and the date is what makes an old prompt's button outdated (or answer for yesterday's evening).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.keyboards.build import Button, Keyboard, per_locale
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.menu import menu_shortcuts
from core.db.models import Step

KIND_CODES = {"morning": "m", "evening": "e", "weekly": "w"}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}
STEP_DONE, STEP_NOT_DONE = 1, 2
BUTTON_TITLE_CHARS = 40


class TodayAction(Button, CallbackData, prefix="td"):
    action: str  # done | skip | tomorrow
    step: str


class RitualAction(Button, CallbackData, prefix="rt"):
    kind: str  # m | e | w
    day: str  # YYYYMMDD: the local date the prompt is for
    action: str  # energy | mood | step | snooze | skip
    value: int = 0  # the score; for a step what the tap makes of it (STEP_DONE, STEP_NOT_DONE; 0 on old prompts: flip)
    step: str = ""
    scheduled: int = 0  # 1 on prompts the scheduler sent: they have snooze / skip buttons


class ReviewAction(Button, CallbackData, prefix="rv"):
    """`on` is what a step's tap makes of it (1 chosen, 0 not): a double tap chooses it once, not twice."""

    nonce: str
    action: str  # start | toggle | commit | retry
    index: int = 0
    on: int = 0


class ProgressAction(Button, CallbackData, prefix="pg"):
    action: str  # board | join | leave | keep
    nonce: str = ""


def pack_day(day: date) -> str:
    return day.strftime("%Y%m%d")


def unpack_day(value: str) -> date | None:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 else None
    except ValueError:
        return None


def short(title: str, limit: int = BUTTON_TITLE_CHARS) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def today_keyboard(open_steps: Sequence[tuple[int, Step]]) -> InlineKeyboardMarkup:
    """Per unfinished step (numbered as in the text): done, skip, move to tomorrow. A day with nothing left open
    offers where to go next: the goals (where steps are planned) or the menu."""
    if not open_steps:
        return day_done_keyboard()
    builder = Keyboard()
    for number, step in open_steps:
        builder.button(text=f"✅ {number}", callback_data=TodayAction(action="done", step=step.id.hex))
        builder.button(text=f"⏭ {number}", callback_data=TodayAction(action="skip", step=step.id.hex))
        builder.button(text=f"➡️ {number}", callback_data=TodayAction(action="tomorrow", step=step.id.hex))
    builder.adjust(3)
    return builder.as_markup()


def morning_done_keyboard() -> InlineKeyboardMarkup:
    """After the morning ritual: the day's steps."""
    return menu_shortcuts("today", "menu")


def evening_done_keyboard() -> InlineKeyboardMarkup:
    """After the evening ritual: the streak and XP it just added to."""
    return menu_shortcuts("progress", "menu")


def first_week_keyboard() -> InlineKeyboardMarkup:
    """Instead of reviewing a week from before the person joined: plan the one ahead."""
    return menu_shortcuts("goals", "calendar", "menu")


def day_done_keyboard() -> InlineKeyboardMarkup:
    return menu_shortcuts("goals", "menu")


def _scores(builder: Keyboard, kind: str, day: date, action: str, scheduled: bool) -> None:
    for value in range(1, 11):
        builder.button(text=str(value), callback_data=RitualAction(kind=KIND_CODES[kind], day=pack_day(day),
                                                                   action=action, value=value,
                                                                   scheduled=int(scheduled)))


def _delivery_buttons(builder: Keyboard, kind: str, day: date) -> None:
    for action, text in (("snooze", _("😴 Snooze 30 min")), ("skip", _("🙅 Skip today"))):
        builder.button(text=text, callback_data=RitualAction(kind=KIND_CODES[kind], day=pack_day(day), action=action,
                                                             scheduled=1))


@per_locale
def morning_keyboard(day: date, *, scheduled: bool, review: bool = False) -> InlineKeyboardMarkup:
    builder = Keyboard()
    _scores(builder, "morning", day, "energy", scheduled)
    rows = [5, 5]
    if scheduled:
        _delivery_buttons(builder, "morning", day)
        rows.append(2)
    if review:
        builder.button(text=_("📝 Start the review"), callback_data=ReviewAction(nonce="", action="start"))
        rows.append(1)
    builder.adjust(*rows)
    return builder.as_markup()


def evening_keyboard(day: date, steps: Sequence[Step], *, scheduled: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for step in steps:
        mark = "✅" if step.is_done else "▫️"
        builder.button(text=f"{mark} {short(step.title)}",
                       callback_data=RitualAction(kind="e", day=pack_day(day), action="step", step=step.id.hex,
                                                  value=STEP_NOT_DONE if step.is_done else STEP_DONE,
                                                  scheduled=int(scheduled)))
    _scores(builder, "evening", day, "mood", scheduled)
    rows = [1] * len(steps) + [5, 5]
    if scheduled:
        _delivery_buttons(builder, "evening", day)
        rows.append(2)
    builder.adjust(*rows)
    return builder.as_markup()


@per_locale
def weekly_keyboard(day: date, *, scheduled: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("📝 Start the review"), callback_data=ReviewAction(nonce="", action="start"))
    rows = [1]
    if scheduled:
        _delivery_buttons(builder, "weekly", day)
        rows.append(2)
    builder.adjust(*rows)
    return builder.as_markup()


def plan_choice_keyboard(nonce: str, titles: Sequence[str], chosen: set[int]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for index, title in enumerate(titles):
        mark = "☑️" if index in chosen else "▫️"
        builder.button(text=f"{mark} {short(title)}",
                       callback_data=ReviewAction(nonce=nonce, action="toggle", index=index,
                                                  on=int(index not in chosen)))
    builder.button(text=ngettext("📅 Plan {count} chosen step", "📅 Plan {count} chosen steps", len(chosen)).format(
                       count=len(chosen)),
                   callback_data=ReviewAction(nonce=nonce, action="commit"))
    builder.adjust(1)
    return builder.as_markup()


@per_locale
def progress_keyboard(opted_in: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🏅 Leaderboard"), callback_data=ProgressAction(action="board"))
    if opted_in:
        builder.button(text=_("🚪 Leave the leaderboard"), callback_data=ProgressAction(action="leave"))
    else:
        builder.button(text=_("🙋 Join the leaderboard"), callback_data=ProgressAction(action="join"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def leaderboard_keyboard() -> InlineKeyboardMarkup:
    return menu_shortcuts("progress", "menu")


def keep_name_keyboard(nonce: str, name: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("Keep “{name}”").format(name=short(name, 30)),
                   callback_data=ProgressAction(action="keep", nonce=nonce))
    return builder.as_markup()


def retry_review_keyboard(nonce: str) -> InlineKeyboardMarkup:
    """Send the kept reflection to the AI again."""
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=ReviewAction(nonce=nonce, action="retry"))
    return builder.as_markup()
