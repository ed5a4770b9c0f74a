"""The "time's up" notice of a wants stream the timer closed: what was saved, then the checklist with its buttons
(sent by the scheduler, in the writer's locale)."""
from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.wants import checklist_keyboard
from bot.render.wants import checklist_text
from bot.render.wants import wants_saved as saved_text
from core.services.wants import WantsChecklist


def stream_expired_notice(wants_saved: int, checklist: WantsChecklist) -> tuple[str, InlineKeyboardMarkup]:
    intro = _("⏰ Time's up — the stream is closed.") + " " + saved_text(wants_saved)
    text = f"{intro}\n\n{checklist_text(checklist.progress, analyzed=checklist.analyzed)}"
    return text, checklist_keyboard(checklist.progress, analyzed=checklist.analyzed,
                                    has_analysis=checklist.has_analysis)
