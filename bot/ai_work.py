"""What AI features in the bot share: every AI wait goes through `ai_wait` — "typing…" at once and, when the work
takes longer than PROGRESS_AFTER_SECONDS, one progress message edited stage by stage. It also tells a failure and
offers another try when one may help (the user's input is always saved before the AI is asked).

    async with ai_wait(bot, chat_id, _("⏳ Reading your wants…"), retry=retry_keyboard()) as progress:
        await progress.stage(_("🔎 Finding themes…"))
        result = await container.wants.analyze(user)
    if progress.failed:
        return
    await progress.done(_("✅ Done"))  # only edits a progress message that was shown
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.errors import UNEXPECTED_TEXT, error_text, is_retryable
from bot.keyboards.menu import back_to_menu
from bot.slow_work import SlowWork
from core.config import Settings
from core.errors import DomainError

log = logging.getLogger("mechta.bot.ai_work")

# A quick answer needs no progress message: "typing…" says enough. Slower work shows its stage after this long.
PROGRESS_AFTER_SECONDS = 2.0


class ProgressMessage:
    """One message that shows the stage an AI job is at; edited in place, so the chat does not fill up. Stages
    given before the job has taken PROGRESS_AFTER_SECONDS are only remembered; the latest one appears then."""

    def __init__(self, bot: Bot, chat_id: int, *, delay: float | None = None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.delay = PROGRESS_AFTER_SECONDS if delay is None else delay
        self.message: Message | None = None
        self.failed = False
        self._stage: str | None = None
        self._visible = False  # the delay has passed (or the work is over): stages are shown, not just kept
        self._lock = asyncio.Lock()

    @property
    def shown(self) -> bool:
        return self.message is not None

    async def show(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Show `text` now: in the progress message when there is one, else as a new message."""
        async with self._lock:
            if self.message is None:
                self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
                return
            try:
                await self.message.edit_text(text, reply_markup=reply_markup)
            except TelegramBadRequest as error:
                if "message is not modified" not in error.message:
                    self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)

    async def stage(self, text: str) -> None:
        """The work moved on: shown at once if the progress message is up, otherwise kept for when it appears."""
        self._stage = text
        if self._visible:
            await self._courtesy(text)

    async def done(self, text: str) -> None:
        """A closing word for a progress message that was shown; a quick job that showed none says nothing."""
        if self.message is not None:
            await self._courtesy(text)

    async def _courtesy(self, text: str) -> None:
        try:
            await self.show(text)
        except TelegramAPIError:  # progress is a courtesy: the result comes anyway
            log.warning("could not show an AI progress message", exc_info=True)

    async def _appear_later(self) -> None:
        await asyncio.sleep(self.delay)
        self._visible = True
        if self._stage is not None:
            await self._courtesy(self._stage)

    @asynccontextmanager
    async def working(self, *, retry: InlineKeyboardMarkup | None = None,
                      otherwise: InlineKeyboardMarkup | None = None,
                      action: str = ChatAction.TYPING) -> AsyncIterator[None]:
        """The block runs with the chat action on, and the progress message appears if it takes long. A DomainError
        inside ends it and is told in this message, with the `retry` buttons when another try may help, else the
        `otherwise` ones (the way on from there; the menu by default); afterwards `failed` says whether that
        happened."""
        later = asyncio.create_task(self._appear_later())
        try:
            async with ChatActionSender(bot=self.bot, chat_id=self.chat_id, action=action):
                yield
        except DomainError as error:
            self.failed = True
            await self._settle(later)
            await self.show(error_text(error), retry if is_retryable(error) else otherwise or back_to_menu())
        finally:
            await self._settle(later)

    async def _settle(self, later: asyncio.Task) -> None:
        """Stop the timer; a progress message already on its way is let through, so it is edited, never orphaned."""
        if later.done():
            return
        if self._visible:
            with contextlib.suppress(Exception):
                await later
        else:
            later.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await later
        self._visible = True


@asynccontextmanager
async def ai_wait(bot: Bot, chat_id: int, stage: str | None = None, *, retry: InlineKeyboardMarkup | None = None,
                  otherwise: InlineKeyboardMarkup | None = None, action: str = ChatAction.TYPING,
                  delay: float | None = None) -> AsyncIterator[ProgressMessage]:
    """The one way the bot waits for the AI: typing at once, the `stage` (then each `progress.stage(...)`) in a
    progress message once the work takes longer than PROGRESS_AFTER_SECONDS, a DomainError told with `retry`
    (or `otherwise`, the menu by default).
    After the block, `progress.failed` says whether it failed; `progress.show(...)` puts the result in place of
    the progress message (or sends it, when none was shown)."""
    progress = ProgressMessage(bot, chat_id, delay=delay)
    if stage is not None:
        await progress.stage(stage)
    async with progress.working(retry=retry, otherwise=otherwise, action=action):
        yield progress


async def ai_tail(slow_work: SlowWork | None, settings: Settings, bot: Bot, chat_id: int, name: str,
                  tail: Callable[[], Awaitable[None]], *, busy_text: str | None = None) -> None:
    """Run a handler's AI tail (an `ai_wait` and what follows it). Polling: here and now, as before. Webhook mode:
    through SlowWork, so the update is answered at once and the tail finishes in the background ("typing…" starts
    at once all the same); the person's input must be saved before. While the same work runs for the chat, a
    second start is refused with a short note (`busy_text`), so the AI is not asked twice."""
    if slow_work is None or not settings.bot_webhook_url:
        await tail()
        return

    async def told() -> None:
        """Off the update, the errors router no longer hears of a failure: the tail tells the person itself."""
        try:
            await tail()
        except DomainError as error:
            await _tell(bot, chat_id, error_text(error))
        except Exception:
            await _tell(bot, chat_id, str(UNEXPECTED_TEXT))
            raise  # logged and counted by SlowWork

    if not await slow_work.start(chat_id, name, told):
        await bot.send_message(chat_id, busy_text or _("⏳ I'm already working on it — the answer will come here."))


async def _tell(bot: Bot, chat_id: int, text: str) -> None:
    try:
        await bot.send_message(chat_id, text, reply_markup=back_to_menu())
    except TelegramAPIError:
        log.warning("could not tell the person about a failed background job", exc_info=True)
