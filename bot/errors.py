"""The last line: a failed update is logged with its id and the user hears something kind in their language."""
from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __

from bot.middlewares.user import telegram_profile
from core.bootstrap import Container
from core.errors import DomainError
from core.services.users import locale_from_language_code

log = logging.getLogger("mechta.bot")

DOMAIN_ERROR_TEXTS = {
    "LIFE_WHEEL_EMPTY_SCORES": __("There are no scores to save yet. Start the wheel again with /wheel."),
    "LIFE_WHEEL_INVALID_AREA_ID": __(
        "The list of life areas changed while you were scoring. Please start the wheel again with /wheel."),
    "LIFE_WHEEL_NOT_FOUND": __("I couldn't find that wheel — it may have been deleted."),
    "USER_INVALID_TIME_ZONE": __("I don't know that time zone. Try a city name, for example Berlin."),
    "USER_NOT_FOUND": __("I couldn't find your profile. Send /start to set it up again."),
    "VALIDATION_ERROR": __("Some of the values don't look right. Please try once more."),
    "RATE_LIMITED": __("Too many attempts in a row. Please wait a little and try again."),
    "QUOTA_EXCEEDED": __("This month's limit for this feature is used up. It renews next month."),
    "NOT_FOUND": __("I couldn't find that — it may have been deleted."),
}
GENERIC_DOMAIN_TEXT = __("I couldn't do that. Please try again, or open the /menu.")
UNEXPECTED_TEXT = __("Oops — something went wrong on my side. I've noted it; please try again in a moment, "
                     "or open the /menu.")


def domain_error_text(error: DomainError) -> str:
    return str(DOMAIN_ERROR_TEXTS.get(error.code, GENERIC_DOMAIN_TEXT))


def create_errors_router(container: Container, i18n: I18n) -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent, bot: Bot) -> None:
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
            text = domain_error_text(error) if expected else str(UNEXPECTED_TEXT)
        try:
            if isinstance(source, CallbackQuery):
                await _answer_quietly(source)
            await bot.send_message(telegram_user.id, text)
        except TelegramAPIError:
            log.warning("update %s: could not tell the user about the failure", update.update_id, exc_info=True)

    return router


async def _locale_of(container: Container, telegram_user) -> str:
    try:
        user, _created = await container.users.resolve_telegram_user(telegram_profile(telegram_user))
    except Exception:  # the failure may be the database itself; the Telegram language is a fine fallback
        return locale_from_language_code(telegram_user.language_code)
    return user.locale


async def _answer_quietly(callback: CallbackQuery) -> None:
    with contextlib.suppress(TelegramAPIError):  # already answered by the handler before it failed
        await callback.answer()
