"""/export and /delete_me: everything Mechta keeps about the person as files, or the person forgotten for good.

Both are commands, so they work inside any dialog. Deletion asks first; the confirmation button names the account
and the moment it was asked, and the core service finds nobody the second time, so a double press, a late press
or a press from another replica deletes once and never crashes.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from bot.keyboards.data_rights import AccountDeletion, deletion_confirmation
from bot.keyboards.menu import back_to_menu
from bot.utils.messages import drop_keyboard, edit_or_send
from core.bootstrap import Container
from core.db.models import User
from core.errors import NotFound
from core.services.data_rights import GOOGLE_REVOKE_FAILED, GOOGLE_REVOKED, DeletionSummary

# How long the "Yes, delete everything" button stays valid.
CONFIRMATION_TTL = timedelta(minutes=10)

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


async def export_command(message: Message, bot: Bot, user: User, container: Container) -> None:
    chat_id = message.chat.id
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    document = await container.data_rights.export(user.id)
    blocks = await container.data_rights.planned_blocks_ics(user.id)
    day = container.clock.local_today(user.time_zone).isoformat()
    records = record_count(document)
    caption = ngettext("📦 Everything I keep about you — {count} record in one JSON file.",
                       "📦 Everything I keep about you — {count} records in one JSON file.",
                       records).format(count=_number(records, user.locale))
    if not blocks.count:
        caption += "\n\n" + _("There are no planned blocks in your calendar yet, so there is no .ics file.")
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode()
    await bot.send_document(chat_id, BufferedInputFile(payload, f"mechta-export-{day}.json"), caption=caption,
                            reply_markup=None if blocks.count else back_to_menu())
    if blocks.count:
        await bot.send_document(
            chat_id, BufferedInputFile(blocks.ics, f"mechta-plan-{day}.ics"),
            caption=ngettext("📅 {count} planned block as a calendar file — open it in Google, Apple or Outlook "
                             "Calendar.",
                             "📅 {count} planned blocks as a calendar file — open it in Google, Apple or Outlook "
                             "Calendar.", blocks.count).format(count=_number(blocks.count, user.locale)),
            reply_markup=back_to_menu())


async def delete_me_command(message: Message, user: User, container: Container) -> None:
    asked = int(container.clock.now().timestamp())
    await message.answer(confirmation_text(), reply_markup=deletion_confirmation(user.id, asked))


async def deletion_pressed(callback: CallbackQuery, callback_data: AccountDeletion, bot: Bot, user: User,
                           container: Container) -> None:
    asked = datetime.fromtimestamp(callback_data.asked, UTC)
    if callback_data.account != user.id.hex or container.clock.now() - asked > CONFIRMATION_TTL:
        await callback.answer(_("This button is outdated — send /delete_me again."))
        await drop_keyboard(callback)
        return
    await callback.answer()
    if callback_data.action != "delete":
        await edit_or_send(bot, callback, _("Good — nothing was deleted."), back_to_menu())
        return
    await edit_or_send(bot, callback, _("🗑 Deleting…"))
    try:
        summary = await container.data_rights.delete_person(user.id)
    except NotFound:
        return  # another press of the same button got there first, and reports it
    await edit_or_send(bot, callback, deletion_report(summary, user.locale))


def create_router() -> Router:
    router = Router(name="data_rights")
    router.message.register(export_command, Command("export"))
    router.message.register(delete_me_command, Command("delete_me"))
    router.callback_query.register(deletion_pressed, AccountDeletion.filter())
    return router
