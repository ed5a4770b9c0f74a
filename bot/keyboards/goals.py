"""Buttons of the goals dialogs: reviewing proposed goals, the goals list, plans. Ids travel as uuid hex (32 chars),
so every packed string stays under Telegram's 64 bytes."""
from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard, per_locale
from bot.keyboards.menu import menu_shortcuts
from core.db.models import Goal


class GoalReview(Button, CallbackData, prefix="gr"):
    """A button of the proposed goal number `step` of one review (`nonce`)."""

    nonce: str
    step: int
    action: str  # accept | edit | drop


class GoalsAction(Button, CallbackData, prefix="ga"):
    """Buttons that need no dialog: they work from any old message."""

    action: str  # propose | list


class GoalAction(Button, CallbackData, prefix="gi"):
    """A saved goal's buttons; a goal deleted or finished meanwhile is answered as outdated."""

    action: str  # plan | done | drop | generate
    goal: str


class PlanAction(Button, CallbackData, prefix="gp"):
    nonce: str
    action: str  # make | save | discard


class DropAction(Button, CallbackData, prefix="gd"):
    """The answer to "drop this goal?": yes drops it, no keeps it."""

    action: str  # yes | no
    goal: str


def review_keyboard(nonce: str, step: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✅ Accept"), callback_data=GoalReview(nonce=nonce, step=step, action="accept"))
    builder.button(text=_("✏️ Edit"), callback_data=GoalReview(nonce=nonce, step=step, action="edit"))
    builder.button(text=_("🗑 Drop"), callback_data=GoalReview(nonce=nonce, step=step, action="drop"))
    builder.adjust(3)
    return builder.as_markup()


@per_locale
def propose_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✨ Propose goals"), callback_data=GoalsAction(action="propose"))
    return builder.as_markup()


def retry_propose_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=GoalsAction(action="propose"))
    builder.button(text=_("🎯 Goals"), callback_data=GoalsAction(action="list"))
    builder.adjust(1)
    return builder.as_markup()


def retry_plan_keyboard(nonce: str) -> InlineKeyboardMarkup:
    """Another try at the plan of the goals just saved (the dialog keeps them)."""
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=PlanAction(nonce=nonce, action="make"))
    builder.button(text=_("Not now"), callback_data=PlanAction(nonce=nonce, action="discard"))
    builder.adjust(1)
    return builder.as_markup()


def retry_goal_plan_keyboard(goal: Goal) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=GoalAction(action="generate", goal=goal.id.hex))
    builder.button(text=_("🎯 Goals"), callback_data=GoalsAction(action="list"))
    builder.adjust(1)
    return builder.as_markup()


def drop_question_keyboard(goal: Goal) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✖️ Yes, drop it"), callback_data=DropAction(action="yes", goal=goal.id.hex))
    builder.button(text=_("Keep it"), callback_data=DropAction(action="no", goal=goal.id.hex))
    builder.adjust(2)
    return builder.as_markup()


def make_plan_keyboard(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🗺 Make a plan"), callback_data=PlanAction(nonce=nonce, action="make"))
    builder.button(text=_("Not now"), callback_data=PlanAction(nonce=nonce, action="discard"))
    builder.adjust(1)
    return builder.as_markup()


def save_plan_keyboard(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("💾 Save the plan"), callback_data=PlanAction(nonce=nonce, action="save"))
    builder.button(text=_("✖️ Discard"), callback_data=PlanAction(nonce=nonce, action="discard"))
    builder.adjust(2)
    return builder.as_markup()


def goals_list_keyboard(active: Sequence[Goal]) -> InlineKeyboardMarkup:
    """One row per active goal, numbered like the list: plan, done, drop."""
    builder = Keyboard()
    for number, goal in enumerate(active, start=1):
        builder.button(text=f"🗺 {number}", callback_data=GoalAction(action="plan", goal=goal.id.hex))
        builder.button(text=f"✅ {number}", callback_data=GoalAction(action="done", goal=goal.id.hex))
        builder.button(text=f"✖️ {number}", callback_data=GoalAction(action="drop", goal=goal.id.hex))
    builder.button(text=_("✨ Propose goals"), callback_data=GoalsAction(action="propose"))
    builder.adjust(*([3] * len(active)), 1)
    return builder.as_markup()


def choose_goal_keyboard(goals: Sequence[Goal]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for number, goal in enumerate(goals, start=1):
        title = goal.title if len(goal.title) <= 40 else goal.title[:39] + "…"
        builder.button(text=f"{number}. {title}", callback_data=GoalAction(action="plan", goal=goal.id.hex))
    builder.adjust(1)
    return builder.as_markup()


def empty_plan_keyboard(goal: Goal) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🗺 Make a plan"), callback_data=GoalAction(action="generate", goal=goal.id.hex))
    builder.button(text=_("🎯 Goals"), callback_data=GoalsAction(action="list"))
    builder.adjust(1)
    return builder.as_markup()


def plan_saved_keyboard() -> InlineKeyboardMarkup:
    """Where a saved plan leads: today's steps, the calendar that puts them into free time, the goals."""
    return menu_shortcuts("today", "calendar", "goals")


@per_locale
def back_to_goals() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🎯 Goals"), callback_data=GoalsAction(action="list"))
    return builder.as_markup()
