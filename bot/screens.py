"""Screens several handlers show: the main menu, help, settings and the onboarding summary."""
from __future__ import annotations

import functools
from html import escape

from aiogram import Bot
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.keyboards.menu import main_menu, settings_menu
from bot.render.profile import zone_place
from bot.render.quota import allowance_line
from core.bootstrap import Container
from core.clock import Clock
from core.db.models import User
from core.services.quotas import Allowance

LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}


def greeting_text(user: User) -> str:
    name = escape(user.first_name or "")
    hello = _("Hi, {name}!").format(name=name) if name else _("Hi!")
    return "\n\n".join([
        f"✨ <b>{hello}</b> " + _("I'm Mechta, your life-planning coach."),
        _("Together we'll go from where you are to where you want to be:"),
        _("🎡 <b>life wheel</b> — how each area of your life feels today\n"
          "💭 <b>wants</b> — what you truly wish for\n"
          "📖 <b>future story</b> — a day of your life as you dream it\n"
          "🎯 <b>goals</b> — the dream turned into steps\n"
          "🌅 <b>rituals</b> — a short morning plan and evening reflection\n"
          "📅 <b>calendar</b> — steps in your schedule"),
        _("First, a few settings — it takes a minute."),
    ])


def help_text() -> str:
    """The commands, in the current locale: built once per locale, like the keyboards (`per_locale`), since the
    catalogs do not change while the bot runs."""
    return _help_text(get_i18n().current_locale)


@functools.lru_cache(maxsize=16)
def _help_text(locale: str) -> str:
    return "\n".join([
        _("<b>What I can do</b>"),
        "",
        _("/wheel — score the areas of your life and see the chart"),
        _("/wheel_history — your past wheels"),
        _("/wants — the wants exercises and their analysis"),
        _("/story — your future story and vision-board pictures"),
        _("/goals — your goals: proposed, reviewed, planned"),
        _("/plan — the steps of a goal, from the year down to the day"),
        _("/today — today's steps and rituals"),
        _("/morning and /evening — the daily rituals"),
        _("/review — the weekly review and next week's plan"),
        _("/ask — ask me anything about your goals, week or mood (or just write to me)"),
        _("/newchat — I forget our conversation and we start afresh"),
        _("/progress — level, XP, streak, achievements, leaderboard"),
        _("/calendar — the week plan in your calendar, its feed link, Google Calendar"),
        _("/settings — language, time zone, ritual times, date of birth"),
        _("/export — everything I keep about you, as a JSON file and an .ics calendar"),
        _("/delete_me — delete your account and all its data"),
        _("/menu — the main menu"),
        _("/cancel — leave the current dialog"),
        _("/start — the introduction"),
    ])


async def show_menu(bot: Bot, chat_id: int, intro: str | None = None) -> None:
    text = intro or _("What shall we do?")
    await bot.send_message(chat_id, text, reply_markup=main_menu())


def settings_text(user: User, clock: Clock, allowance: Allowance) -> str:
    local_now = clock.local_now(user.time_zone)
    birth = format_date(user.date_of_birth, format="long", locale=user.locale) if user.date_of_birth else _("not set")
    return "\n".join([
        _("⚙️ <b>Settings</b>"),
        "",
        _("Language: {language}").format(language=LANGUAGE_NAMES.get(user.locale, user.locale)),
        _("Time zone: {zone} (now {time})").format(zone=escape(zone_place(user.time_zone)),
                                                   time=f"{local_now:%H:%M}"),
        _("Morning ritual: {time}").format(time=f"{user.morning_time:%H:%M}"),
        _("Evening ritual: {time}").format(time=f"{user.evening_time:%H:%M}"),
        _("Date of birth: {date}").format(date=birth),
        "",
        allowance_line(allowance, user.locale),
    ])


async def show_settings(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text = settings_text(user, container.clock, await container.quotas.allowance(user))
    await bot.send_message(chat_id, text, reply_markup=settings_menu())
