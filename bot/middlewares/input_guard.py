"""What people type meets the same rule as the API (core.validation): no control characters, a sane length.

A message that breaks it gets a friendly note and goes no further; the dialog state is not touched, so the person
is still at the same step and can simply send the text again. A button whose data breaks the rule (it cannot come
from one of our keyboards) is answered and dropped.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from core.validation import MAX_MESSAGE_CHARS, forbidden_characters

log = logging.getLogger("mechta.bot")


class InputGuardMiddleware(BaseMiddleware):
    """An outer update middleware, registered after the locale one so its notes speak the person's language."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if await self.refused(event):
            return None
        return await handler(event, data)

    @staticmethod
    async def refused(event: TelegramObject) -> bool:
        """Whether the update breaks the rule and goes no further (the person has been told)."""
        if not isinstance(event, Update):
            return False
        if event.message is not None:
            note = _problem_with(event.message)
            if note is not None:
                log.info("update %s: message refused (%s)", event.update_id, note[0])
                await event.message.answer(note[1])
                return True
        callback = event.callback_query
        if callback is not None and callback.data and forbidden_characters(callback.data, multiline=False):
            log.info("update %s: button data with control characters dropped", event.update_id)
            await callback.answer()
            return True
        return False


def _problem_with(message: Message) -> tuple[str, str] | None:
    """(what is wrong, the note for the person), or None when the message is fine."""
    typed = message.text if message.text is not None else message.caption
    if not typed:
        return None
    if len(typed) > MAX_MESSAGE_CHARS:
        locale = get_i18n().current_locale
        note = ngettext(
            "That message is too long for me: {count} character, and I can take up to {limit}. Please shorten it "
            "or send it in parts — we're still at the same step.",
            "That message is too long for me: {count} characters, and I can take up to {limit}. Please shorten "
            "it or send it in parts — we're still at the same step.",
            len(typed),
        ).format(count=format_decimal(len(typed), locale=locale), limit=format_decimal(MAX_MESSAGE_CHARS,
                                                                                     locale=locale))
        return f"{len(typed)} characters", note
    chars = forbidden_characters(typed)
    if chars:
        return f"control characters {', '.join(chars[:5])}", _(
            "I couldn't read that message: it has invisible control characters. Please send it again as plain "
            "text — we're still at the same step.")
    return None
