"""Building inline keyboards cheaply.

aiogram's `InlineKeyboardBuilder` deep-copies its whole markup on every added button and again on `as_markup`; with
a keyboard on nearly every reply that was about a fifth of the bot's CPU. `Keyboard` has the same `button` /
`adjust` / `as_markup` (rows of at most 8, `adjust` sizes with the last one repeated, or cycled with `repeat=True`)
and builds the markup once. `per_locale` keeps a keyboard whose buttons depend only on the locale and the
arguments: the markup is immutable (aiogram's types are frozen), so every reply can share it.
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from typing import Any, Literal, ParamSpec, Self

from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from magic_filter import MagicFilter

MAX_ROW_WIDTH = 8
MAX_BUTTONS = 100

P = ParamSpec("P")


class Keyboard:
    def __init__(self) -> None:
        self.buttons: list[InlineKeyboardButton] = []
        self._sizes: tuple[int, ...] = (MAX_ROW_WIDTH,)
        self._repeat = False

    def button(self, *, text: str, callback_data: str | CallbackData | None = None, **fields: Any) -> Self:
        if isinstance(callback_data, CallbackData):
            callback_data = callback_data.pack()
        if len(self.buttons) >= MAX_BUTTONS:
            raise ValueError(f"an inline keyboard holds at most {MAX_BUTTONS} buttons")
        self.buttons.append(InlineKeyboardButton(text=text, callback_data=callback_data, **fields))
        return self

    def adjust(self, *sizes: int, repeat: bool = False) -> Self:
        if any(not 1 <= size <= MAX_ROW_WIDTH for size in sizes):
            raise ValueError(f"row sizes are 1..{MAX_ROW_WIDTH}, not {sizes}")
        self._sizes, self._repeat = sizes or (MAX_ROW_WIDTH,), repeat
        return self

    def _row_sizes(self) -> Iterator[int]:
        if self._repeat:
            return itertools.cycle(self._sizes)
        return itertools.chain(self._sizes, itertools.repeat(self._sizes[-1]))

    def as_markup(self) -> InlineKeyboardMarkup:
        rows: list[list[InlineKeyboardButton]] = []
        start = 0
        sizes = self._row_sizes()
        while start < len(self.buttons):
            size = next(sizes)
            rows.append(self.buttons[start:start + size])
            start += size
        return InlineKeyboardMarkup(inline_keyboard=rows)


def _current_locale() -> str | None:
    try:
        return get_i18n().current_locale
    except LookupError:  # outside an update (a unit test, the scheduler without i18n context)
        return None


def per_locale(build: Callable[P, InlineKeyboardMarkup]) -> Callable[P, InlineKeyboardMarkup]:
    """Build the keyboard once per locale and arguments (which must be hashable), then reuse the markup."""
    cached = functools.lru_cache(maxsize=256)(lambda locale, args, kwargs: build(*args, **dict(kwargs)))

    @functools.wraps(build)
    def keyboard(*args: P.args, **kwargs: P.kwargs) -> InlineKeyboardMarkup:
        locale = _current_locale()
        if locale is None:
            return build(*args, **kwargs)
        return cached(locale, args, tuple(sorted(kwargs.items())))

    keyboard.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return keyboard


class PrefixedQueryFilter(CallbackQueryFilter):
    """aiogram's CallbackData filter, turning away other buttons by their prefix before unpacking: the stock
    filter splits and validates every button's data (raising on a mismatch) against each of the ~30 button
    filters it passes on its way to the right handler."""

    __slots__ = ("prefix",)

    def __init__(self, *, callback_data: type[CallbackData], rule: MagicFilter | None = None) -> None:
        super().__init__(callback_data=callback_data, rule=rule)
        self.prefix = callback_data.__prefix__ + callback_data.__separator__

    async def __call__(self, query: CallbackQuery) -> Literal[False] | dict[str, Any]:
        data = query.data if isinstance(query, CallbackQuery) else None
        if not data or not data.startswith(self.prefix):
            return False
        return await super().__call__(query)


class Button:
    """Mixed into our CallbackData classes (`class X(Button, CallbackData, prefix="x")`): `X.filter()` is the
    prefix-first filter above."""

    @classmethod
    def filter(cls, rule: MagicFilter | None = None) -> PrefixedQueryFilter:
        return PrefixedQueryFilter(callback_data=cls, rule=rule)  # type: ignore[arg-type]
