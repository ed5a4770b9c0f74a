"""The command menu Telegram shows next to the input field, in each language we speak."""
from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from bot.i18n import FALLBACK_COMMANDS_LOCALE, LOCALES, N_

COMMANDS = (
    ("menu", N_("Main menu")),
    ("wheel", N_("Life wheel")),
    ("wheel_history", N_("Past life wheels")),
    ("wants", N_("Wants exercises")),
    ("story", N_("Future story and pictures")),
    ("goals", N_("Goals and their plans")),
    ("today", N_("Today's steps and rituals")),
    ("morning", N_("Morning ritual")),
    ("evening", N_("Evening ritual")),
    ("review", N_("Weekly review")),
    ("calendar", N_("Calendar: plan the week, reminders")),
    ("ask", N_("Ask the coach anything")),
    ("newchat", N_("Start a new conversation with the coach")),
    ("progress", N_("Level, XP and streak")),
    ("settings", N_("Language, time zone, ritual times")),
    ("export", N_("Download everything I keep about you")),
    ("delete_me", N_("Delete your account and all its data")),
    ("help", N_("What I can do")),
    ("cancel", N_("Leave the current dialog")),
    ("start", N_("Introduction and setup")),
)


def commands_for(i18n: I18n, locale: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=i18n.gettext(text, locale=locale)) for name, text in COMMANDS]


async def set_commands(bot: Bot, i18n: I18n) -> None:
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(i18n, locale), language_code=locale)
    await bot.set_my_commands(commands_for(i18n, FALLBACK_COMMANDS_LOCALE))
