"""/export and /delete_me: everything Mechta keeps about the person as files, or the person forgotten for good.

Both are commands, so they work inside any dialog. Deletion asks first; the confirmation button names the account
and the moment it was asked, and the core service finds nobody the second time, so a double press, a late press
or a press from another replica deletes once and never crashes.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.data_rights import AccountDeletion, deletion_confirmation
from bot.keyboards.menu import back_to_menu
from bot.render import data_rights as render
from bot.utils.messages import drop_keyboard, edit_or_send
from core.bootstrap import Container
from core.db.models import User
from core.errors import NotFound

# How long the "Yes, delete everything" button stays valid.
CONFIRMATION_TTL = timedelta(minutes=10)


async def export_command(message: Message, bot: Bot, user: User, container: Container) -> None:
    chat_id = message.chat.id
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    document = await container.data_rights.export(user.id)
    blocks = await container.data_rights.planned_blocks_ics(user.id)
    day = container.clock.local_today(user.time_zone).isoformat()
    caption = render.export_caption(render.record_count(document), has_blocks=bool(blocks.count), locale=user.locale)
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode()
    await bot.send_document(chat_id, BufferedInputFile(payload, f"mechta-export-{day}.json"), caption=caption,
                            reply_markup=None if blocks.count else back_to_menu())
    if blocks.count:
        await bot.send_document(
            chat_id, BufferedInputFile(blocks.ics, f"mechta-plan-{day}.ics"),
            caption=render.blocks_caption(blocks.count, user.locale), reply_markup=back_to_menu())


async def delete_me_command(message: Message, user: User, container: Container) -> None:
    asked = int(container.clock.now().timestamp())
    await message.answer(render.confirmation_text(), reply_markup=deletion_confirmation(user.id, asked))


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
    await edit_or_send(bot, callback, render.deletion_report(summary, user.locale))


def create_router() -> Router:
    router = Router(name="data_rights")
    router.message.register(export_command, Command("export"))
    router.message.register(delete_me_command, Command("delete_me"))
    router.callback_query.register(deletion_pressed, AccountDeletion.filter())
    return router
