"""/start: a new user meets Mechta and answers the setup questions; a returning user gets the menu."""
from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.profile import ONBOARDING_STEPS, ask
from bot.screens import greeting_text, show_menu
from core.db.models import User


async def start(message: Message, state: FSMContext, bot: Bot, user: User) -> None:
    # `/start <payload>` (a deep link) lands here too; the payload needs nothing special yet.
    if user.onboarded_at is not None:
        await state.clear()
        greeting = _("Welcome back, {name}!").format(name=escape(user.first_name)) if user.first_name \
            else _("Welcome back!")
        await show_menu(bot, message.chat.id, f"👋 {greeting} " + _("What shall we do?"))
        return
    await message.answer(greeting_text(user))
    await ask(ONBOARDING_STEPS[0], bot, message.chat.id, state, user, mode="onboarding")


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.register(start, CommandStart())
    return router
