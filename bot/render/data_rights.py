"""/export and /delete_me: the export's captions, the question before deleting and the report after it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from core.services.data_rights import GOOGLE_REVOKE_FAILED, GOOGLE_REVOKED, DeletionSummary

# The kinds a person recognises, in the order the report lists them; every other kind (XP ledger, delivery log,
# AI usage, dialog state, ...) is counted as service records.
KIND_PHRASES: dict[str, Callable[[int], str]] = {
    "life_wheels": lambda n: ngettext("{count} life wheel", "{count} life wheels", n),
    "wants": lambda n: ngettext("{count} wants exercise", "{count} wants exercises", n),
    "wants_analyses": lambda n: ngettext("{count} wants analysis", "{count} wants analyses", n),
    "story_drafts": lambda n: ngettext("{count} interview answer", "{count} interview answers", n),
    "stories": lambda n: ngettext("{count} future story", "{count} future stories", n),
    "pictures": lambda n: ngettext("{count} picture", "{count} pictures", n),
    "goals": lambda n: ngettext("{count} goal", "{count} goals", n),
    "steps": lambda n: ngettext("{count} step", "{count} steps", n),
    "journal_entries": lambda n: ngettext("{count} journal entry", "{count} journal entries", n),
    "weekly_reviews": lambda n: ngettext("{count} weekly review", "{count} weekly reviews", n),
    "achievements": lambda n: ngettext("{count} achievement", "{count} achievements", n),
    "calendar_events": lambda n: ngettext("{count} calendar event", "{count} calendar events", n),
}
PROFILE_KIND = "profile"


def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def record_count(document: dict[str, Any]) -> int:
    return int(document.get(PROFILE_KIND) is not None) + sum(
        len(section) for section in document.values() if isinstance(section, list))


def deletion_report(summary: DeletionSummary, locale: str) -> str:
    lines = [_("🗑 <b>Done — I've deleted everything I knew about you:</b>"), "• " + _("your profile and settings")]
    for kind, phrase in KIND_PHRASES.items():
        count = summary.deleted.get(kind, 0)
        if count:
            lines.append("• " + phrase(count).format(count=_number(count, locale)))
    if summary.files:
        lines.append("• " + ngettext("{count} file", "{count} files", summary.files).format(
            count=_number(summary.files, locale)))
    service = sum(count for kind, count in summary.deleted.items() if kind not in KIND_PHRASES
                  and kind != PROFILE_KIND)
    if service:
        lines.append("• " + ngettext("{count} service record", "{count} service records", service).format(
            count=_number(service, locale)))
    lines.append("")
    if summary.sessions_ended:
        lines.append(_("Every signed-in session has ended."))
    if summary.google == GOOGLE_REVOKED:
        lines.append(_("Google Calendar access is revoked."))
    elif summary.google == GOOGLE_REVOKE_FAILED:
        lines.append(_("⚠️ Google didn't confirm that access was revoked — please remove Mechta at "
                       "myaccount.google.com/permissions."))
    if summary.leftovers:
        lines.append(_("⚠️ Some temporary data couldn't be removed right away; I've noted it so it gets cleaned up."))
    lines += ["", _("If you ever want to start again, send /start — I'll be glad to meet you anew.")]
    return "\n".join(lines)


def confirmation_text() -> str:
    return "\n\n".join([
        _("⚠️ <b>Delete all your data?</b>"),
        _("I'll erase your profile, life wheels, wants, stories and pictures, goals and steps, journal, achievements "
          "and calendar blocks, end every signed-in session and disconnect Google Calendar."),
        _("This can't be undone. Want a copy first? Send /export."),
    ])


def export_caption(records: int, *, has_blocks: bool, locale: str) -> str:
    caption = ngettext("📦 Everything I keep about you — {count} record in one JSON file.",
                       "📦 Everything I keep about you — {count} records in one JSON file.",
                       records).format(count=_number(records, locale))
    if not has_blocks:
        caption += "\n\n" + _("There are no planned blocks in your calendar yet, so there is no .ics file.")
    return caption


def blocks_caption(count: int, locale: str) -> str:
    return ngettext("📅 {count} planned block as a calendar file — open it in Google, Apple or Outlook Calendar.",
                    "📅 {count} planned blocks as a calendar file — open it in Google, Apple or Outlook Calendar.",
                    count).format(count=_number(count, locale))
