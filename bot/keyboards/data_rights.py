"""The /delete_me confirmation: the buttons name the account and the moment they were asked for, so a button
pressed twice, pressed late, or pressed after the account is gone (a new account now answers) deletes nothing."""
from __future__ import annotations

import uuid

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Button, Keyboard


class AccountDeletion(Button, CallbackData, prefix="del"):
    action: str  # delete | keep
    account: str  # the user id (hex) the question was asked for
    asked: int  # unix seconds when it was asked


def deletion_confirmation(user_id: uuid.UUID, asked: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🗑 Yes, delete everything"),
                   callback_data=AccountDeletion(action="delete", account=user_id.hex, asked=asked))
    builder.button(text=_("↩️ No, keep my data"),
                   callback_data=AccountDeletion(action="keep", account=user_id.hex, asked=asked))
    builder.adjust(1)
    return builder.as_markup()
