"""Callback data factories. Values never contain ':' (the separator) and every packed string stays ≤ 64 bytes."""
from aiogram.filters.callback_data import CallbackData

from bot.keyboards.build import Button


class MenuAction(Button, CallbackData, prefix="m"):
    """Main menu buttons: they carry no dialog state, so they work from any old message."""

    action: str  # wheel | history | settings | help | menu


class HistoryPage(Button, CallbackData, prefix="hp"):
    page: int


class SettingsAction(Button, CallbackData, prefix="st"):
    field: str  # language | time_zone | morning_time | evening_time | date_of_birth


class ProfileChoice(Button, CallbackData, prefix="pc"):
    nonce: str
    field: str  # language | tz_confirm | morning_time | evening_time | date_of_birth
    value: str  # ru | en | yes | no | 0730 | skip


class WheelAction(Button, CallbackData, prefix="wa"):
    nonce: str
    step: int
    action: str  # score | note | back
    value: int = 0
