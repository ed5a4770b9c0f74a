from datetime import time

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import ReplyKeyboardBuilder

from bot.keyboards.build import Keyboard
from bot.keyboards.callbacks import ProfileChoice

MORNING_OPTIONS = (time(6, 0), time(7, 0), time(8, 0), time(9, 0))
EVENING_OPTIONS = (time(20, 0), time(21, 0), time(22, 0), time(23, 0))


def pack_time(value: time) -> str:
    return f"{value.hour:02d}{value.minute:02d}"


def unpack_time(value: str) -> time:
    return time(int(value[:2]), int(value[2:]))


def language_choice(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    # Each language names itself, whatever the current one is.
    builder.button(text="🇷🇺 Русский", callback_data=ProfileChoice(nonce=nonce, field="language", value="ru"))
    builder.button(text="🇬🇧 English", callback_data=ProfileChoice(nonce=nonce, field="language", value="en"))
    return builder.as_markup()


def share_location() -> ReplyKeyboardMarkup:
    builder = ReplyKeyboardBuilder()
    builder.button(text=_("📍 Share my location"), request_location=True)
    return builder.as_markup(resize_keyboard=True, one_time_keyboard=True,
                             input_field_placeholder=_("City, Europe/Berlin or +3"))


def confirm_time_zone(nonce: str) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✅ Yes, right"), callback_data=ProfileChoice(nonce=nonce, field="tz_confirm", value="yes"))
    builder.button(text=_("✏️ No, change"), callback_data=ProfileChoice(nonce=nonce, field="tz_confirm", value="no"))
    return builder.as_markup()


def time_choice(nonce: str, field: str, current: time) -> InlineKeyboardMarkup:
    options = MORNING_OPTIONS if field == "morning_time" else EVENING_OPTIONS
    builder = Keyboard()
    for option in options:
        label = f"{option:%H:%M}"
        builder.button(text=f"• {label} •" if option == current else label,
                       callback_data=ProfileChoice(nonce=nonce, field=field, value=pack_time(option)))
    builder.adjust(4)
    return builder.as_markup()


def skip_birth_date(nonce: str, *, remove: bool) -> InlineKeyboardMarkup:
    """Skip the question (onboarding) or forget the stored date (settings)."""
    builder = Keyboard()
    text = _("Remove my date of birth") if remove else _("Skip")
    builder.button(text=text, callback_data=ProfileChoice(nonce=nonce, field="date_of_birth", value="skip"))
    return builder.as_markup()
