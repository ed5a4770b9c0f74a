from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Keyboard
from bot.keyboards.callbacks import WheelAction


def score_keyboard(nonce: str, step: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for value in range(11):
        builder.button(text=str(value), callback_data=WheelAction(nonce=nonce, step=step, action="score", value=value))
    builder.button(text=_("📝 Add a note"), callback_data=WheelAction(nonce=nonce, step=step, action="note"))
    if step > 0:
        builder.button(text=_("⬅️ Back"), callback_data=WheelAction(nonce=nonce, step=step, action="back"))
    builder.adjust(6, 5, 2)
    return builder.as_markup()
