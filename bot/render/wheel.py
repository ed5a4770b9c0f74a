"""The life wheel: the question of one area, the result after scoring, the pages of past wheels."""
from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date

from bot.keyboards.wheel import score_keyboard
from bot.render import Screen, characters, format_number
from bot.states import WheelArea, WheelDialog
from core.db.models import LifeWheelEntry
from core.services.wheel import AREA_NOTE_MAX_CHARS, WheelComparison


def area_title(area: WheelArea, locale: str) -> str:
    return area.en if locale == "en" else area.ru


def question(dialog: WheelDialog, locale: str) -> Screen:
    area = dialog.area
    lines = [
        _("🎡 <b>Life wheel</b> · {step} of {total}").format(step=dialog.step + 1, total=len(dialog.areas)),
        "",
        f"<b>{escape(area.emoji)} {escape(area_title(area, locale))}</b>",
    ]
    description = area.description_en if locale == "en" else area.description_ru
    if description:
        lines.append(f"<i>{escape(description)}</i>")
    lines += ["", _("How satisfied are you with this area right now? 0 — not at all, 10 — completely.")]
    last = dialog.last.get(area.id)
    if last is not None:
        lines.append(_("Last time: {score}").format(score=last))
    note = dialog.notes.get(area.id)
    if note:
        lines.append(_("📝 Your note: {note}").format(note=escape(note)))
    return Screen("\n".join(lines), score_keyboard(dialog.nonce, dialog.step))


def note_prompt(dialog: WheelDialog, locale: str) -> str:
    return ngettext("📝 Write a note about “{area}” (up to {limit} character). It stays with this wheel.",
                    "📝 Write a note about “{area}” (up to {limit} characters). It stays with this wheel.",
                    AREA_NOTE_MAX_CHARS).format(area=escape(area_title(dialog.area, locale)),
                                                limit=format_number(AREA_NOTE_MAX_CHARS))


def note_too_long(length: int) -> str:
    return _("That's {length}, and a note holds {limit}. Please make it shorter.").format(
        length=characters(length), limit=characters(AREA_NOTE_MAX_CHARS))


def delta(value: int | float | None, locale: str | None = None) -> str:
    if value is None:
        return ""
    if value > 0:
        return f" (▲{format_number(value, locale)})"
    if value < 0:
        return f" (▼{format_number(-value, locale)})"
    return " (=)"


def chart_caption(comparison: WheelComparison, locale: str | None = None) -> str:
    return _("🎡 Your life wheel · average {average}{delta}").format(
        average=format_number(comparison.average, locale), delta=delta(comparison.average_delta, locale))


def result_text(dialog: WheelDialog, comparison: WheelComparison, *, first: bool, locale: str) -> str:
    """Each area's score and change, then where to focus."""
    areas = {area.id: area for area in dialog.areas}
    lines = [f"{escape(areas[change.area_id].emoji)} {escape(area_title(areas[change.area_id], locale))}: "
             f"<b>{change.score}</b>{delta(change.delta, locale)}" for change in comparison.areas]
    summary = [_("<b>Your scores</b>") if first else _("<b>Changes since last time</b>"), "\n".join(lines)]
    if first:
        summary.append(_("This is your first wheel — next time I'll show what changed."))
    if comparison.focus:
        focus = ", ".join(escape(area_title(areas[area_id], locale)) for area_id in comparison.focus)
        summary.append(_("🎯 <b>Focus for now:</b> {areas}. The lowest scores are where small steps change "
                         "the most.").format(areas=focus))
    elif comparison.even:
        summary.append(_("🎯 Every area got the same score, so none stands out as the lowest. Pick the one that "
                         "matters most to you now: your goals can start there."))
    return "\n\n".join(summary)


def history_text(entries: list[tuple[date, LifeWheelEntry]], *, page: int, pages: int, locale: str) -> str:
    """`entries` are the page's wheels with the local day each was made."""
    if not entries:
        return _("You haven't filled in a life wheel yet. Try /wheel — it takes two minutes.")
    lines = [_("🗂 <b>Your life wheels</b> · page {page} of {pages}").format(page=page, pages=pages), ""]
    for day, entry in entries:
        average = sum(entry.scores.values()) / len(entry.scores) if entry.scores else 0
        lines.append(_("• {date} — average {average}").format(
            date=format_date(day, format="medium", locale=locale), average=format_number(round(average, 1), locale)))
    return "\n".join(lines)
