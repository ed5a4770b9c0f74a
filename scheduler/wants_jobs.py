"""The "time's up" notices of wants streams, once per scheduler tick after the hook that closes expired streams.

The scheduler is the one owner of stream expiry (the bot may run as several webhook replicas): core's WantsService
closes the streams and owes their writers a notice, hands each owed notice to one sender at a time and forgets it
once settled; this module renders and sends. A notice not sent for a passing failure stays owed and is sent by a
later tick; a chat that is gone (or a person without one) settles it unsent.
"""
from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.render.stream_expiry import stream_expired_notice
from core.bootstrap import Container
from core.errors import DomainError
from scheduler.chat import ChatSender, Unreachable, default_i18n
from scheduler.rate_limit import SendRateLimiter

log = logging.getLogger("mechta.scheduler.wants")


async def send_stream_notices(container: Container, bot: Bot, now: datetime, *,
                              limiter: SendRateLimiter | None = None, i18n: I18n | None = None) -> int:
    """Tell every writer whose stream the timer closed; returns the notices sent."""
    chat, i18n = ChatSender(bot, limiter), i18n or default_i18n()
    wants = container.wants
    sent = 0
    for notice in await wants.claim_stream_notices(now):
        try:
            user = await container.users.get(notice.user_id)
        except DomainError:
            user = None
        if user is None or not user.is_active or user.telegram_id is None:
            await wants.stream_notice_sent(notice.raw_id)  # nobody to tell in a chat: the app shows the stream
            continue
        try:
            checklist = await wants.checklist(user.id)
            with i18n.context(), i18n.use_locale(user.locale):
                text, markup = stream_expired_notice(notice.wants_saved, checklist)
            await chat.send(user.telegram_id, text, markup)
        except Unreachable:
            log.info("stream notice %s: the chat is gone; dropping it", notice.raw_id)
        except Exception:
            log.warning("stream notice %s not sent; a later tick tries again", notice.raw_id, exc_info=True)
            continue
        else:
            sent += 1
        await wants.stream_notice_sent(notice.raw_id)
    return sent
