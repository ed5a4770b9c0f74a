"""Texts of the bot, one module per feature: HTML built from service results and dialog data, with every user
string escaped. No I/O here: handlers fetch, render, send."""
from __future__ import annotations

from html import escape
from typing import NamedTuple

from bot.utils.text import ReplyMarkup


class Screen(NamedTuple):
    """A message to show: its HTML text and its buttons. A dialog's open question is a Screen, so it can be asked
    again as it was."""

    text: str
    markup: ReplyMarkup | None = None


def answer_preview(text: str, limit: int = 600) -> str:
    """An earlier answer shown under its question: one line, escaped, cut at `limit` characters."""
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")
