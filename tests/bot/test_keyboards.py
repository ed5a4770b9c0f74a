"""Keyboards: the lean builder lays buttons out as aiogram's builder does, and per-locale keyboards (and the help text)
are built once."""
from __future__ import annotations

import pytest
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import create_i18n
from bot.keyboards.build import Keyboard
from bot.keyboards.callbacks import MenuAction, WheelAction
from bot.keyboards.menu import history_pages, main_menu
from bot.keyboards.wheel import score_keyboard
from bot.screens import help_text


@pytest.mark.parametrize(("count", "sizes", "repeat"), [
    (13, (6, 5, 2), False), (10, (2,), False), (7, (), False), (17, (), False), (9, (1, 2), True),
    (5, (2, 1, 1), False), (0, (3,), False),
])
def test_the_lean_builder_lays_out_rows_like_aiograms(count: int, sizes: tuple[int, ...], repeat: bool) -> None:
    ours, aiograms = Keyboard(), InlineKeyboardBuilder()
    for number in range(count):
        ours.button(text=str(number), callback_data=MenuAction(action=f"a{number}"))
        aiograms.button(text=str(number), callback_data=MenuAction(action=f"a{number}"))
    if sizes:
        ours.adjust(*sizes, repeat=repeat)
        aiograms.adjust(*sizes, repeat=repeat)

    assert ours.as_markup() == aiograms.as_markup()


def test_a_row_wider_than_telegram_allows_is_refused() -> None:
    with pytest.raises(ValueError):
        Keyboard().adjust(9)


def test_a_per_locale_keyboard_is_built_once_per_language() -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        russian, russian_again = main_menu(), main_menu()
        first_page, second_page = history_pages(1, 3), history_pages(2, 3)
    with i18n.context(), i18n.use_locale("en"):
        english = main_menu()

    assert russian is russian_again
    assert first_page is not second_page and first_page != second_page
    assert english is not russian
    assert english.inline_keyboard[0][0].text == "🎡 Life wheel"
    assert russian.inline_keyboard[0][0].text != english.inline_keyboard[0][0].text


@pytest.mark.parametrize("step", [0, 7, 123])
def test_score_buttons_carry_the_data_each_score_packs_to(step: int) -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        markup = score_keyboard("a1b2c3", step)
    scores = [button for row in markup.inline_keyboard for button in row][:11]

    assert [(button.text, button.callback_data) for button in scores] == [
        (str(value), WheelAction(nonce="a1b2c3", step=step, action="score", value=value).pack())
        for value in range(11)]


def test_the_help_text_is_kept_per_language() -> None:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        russian, russian_again = help_text(), help_text()
    with i18n.context(), i18n.use_locale("en"):
        english = help_text()

    assert russian is russian_again
    assert russian.startswith("<b>Что я умею</b>") and english.startswith("<b>What I can do</b>")
