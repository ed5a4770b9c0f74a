from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Keyboard
from bot.keyboards.callbacks import WheelAction

SCORES = range(11)


def score_keyboard(nonce: str, step: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for value, data in zip(SCORES, score_data(nonce, step), strict=True):
        builder.button(text=str(value), callback_data=data)
    builder.button(text=_("📝 Add a note"), callback_data=WheelAction(nonce=nonce, step=step, action="note"))
    if step > 0:
        builder.button(text=_("⬅️ Back"), callback_data=WheelAction(nonce=nonce, step=step, action="back"))
    builder.adjust(6, 5, 2)
    return builder.as_markup()


def score_data(nonce: str, step: int) -> list[str]:
    """The packed data of the eleven score buttons, with one pack instead of eleven (each validates and dumps a
    model): `value` is WheelAction's last field, so the eleven differ only in the tail. The highest score is packed,
    so aiogram's length check covers the longest of them."""
    highest = WheelAction(nonce=nonce, step=step, action="score", value=SCORES[-1]).pack()
    head = highest.removesuffix(f"{WheelAction.__separator__}{SCORES[-1]}")
    return [f"{head}{WheelAction.__separator__}{value}" for value in SCORES]
