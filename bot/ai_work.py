"""What AI features in the bot share: a progress message edited stage by stage, and kind texts for the failures
of the wants, story and picture services (the user's input is always saved before the AI is asked)."""
from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.errors import domain_error_text
from core.errors import DomainError

FEATURE_ERROR_TEXTS = {
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
}
QUOTA_TEXTS = {
    "text": __("You've used this month's {limit} AI texts on your plan. The limit renews at the start of next "
               "month — everything you wrote stays saved until then."),
    "image": __("You've used this month's {limit} AI pictures on your plan. The limit renews at the start of next "
                "month."),
}


def is_ai_failure(error: DomainError) -> bool:
    """Timeouts and provider failures: worth another try (quota and input problems are not)."""
    return error.code.endswith(("_AI_TIMEOUT", "_AI_FAILED", "_AI_BAD_RESPONSE"))


def feature_error_text(error: DomainError) -> str:
    if error.code.endswith("_AI_TIMEOUT"):
        return _("The AI took too long to answer. Everything you wrote is saved — please try again in a minute.")
    if is_ai_failure(error):
        return _("The AI stumbled this time. Everything you wrote is saved — please try again.")
    if error.code == "QUOTA_EXCEEDED":
        template = QUOTA_TEXTS.get(str(error.details.get("resource")), QUOTA_TEXTS["text"])
        return str(template).format(limit=error.details.get("limit", "?"))
    text = FEATURE_ERROR_TEXTS.get(error.code)
    return str(text) if text is not None else domain_error_text(error)


class ProgressMessage:
    """One message that shows the stage an AI job is at; edited in place, so the chat does not fill up."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message: Message | None = None

    async def show(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        if self.message is None:
            self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
            return
        try:
            await self.message.edit_text(text, reply_markup=reply_markup)
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                self.message = await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)
