"""Texts of the bot, one module per feature: HTML built from service results and dialog data, with every user
string escaped. No I/O here: handlers fetch, render, send."""
from __future__ import annotations

from html import escape
from typing import NamedTuple

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal, format_percent

from bot.utils.text import ReplyMarkup

# One decimal at most: "5,5" in Russian, "5.5" in English, and "6" rather than "6,0".
DECIMAL_FORMAT = "#,##0.#"


class Screen(NamedTuple):
    """A message to show: its HTML text and its buttons. A dialog's open question is a Screen, so it can be asked
    again as it was."""

    text: str
    markup: ReplyMarkup | None = None


def answer_preview(text: str, limit: int = 600) -> str:
    """An earlier answer shown under its question: one line, escaped, cut at `limit` characters."""
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def format_number(value: int | float, locale: str | None = None) -> str:
    """A number the way the person's language writes it (babel): 5,5 and 1 234 in Russian, 5.5 and 1,234 in English.
    Without `locale`, the locale of the current i18n context (the one `_` translates into)."""
    return format_decimal(value, format=DECIMAL_FORMAT, locale=locale or get_i18n().current_locale)


def characters(count: int) -> str:
    """"1 character", "350 characters" / "1 символ", "3 символа", "350 символов": a length said with its noun."""
    return ngettext("{count} character", "{count} characters", count).format(count=format_number(count))


def percent(value: int | float, locale: str | None = None) -> str:
    """`value` per cent as the language writes it: "42 %" in Russian, "42%" in English."""
    return format_percent(value / 100, locale=locale or get_i18n().current_locale)


def too_long(length: int, limit: int) -> str:
    """A typed text over its limit: how long it is and how long it may be, both said with their noun."""
    return _("That's {length}; please keep it within {limit}.").format(length=characters(length),
                                                                        limit=characters(limit))
