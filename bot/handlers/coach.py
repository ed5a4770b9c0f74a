"""The coach: text written outside any dialog, /ask <question>, /newchat, and the buttons under its answers.
Registered just before the fallback router, so every dialog claims its own input first; messages that are not text
(stickers, photos) still get the fallback's menu.

The answer shows "typing…" at once and, when the AI takes longer than PROGRESS_AFTER_SECONDS, a progress message
that the answer then replaces. A suggested action is only a button: planning the week and scoring the wheel are
the product's own buttons, a step's done / tomorrow buttons call the same step service as /today."""
from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import CallbackQuery, Message

from bot.ai_work import ai_tail, ai_wait
from bot.errors import error_text, is_retryable
from bot.keyboards.coach import CoachStep, retry_keyboard
from bot.keyboards.menu import back_to_menu
from bot.render import Screen
from bot.render import coach as render
from bot.rituals.texts import outdated_text, xp_toast
from bot.slow_work import SlowWork
from bot.utils.filters import OWN_TEXT
from bot.utils.messages import drop_keyboard
from bot.utils.text import MESSAGE_LIMIT, send_long, telegram_length
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError, NotFound, QuotaExceeded
from core.services.coach import CoachAnswer

log = logging.getLogger("mechta.bot.coach")

async def _outcome(ask: Callable[[], Awaitable[CoachAnswer | None]], user: User, container: Container) -> Screen:
    try:
        answer = await ask()
    except QuotaExceeded:
        return render.quota_refusal(await container.quotas.allowance(user), user.locale)
    except DomainError as error:
        if error.code == "COACH_QUESTION_INVALID":
            length, limit = error.details["length"], error.details["limit"]
            return Screen(render.question_too_long(length, limit) if length else render.ask_hint(), back_to_menu())
        return Screen(error_text(error), retry_keyboard() if is_retryable(error) else back_to_menu())
    if answer is None:
        return Screen(render.nothing_to_retry(), back_to_menu())
    return render.answer_screen(answer)


async def answer(bot: Bot, chat_id: int, user: User, container: Container,
                 ask: Callable[[], Awaitable[CoachAnswer | None]], slow_work: SlowWork | None = None) -> None:
    """Run `ask` with typing on and a progress message if it is slow, then show the answer or what went wrong
    (in webhook mode after the update is answered; one question at a time per chat)."""
    await ai_tail(slow_work, container.settings, bot, chat_id, "coach", lambda: _answer(bot, chat_id, user,
                                                                                         container, ask),
                  busy_text=render.still_answering())


async def _answer(bot: Bot, chat_id: int, user: User, container: Container,
                  ask: Callable[[], Awaitable[CoachAnswer | None]]) -> None:
    async with ai_wait(bot, chat_id, render.thinking_text()) as progress:
        text, markup = await _outcome(ask, user, container)
    if progress.message is not None and telegram_length(text) <= MESSAGE_LIMIT:
        await progress.show(text, markup)
    else:
        await send_long(bot, chat_id, text, reply_markup=markup)


async def free_text(message: Message, bot: Bot, user: User, container: Container,
                    slow_work: SlowWork | None = None) -> None:
    question = message.text or ""
    await answer(bot, message.chat.id, user, container, lambda: container.coach.ask(user, question), slow_work)


async def ask_command(message: Message, command: CommandObject, bot: Bot, user: User, container: Container,
                      slow_work: SlowWork | None = None) -> None:
    question = (command.args or "").strip()
    if not question:
        await message.answer(render.ask_hint(), reply_markup=back_to_menu())
        return
    await answer(bot, message.chat.id, user, container, lambda: container.coach.ask(user, question), slow_work)


async def newchat_command(message: Message, user: User, container: Container) -> None:
    await container.coach.forget(user.id)
    await message.answer(render.forgotten_text(), reply_markup=back_to_menu())


async def retry_pressed(callback: CallbackQuery, bot: Bot, user: User, container: Container,
                        slow_work: SlowWork | None = None) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await answer(bot, callback.from_user.id, user, container, lambda: container.coach.answer_pending(user),
                 slow_work)


async def step_pressed(callback: CallbackQuery, callback_data: CoachStep, user: User, container: Container) -> None:
    """Done / tomorrow for a step the coach suggested: checked again now (the person's own, still open)."""
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, NotFound):
        step = None
    if step is None or not step.is_open:
        await callback.answer(outdated_text())
        return
    try:
        if callback_data.action == "done":
            change = await container.steps.mark_done(user.id, step.id)
            await callback.answer(xp_toast(change.gamification_event, render.step_done(step.title)))
            outcome = render.step_done(step.title)
        else:
            await container.steps.move_to_tomorrow(user.id, step.id)
            outcome = render.step_moved(step.title)
            await callback.answer(outcome)
    except DomainError as error:  # told on the button; the answer above stays as it was
        await callback.answer(error_text(error))
        return
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        with contextlib.suppress(TelegramBadRequest):  # too old to edit: the toast said it
            await message.edit_text(f"{message.html_text}\n\n{outcome}", reply_markup=_without_step(message, step.id))


def _without_step(message: Message, step_id: uuid.UUID):
    """The answer's buttons without the pressed step's ones (the step is done or moved now)."""
    markup = message.reply_markup
    if markup is None:
        return None
    rows = [[button for button in row if not (button.callback_data or "").endswith(step_id.hex)]
            for row in markup.inline_keyboard]
    markup.inline_keyboard = [row for row in rows if row]
    return markup


def create_router() -> Router:
    router = Router(name="coach")
    router.message.register(ask_command, Command("ask"))
    router.message.register(newchat_command, Command("newchat"))
    router.message.register(free_text, StateFilter(None), OWN_TEXT)
    router.callback_query.register(retry_pressed, CoachStep.filter(F.action == "retry"))
    router.callback_query.register(step_pressed, CoachStep.filter(F.action.in_({"done", "tomorrow"})))
    return router
