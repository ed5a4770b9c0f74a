"""What the bot says about a voice note: what it heard, or why it could not listen."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

# A long transcript is shown cut; the whole of it is used as the answer.
HEARD_PREVIEW_CHARS = 600


def heard(text: str) -> str:
    shown = text if len(text) <= HEARD_PREVIEW_CHARS else text[:HEARD_PREVIEW_CHARS].rstrip() + "…"
    return _("🎙 I heard: «{text}»").format(text=escape(shown))


def too_long(max_seconds: int) -> str:
    return ngettext(
        "🎙 That voice note is longer than {count} second. Please send a shorter one — or just type it.",
        "🎙 That voice note is longer than {count} seconds. Please send a shorter one — or just type it.",
        max_seconds,
    ).format(count=max_seconds)


def cannot_listen() -> str:
    return _("🎙 I can't listen to voice notes here: the online AI isn't connected. Please type your answer — "
             "I'm reading.")


def nothing_heard() -> str:
    return _("🎙 I couldn't make out any words in that voice note. Please record it again or type it.")


def listening_failed() -> str:
    return _("🎙 I couldn't hear that voice note this time. Please send it again in a minute, or type it.")
