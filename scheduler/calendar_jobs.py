"""The calendar's chat work, once per scheduler tick: tell people what happened in their calendar (the
notification outbox), remind them when a planned block starts, and repeat snoozed reminders when they are due.

What is due, and that each goes out at most once, is the calendar service's (core/services/calendar/reminders.py
and notifications.py claim them); this module renders and sends. A person who blocked the bot (or a message
Telegram refuses) is skipped for good (the notification is marked delivered); a transient failure (network, flood
wait) hands a notification back for the next tick.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.calendar_texts import notification_text, reminder_text, snoozed_reminder_text
from bot.keyboards.calendar import reminder_keyboard
from core.bootstrap import Container
from core.services.calendar.reminders import DueReminder
from scheduler.chat import ChatSender, Unreachable, default_i18n
from scheduler.rate_limit import SendRateLimiter

log = logging.getLogger("mechta.scheduler.calendar")

NOTIFICATIONS_PER_TICK = 200


async def run_calendar_jobs(container: Container, bot: Bot, now: datetime, *,
                            limiter: SendRateLimiter | None = None, i18n: I18n | None = None) -> dict[str, int]:
    """One tick of the calendar's chat work; each part runs even if another fails. Returns messages sent."""
    jobs = CalendarJobs(container, ChatSender(bot, limiter), i18n or default_i18n())
    report: dict[str, int] = {}
    for name, job in (("notifications", jobs.deliver_notifications), ("reminders", jobs.send_block_reminders),
                      ("snoozes", jobs.send_due_snoozes)):
        try:
            report[name] = await job(now)
        except Exception:
            log.exception("calendar job %s failed; the next tick tries again", name)
            report[name] = -1
    return report


class CalendarJobs:
    def __init__(self, container: Container, chat: ChatSender, i18n: I18n) -> None:
        self.calendar = container.calendar
        self.chat = chat
        self.i18n = i18n

    async def deliver_notifications(self, now: datetime) -> int:
        sent = 0
        finished: list[uuid.UUID] = []
        for item in await self.calendar.notifications.claim(limit=NOTIFICATIONS_PER_TICK):
            notification, user = item.notification, item.user
            try:
                if user is not None and user.telegram_id is not None:
                    with self.i18n.context(), self.i18n.use_locale(user.locale):
                        text = notification_text(notification, user)
                    if text is not None:
                        await self.chat.send(user.telegram_id, text)
                        sent += 1
            except Unreachable:
                log.info("calendar notification %s: the chat is gone; dropping it", notification.id)
            except Exception:
                await self.calendar.notifications.release(notification.id)
                log.warning("calendar notification %s not sent; retrying next tick", notification.id, exc_info=True)
                continue
            finished.append(notification.id)
        if finished:
            await self.calendar.notifications.mark_delivered(finished)
        return sent

    async def send_block_reminders(self, now: datetime) -> int:
        return await self._remind(await self.calendar.reminders.blocks_due(now))

    async def send_due_snoozes(self, now: datetime) -> int:
        return await self._remind(await self.calendar.reminders.snoozes_due(now))

    async def _remind(self, reminders: list[DueReminder]) -> int:
        sent = 0
        for reminder in reminders:
            user = reminder.user
            if user.telegram_id is None:
                continue
            with self.i18n.context(), self.i18n.use_locale(user.locale):
                if reminder.start is not None and reminder.end is not None:
                    text = reminder_text(reminder.title, reminder.start, reminder.end, user)
                else:
                    text = snoozed_reminder_text(reminder.title)
                markup = reminder_keyboard(reminder.step_id)
            if await self._send_quietly(user.telegram_id, text, markup):
                sent += 1
        return sent

    async def _send_quietly(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """A reminder is worth one try: whatever Telegram answers, it is not sent again."""
        try:
            await self.chat.send(chat_id, text, markup)
        except Unreachable:
            return False
        except Exception:
            log.warning("a calendar reminder to chat %s was not sent", chat_id, exc_info=True)
            return False
        return True
