"""Buttons of /story. Buttons about a story carry the first characters of its id (`story`), so buttons of an older
story are answered as outdated; interview buttons repeat the dialog's nonce and step."""
from __future__ import annotations

import uuid

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard
from bot.keyboards.callbacks import MenuAction

NO_STORY = "none"


def story_token(story_id: uuid.UUID | None) -> str:
    return story_id.hex[:8] if story_id is not None else NO_STORY


class StoryMenu(Button, CallbackData, prefix="fs"):
    action: str  # interview | show


class StoryGenerate(Button, CallbackData, prefix="fg"):
    """`after` is the story that was the latest when the button was shown: once a newer one exists (a double tap,
    an old message), the button is outdated instead of spending another AI unit."""

    after: str


class StoryStep(Button, CallbackData, prefix="fq"):
    nonce: str
    step: int
    action: str  # skip | back


class StoryAction(Button, CallbackData, prefix="fa"):
    story: str
    action: str  # edit3y | edit5y | pictures | gallery


class StoryPicture(Button, CallbackData, prefix="fp"):
    """`made` is how many pictures the story had when the list was shown; a repeated tap finds a different count."""

    story: str
    made: int
    key: str


def home_keyboard(*, answered: int, total: int, latest: uuid.UUID | None) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if answered == 0:
        label = _("✍️ Start the interview")
    elif answered < total:
        label = _("✍️ Continue the interview")
    else:
        label = _("✍️ Review my answers")
    builder.button(text=label, callback_data=StoryMenu(action="interview"))
    if answered:
        builder.button(text=_("✨ Write my story"), callback_data=StoryGenerate(after=story_token(latest)))
    if latest is not None:
        builder.button(text=_("📖 My story"), callback_data=StoryMenu(action="show"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def question_keyboard(nonce: str, step: int, *, answered: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if step > 0:
        builder.button(text=_("⬅️ Back"), callback_data=StoryStep(nonce=nonce, step=step, action="back"))
    label = _("➡️ Keep my answer") if answered else _("Skip ➡️")
    builder.button(text=label, callback_data=StoryStep(nonce=nonce, step=step, action="skip"))
    builder.adjust(2)
    return builder.as_markup()


def interview_done_keyboard(*, answered: int, latest: uuid.UUID | None) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if answered:
        builder.button(text=_("✨ Write my story"), callback_data=StoryGenerate(after=story_token(latest)))
    builder.button(text=_("✍️ Review my answers"), callback_data=StoryMenu(action="interview"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def story_keyboard(story_id: uuid.UUID) -> InlineKeyboardMarkup:
    token = story_token(story_id)
    builder = Keyboard()
    builder.button(text=_("✏️ Edit 3-year story"), callback_data=StoryAction(story=token, action="edit3y"))
    builder.button(text=_("✏️ Edit 5-year story"), callback_data=StoryAction(story=token, action="edit5y"))
    builder.button(text=_("🖼 Make pictures"), callback_data=StoryAction(story=token, action="pictures"))
    builder.button(text=_("🗂 Gallery"), callback_data=StoryAction(story=token, action="gallery"))
    # The path's next step: goals proposed from the wheel, the wants and this very story.
    builder.button(text=_("🎯 Goals"), callback_data=MenuAction(action="goals"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(2, 2, 2)
    return builder.as_markup()


def pictures_keyboard(story_id: uuid.UUID, scenes: list[tuple[str, str]], made: int,
                      pictured: set[str]) -> InlineKeyboardMarkup:
    """One button per scene (key, title); scenes that already have a picture are ticked."""
    token = story_token(story_id)
    builder = Keyboard()
    for key, title in scenes:
        label = f"✅ {title}" if key in pictured else f"🖼 {title}"
        builder.button(text=label[:60], callback_data=StoryPicture(story=token, made=made, key=key))
    builder.button(text=_("🗂 Gallery"), callback_data=StoryAction(story=token, action="gallery"))
    builder.adjust(1)
    return builder.as_markup()


def retry_generate_keyboard(latest: uuid.UUID | None) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"), callback_data=StoryGenerate(after=story_token(latest)))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(1)
    return builder.as_markup()


def retry_picture_keyboard(story_id: uuid.UUID, made: int, key: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🔁 Try again"),
                   callback_data=StoryPicture(story=story_token(story_id), made=made, key=key))
    return builder.as_markup()
