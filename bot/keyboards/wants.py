"""Buttons of /wants. Checklist buttons carry no dialog state (they are checked against the saved progress when
pressed); buttons inside an exercise repeat the dialog's nonce, so buttons of an earlier run are outdated."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard, per_locale
from bot.keyboards.callbacks import MenuAction
from core.services.wants import WantsProgress


class WantsMenu(Button, CallbackData, prefix="wm"):
    action: str  # stream | future_me | reverse | analyze | analysis


class WantsStep(Button, CallbackData, prefix="ws"):
    nonce: str
    action: str  # time | stop | finish | back | keep
    step: int = 0


def checklist_keyboard(progress: WantsProgress, *, analyzed: bool, has_analysis: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if progress.raw_id is None and progress.has_completed_before:
        if not analyzed:
            builder.button(text=_("🔎 Analyze"), callback_data=WantsMenu(action="analyze"))
        if has_analysis:
            builder.button(text=_("📊 My analysis"), callback_data=WantsMenu(action="analysis"))
        builder.button(text=_("🔁 Start a new round"), callback_data=WantsMenu(action="stream"))
    else:
        if not progress.stream_completed:
            label = _("✍️ Continue the stream") if progress.stream_started else _("✍️ Start the stream")
            builder.button(text=label, callback_data=WantsMenu(action="stream"))
        if not progress.future_me_completed:
            builder.button(text=_("🧓 “I am 40”"), callback_data=WantsMenu(action="future_me"))
        if not progress.reverse_completed:
            builder.button(text=_("🔄 Reverse questions"), callback_data=WantsMenu(action="reverse"))
        if progress.ready_to_complete:
            builder.button(text=_("🔎 Analyze"), callback_data=WantsMenu(action="analyze"))
        if has_analysis:
            builder.button(text=_("📊 My analysis"), callback_data=WantsMenu(action="analysis"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def stream_keyboard(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("⏱ Time left"), callback_data=WantsStep(nonce=nonce, action="time"))
    builder.button(text=_("⏹ Stop"), callback_data=WantsStep(nonce=nonce, action="stop"))
    builder.adjust(2)
    return builder.as_markup()


def future_me_keyboard(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✅ Finish"), callback_data=WantsStep(nonce=nonce, action="finish"))
    return builder.as_markup()


def reverse_keyboard(nonce: str, step: int, *, answered: bool) -> InlineKeyboardMarkup | None:
    if step == 0 and not answered:
        return None
    builder = Keyboard()
    if step > 0:
        builder.button(text=_("⬅️ Back"), callback_data=WantsStep(nonce=nonce, action="back", step=step))
    if answered:
        builder.button(text=_("➡️ Keep my answer"), callback_data=WantsStep(nonce=nonce, action="keep", step=step))
    builder.adjust(2)
    return builder.as_markup()


@per_locale
def retry_analysis_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=WantsMenu(action="analyze"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


@per_locale
def after_analysis_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("📖 Future story"), callback_data=MenuAction(action="story"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()
