"""The calendar's chat work, once per scheduler tick: tell people what happened in their calendar (the
notification outbox), remind them when a planned block starts, and repeat snoozed reminders when they are due.

Each message goes out at most once: notifications and snoozes are claimed in the cache before sending, reminders
are keyed per block and start time. A person who blocked the bot (or a message Telegram refuses) is skipped for good
(the notification is marked delivered); a transient failure (network, flood wait) leaves a notification for the
next tick.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from functools import lru_cache

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.calendar_reminders import claim_due_snoozes
from bot.calendar_texts import notification_text, reminder_text, snoozed_reminder_text
from bot.i18n import create_i18n
from bot.keyboards.calendar import reminder_keyboard
from core.bootstrap import Container
from core.db.models import Step, User
from core.errors import DomainError
from scheduler.rate_limit import SendRateLimiter

log = logging.getLogger("mechta.scheduler.calendar")

NOTIFICATIONS_PER_TICK = 200
# A block is reminded about if it started within this window (a late tick still reminds; an old block does not).
REMINDER_LOOKBACK = timedelta(minutes=10)
CLAIM_SECONDS = 3600
REMINDED_KEEP_SECONDS = 2 * 24 * 3600


@lru_cache(maxsize=1)
def _default_i18n() -> I18n:
    return create_i18n()


class _Unreachable(Exception):
    """The chat is gone for good (blocked bot, deleted chat): the message is dropped, not retried."""


async def run_calendar_jobs(container: Container, bot: Bot, now: datetime, *,
                            limiter: SendRateLimiter | None = None, i18n: I18n | None = None) -> dict[str, int]:
    """One tick of the calendar's chat work; each part runs even if another fails. Returns messages sent."""
    jobs = CalendarJobs(container, bot, limiter, i18n or _default_i18n())
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
    def __init__(self, container: Container, bot: Bot, limiter: SendRateLimiter | None, i18n: I18n) -> None:
        self.container = container
        self.bot = bot
        self.limiter = limiter
        self.i18n = i18n
        self._users: dict[uuid.UUID, User | None] = {}

    async def deliver_notifications(self, now: datetime) -> int:
        calendar = self.container.calendar
        sent = 0
        finished: list[uuid.UUID] = []
        for notification in await calendar.notifications.pending(limit=NOTIFICATIONS_PER_TICK):
            claim = f"calendar:notification:{notification.id}"
            if not await self.container.cache.set_if_absent(claim, "1", CLAIM_SECONDS):
                continue  # another scheduler process has it
            user = await self._user(notification.user_id)
            try:
                if user is not None and user.telegram_id is not None:
                    with self.i18n.context(), self.i18n.use_locale(user.locale):
                        text = notification_text(notification, user)
                    if text is not None:
                        await self._send(user.telegram_id, text)
                        sent += 1
            except _Unreachable:
                log.info("calendar notification %s: the chat is gone; dropping it", notification.id)
            except Exception:
                await self.container.cache.delete(claim)
                log.warning("calendar notification %s not sent; retrying next tick", notification.id, exc_info=True)
                continue
            finished.append(notification.id)
        if finished:
            await calendar.notifications.mark_delivered(finished)
        return sent

    async def send_block_reminders(self, now: datetime) -> int:
        sent = 0
        for block in await self.container.calendar.blocks_starting(now - REMINDER_LOOKBACK,
                                                                   now + timedelta(seconds=1)):
            key = f"calendar:reminded:{block.id}:{block.start_at.isoformat()}"
            step = await self._open_step(block.user_id, block.step_id)
            user = await self._user(block.user_id)
            if step is None or user is None or user.telegram_id is None:
                continue
            if not await self.container.cache.set_if_absent(key, "1", REMINDED_KEEP_SECONDS):
                continue
            with self.i18n.context(), self.i18n.use_locale(user.locale):
                text = reminder_text(step.title, block.start_at, block.end_at, user)
                markup = reminder_keyboard(step.id)
            if await self._send_quietly(user.telegram_id, text, markup):
                sent += 1
        return sent

    async def send_due_snoozes(self, now: datetime) -> int:
        sent = 0
        for snooze in await claim_due_snoozes(self.container.cache, now):
            step = await self._open_step(snooze.user_id, snooze.step_id)
            user = await self._user(snooze.user_id)
            if step is None or user is None or user.telegram_id is None:
                continue
            with self.i18n.context(), self.i18n.use_locale(user.locale):
                text = snoozed_reminder_text(step.title)
                markup = reminder_keyboard(step.id)
            if await self._send_quietly(user.telegram_id, text, markup):
                sent += 1
        return sent

    async def _user(self, user_id: uuid.UUID) -> User | None:
        if user_id not in self._users:
            try:
                user = await self.container.users.get(user_id)
            except DomainError:
                user = None
            self._users[user_id] = user if user is not None and user.is_active else None
        return self._users[user_id]

    async def _open_step(self, user_id: uuid.UUID, step_id: uuid.UUID | None) -> Step | None:
        if step_id is None:
            return None
        try:
            step = await self.container.steps.get(user_id, step_id)
        except DomainError:
            return None
        return step if step.is_open else None

    async def _send_quietly(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """A reminder is worth one try: whatever Telegram answers, it is not sent again."""
        try:
            await self._send(chat_id, text, markup)
        except _Unreachable:
            return False
        except Exception:
            log.warning("a calendar reminder to chat %s was not sent", chat_id, exc_info=True)
            return False
        return True

    async def _send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        if self.limiter is not None:
            await self.limiter.acquire()
        try:
            await self.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup)
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            # Blocked, chat gone, or a message Telegram refuses: trying again would fail the same way.
            raise _Unreachable(error.message) from error
