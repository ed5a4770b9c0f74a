"""How the bot words a failure, in one place, and the last line that catches what a handler let through.

`error_text` turns any DomainError into a kind sentence: the text of its code if there is one, else the text of its
class (the nearest in its hierarchy), else a generic line. Handlers catch a DomainError only to change the flow
(end a dialog, offer a retry button); to just tell the person, they let it reach the errors router below.
"""
from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import lazy_gettext as __

from bot.middlewares.user import telegram_profile
from bot.render import Screen, format_number
from bot.utils.dialog import OpenQuestion, reask_for
from bot.utils.text import send_long
from core.bootstrap import Container
from core.db.models import User
from core.errors import AIFailed, AITimeout, DomainError, NotFound, QuotaExceeded, TooManyRequests, Unprocessable
from core.services.users import locale_from_language_code

log = logging.getLogger("mechta.bot")

TEXTS_BY_CODE = {
    "LIFE_WHEEL_EMPTY_SCORES": __("There are no scores to save yet. Start the wheel again with /wheel."),
    "LIFE_WHEEL_INVALID_AREA_ID": __(
        "The list of life areas changed while you were scoring. Please start the wheel again with /wheel."),
    "LIFE_WHEEL_NOT_FOUND": __("I couldn't find that wheel — it may have been deleted."),
    "USER_INVALID_TIME_ZONE": __("I don't know that time zone. Try a city name, for example Berlin."),
    "USER_NOT_FOUND": __("I couldn't find your profile. Send /start to set it up again."),
    "WANTS_STREAM_FINISHED": __("This stream is already closed — its wants are saved."),
    "WANTS_TEXT_TOO_LONG": __("That text is too long for me to keep. Please split it or make it shorter."),
    "WANTS_RAW_IMMUTABLE": __("Those exercises are already completed. Open /wants to start a new round."),
    "WANTS_DRAFT_NOT_FOUND": __("I couldn't find your exercises. Open /wants to start them."),
    "WANTS_RAW_NOT_FOUND": __("Finish all three exercises in /wants first, then I can analyze them."),
    "WANTS_RAW_NOT_READY": __("Some exercises are not finished yet — see the checklist in /wants."),
    "FUTURE_STORY_DRAFT_EMPTY": __("Answer at least one interview question first — open /story."),
    "FUTURE_STORY_NOT_FOUND": __("There is no story yet. Open /story to write one."),
    "FUTURE_STORY_INVALID_AREA": __("The list of life areas changed. Please open /story again."),
    "VISUALS_STORY_NOT_FOUND": __("I couldn't find that story any more. Open /story for the latest one."),
    "VISUALS_IMAGE_KEY_NOT_FOUND": __("That scene is not in your story any more. Open /story for the latest one."),
    "VISUALS_PROMPT_MISSING": __("This scene has no description to draw from. Please pick another one."),
    "VISUALS_ASSET_NOT_FOUND": __("I couldn't find that picture — it may have been replaced."),
    "GOALS_NOT_ENOUGH_DATA": __("To propose goals I need something to go on: fill in the life wheel (/wheel), "
                                "the wants exercises or the future story first."),
    "STEPS_ALREADY_DONE": __("This step is already done."),
    "RITUALS_ALREADY_COMPLETED": __("This ritual is already done for that day — see you at the next one!"),
    "RITUALS_INVALID_DATE": __("That prompt was for another day, and the day has moved on. The next one will "
                               "come on time."),
    "RITUALS_REVIEW_ALREADY_DONE": __("This week's review is already done."),
    "RITUALS_STEPS_NOT_FOUND": __("None of these steps can be planned any more — they may be done or deleted."),
    "RITUALS_PROMPT_NOT_FOUND": __("This reminder can't be snoozed or skipped any more."),
    "RITUALS_PROMPT_NOT_SNOOZABLE": __("This reminder can't be snoozed or skipped any more."),
    "RITUALS_PROMPT_EXPIRED": __("This reminder can't be snoozed or skipped any more."),
    "GAMIFICATION_DISPLAY_NAME_INVALID": __("The name needs a few visible characters."),
    "GAMIFICATION_DISPLAY_NAME_REQUIRED": __("The name needs a few visible characters."),
    "GOOGLE_NOT_CONFIGURED": __("Google Calendar isn't available here. Your steps go to the Mechta calendar: "
                                "/calendar"),
    "CALENDAR_STEP_NOT_FOUND": __("Your steps changed since this plan was made. Let's look again: /calendar plan"),
    "CALENDAR_NOTHING_TO_PLAN": __("Your steps changed since this plan was made. Let's look again: /calendar plan"),
    "CALENDAR_WEEK_PASSED": __("Your steps changed since this plan was made. Let's look again: /calendar plan"),
}
# Matched along the error's class hierarchy, nearest first, when its code has no text of its own.
TEXTS_BY_CLASS = {
    AITimeout: __("The AI took too long to answer. Everything you wrote is saved — please try again in a minute."),
    AIFailed: __("The AI stumbled this time. Everything you wrote is saved — please try again."),
    NotFound: __("I couldn't find that — it may have been deleted."),
    Unprocessable: __("Some of the values don't look right. Please try once more."),
    TooManyRequests: __("Too many attempts in a row. Please wait a little and try again."),
    DomainError: __("I couldn't do that. Please try again, or open the /menu."),
}
# A used-up quota names what ran out (the resource is in the error's details), with the limit's plural form.
QUOTA_TEXTS = {
    "text": lambda limit: ngettext(
        "You've used this month's {limit} AI text on your plan. The limit renews at the start of next month — "
        "everything you wrote stays saved until then.",
        "You've used this month's {limit} AI texts on your plan. The limit renews at the start of next month — "
        "everything you wrote stays saved until then.", limit),
    "image": lambda limit: ngettext(
        "You've used this month's {limit} AI picture on your plan. The limit renews at the start of next month.",
        "You've used this month's {limit} AI pictures on your plan. The limit renews at the start of next month.",
        limit),
}
UNEXPECTED_TEXT = __("Oops — something went wrong on my side. I've noted it; please try again in a moment, "
                     "or open the /menu.")


def error_text(error: DomainError) -> str:
    """The error in the current locale's words (call inside the i18n context)."""
    text = TEXTS_BY_CODE.get(error.code)
    if text is not None:
        return str(text)
    if isinstance(error, QuotaExceeded):
        template = QUOTA_TEXTS.get(str(error.details.get("resource")), QUOTA_TEXTS["text"])
        limit = int(error.details.get("limit") or 0)
        return template(limit).format(limit=format_number(limit))
    return str(next(TEXTS_BY_CLASS[kind] for kind in type(error).__mro__ if kind in TEXTS_BY_CLASS))


def is_retryable(error: DomainError) -> bool:
    """The AI timed out or failed: another try may well work (quota and input problems will not)."""
    return isinstance(error, AITimeout | AIFailed)


def create_errors_router(container: Container, i18n: I18n) -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent, bot: Bot, state: FSMContext | None = None, user: User | None = None) -> None:
        # The last line: whatever happens while telling the person, the update ends here, handled.
        try:
            await _tell_about_failure(event, bot, state, user)
        except Exception:
            log.exception("update %s: the error handler itself failed", event.update.update_id)

    async def _tell_about_failure(event: ErrorEvent, bot: Bot, state: FSMContext | None, user: User | None) -> None:
        update, error = event.update, event.exception
        expected = isinstance(error, DomainError)
        if expected:
            log.info("update %s: %s", update.update_id, error)
        else:
            log.error("update %s failed", update.update_id, exc_info=error)
        source = update.event
        telegram_user = getattr(source, "from_user", None)
        if telegram_user is None:
            return
        locale = await _locale_of(container, telegram_user)
        with i18n.context(), i18n.use_locale(locale):
            text = error_text(error) if expected else str(UNEXPECTED_TEXT)
            question = await _open_question(container, state, user)
        markup = None
        if question is not None:  # the way on: the dialog's question, still open, with its buttons
            text, markup = f"{text}\n\n{question.text}", question.markup
        try:
            if isinstance(source, CallbackQuery):
                await _answer_quietly(source)
            await send_long(bot, telegram_user.id, text, reply_markup=markup)
        except TelegramAPIError:
            log.warning("update %s: could not tell the user about the failure", update.update_id, exc_info=True)

    return router


async def _open_question(container: Container, state: FSMContext | None, user: User | None) -> Screen | None:
    if state is None or user is None:
        return None
    try:
        raw_state = await state.get_state()
        reask = reask_for(raw_state)
        return None if reask is None else await reask(OpenQuestion(raw_state, await state.get_data(), user, container))
    except Exception:  # the failure may be the storage itself: the error is still told, without the question
        log.warning("could not ask the open question again after a failure", exc_info=True)
        return None


async def _locale_of(container: Container, telegram_user) -> str:
    try:
        user, _created = await container.users.resolve_telegram_user(telegram_profile(telegram_user))
    except Exception:  # the failure may be the database itself; the Telegram language is a fine fallback
        return locale_from_language_code(telegram_user.language_code)
    return user.locale


async def _answer_quietly(callback: CallbackQuery) -> None:
    with contextlib.suppress(TelegramAPIError):  # already answered by the handler before it failed
        await callback.answer()
