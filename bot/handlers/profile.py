"""Questions about the user (language, time zone, ritual times, date of birth), shared by onboarding and settings.

The dialog data holds `mode`: in "onboarding" each answer leads to the next question, in "settings" it leads back
to the settings screen. Every answer is saved at once, so an interrupted onboarding keeps what was already said.
"""
from __future__ import annotations

import asyncio
from datetime import time
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import ProfileChoice
from bot.keyboards.menu import main_menu
from bot.keyboards.profile import (
    confirm_time_zone,
    language_choice,
    share_location,
    skip_birth_date,
    time_choice,
    unpack_time,
)
from bot.screens import show_settings
from bot.states import ProfileForm
from bot.utils.messages import drop_keyboard, new_nonce
from bot.utils.parsing import BirthDateProblem, parse_birth_date, parse_time
from core.bootstrap import Container
from core.db.models import User
from core.services.timezones import ZoneMatch

ONBOARDING_STEPS = ("language", "time_zone", "morning_time", "evening_time", "date_of_birth")


# ---- questions ------------------------------------------------------------------------------------------------

def _question(field: str, user: User, nonce: str, *, mode: str) -> tuple[str, Any]:
    if field == "language":
        return _("🌐 Which language shall we talk in?"), language_choice(nonce)
    if field == "time_zone":
        return "\n\n".join([
            _("🕒 <b>Your time zone</b> — so that rituals and reminders come at your local time."),
            _("Share your location with the button below, or type your city (for example <i>Berlin</i> or "
              "<i>Новосибирск</i>), a zone name like <i>Europe/Berlin</i>, or an offset like <i>+3</i>."),
        ]), share_location()
    if field == "morning_time":
        return "\n\n".join([
            _("🌅 <b>Morning ritual</b>: when shall I bring you a short plan for the day?"),
            _("Pick a time or type your own, like <i>7:30</i>."),
        ]), time_choice(nonce, field, user.morning_time)
    if field == "evening_time":
        return "\n\n".join([
            _("🌙 <b>Evening ritual</b>: when shall I invite you to look back on the day?"),
            _("Pick a time or type your own, like <i>21:30</i>."),
        ]), time_choice(nonce, field, user.evening_time)
    removable = mode == "settings" and user.date_of_birth is not None
    keyboard = skip_birth_date(nonce, remove=removable) if mode == "onboarding" or removable else None
    return "\n\n".join([
        _("🎂 <b>Date of birth</b> (optional): it helps to plan by the years of your life."),
        _("Type it like <i>31.12.1990</i> or <i>1990-12-31</i>."),
    ]), keyboard


async def ask(field: str, bot: Bot, chat_id: int, state: FSMContext, user: User, *, mode: str) -> None:
    """Start one question: a fresh nonce, the state, and the question itself."""
    nonce = new_nonce()
    await state.set_state(getattr(ProfileForm, field))
    await state.set_data({"mode": mode, "nonce": nonce})
    text, keyboard = _question(field, user, nonce, mode=mode)
    await bot.send_message(chat_id, text, reply_markup=keyboard)


async def _ask_again(field: str, problem: str, bot: Bot, chat_id: int, state: FSMContext, user: User) -> None:
    data = await state.get_data()
    text, keyboard = _question(field, user, data.get("nonce", ""), mode=data.get("mode", "settings"))
    await bot.send_message(chat_id, f"{problem}\n\n{text}", reply_markup=keyboard)


async def _answered(field: str, bot: Bot, chat_id: int, state: FSMContext, user: User,
                    container: Container) -> None:
    """After a saved answer: the next onboarding question, or back to the settings screen."""
    data = await state.get_data()
    if data.get("mode") == "onboarding":
        position = ONBOARDING_STEPS.index(field) + 1
        if position < len(ONBOARDING_STEPS):
            await ask(ONBOARDING_STEPS[position], bot, chat_id, state, user, mode="onboarding")
            return
        user = await container.users.mark_onboarded(user.id)
        await state.clear()
        await bot.send_message(chat_id, "\n\n".join([
            _("🎉 <b>All set!</b> Your rituals: morning at {morning}, evening at {evening} ({zone}).").format(
                morning=f"{user.morning_time:%H:%M}", evening=f"{user.evening_time:%H:%M}",
                zone=escape(user.time_zone)),
            _("A good first step is the life wheel: it shows where you are today."),
        ]), reply_markup=main_menu())
        return
    await state.clear()
    await show_settings(bot, chat_id, user, container.clock)


async def _save(container: Container, user: User, **changes: Any) -> User:
    return (await container.profile.update(user.id, changes)).user


async def _is_current(callback: CallbackQuery, callback_data: ProfileChoice, state: FSMContext) -> bool:
    if callback_data.nonce == (await state.get_data()).get("nonce"):
        return True
    await callback.answer(_("This menu is outdated — please use the latest message."))
    return False


# ---- language -------------------------------------------------------------------------------------------------

async def language_chosen(callback: CallbackQuery, callback_data: ProfileChoice, state: FSMContext, bot: Bot,
                          user: User, container: Container, i18n: I18n) -> None:
    if not await _is_current(callback, callback_data, state):
        return
    user = await _save(container, user, locale=callback_data.value)
    i18n.current_locale = user.locale
    await callback.answer()
    await drop_keyboard(callback)
    await _answered("language", bot, callback.from_user.id, state, user, container)


async def language_expected(message: Message, state: FSMContext, bot: Bot, user: User) -> None:
    await _ask_again("language", _("Please choose a language with a button."), bot, message.chat.id, state, user)


# ---- time zone ------------------------------------------------------------------------------------------------

async def _confirm_zone(match: ZoneMatch, message: Message, state: FSMContext) -> None:
    await state.set_state(ProfileForm.time_zone_confirm)
    await state.update_data(pending_time_zone=match.time_zone)
    nonce = (await state.get_data())["nonce"]
    label = escape(match.label)
    place = label if match.label == match.time_zone else f"{label} ({escape(match.time_zone)})"
    lines = [_("It's <b>{time}</b> now in {place} — right?").format(time=f"{match.local_time:%H:%M}", place=place)]
    if match.fixed_offset:
        lines.append(_("A fixed offset does not follow daylight saving time. If your clocks change in summer, "
                       "type your city instead."))
    await message.answer("\n\n".join(lines), reply_markup=confirm_time_zone(nonce))


async def location_shared(message: Message, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    location = message.location
    match = await asyncio.to_thread(container.timezones.from_location, location.latitude, location.longitude)
    if match is None:
        await _ask_again("time_zone", _("I couldn't tell the time zone of that place. Please type your city."),
                         bot, message.chat.id, state, user)
        return
    await _confirm_zone(match, message, state)


async def time_zone_typed(message: Message, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    # The first lookup loads the city list (about a second), so it runs off the event loop.
    match = await asyncio.to_thread(container.timezones.from_text, message.text)
    if match is None:
        problem = _("I couldn't find “{text}”. Try the nearest big city, a zone like Europe/Berlin, "
                    "or an offset like +3.").format(text=escape(message.text[:100]))
        await _ask_again("time_zone", problem, bot, message.chat.id, state, user)
        return
    await _confirm_zone(match, message, state)


async def time_zone_expected(message: Message, state: FSMContext, bot: Bot, user: User) -> None:
    await _ask_again("time_zone", _("I need a city name, a time zone or your location here."),
                     bot, message.chat.id, state, user)


async def time_zone_confirmed(callback: CallbackQuery, callback_data: ProfileChoice, state: FSMContext, bot: Bot,
                              user: User, container: Container) -> None:
    if not await _is_current(callback, callback_data, state):
        return
    await callback.answer()
    await drop_keyboard(callback)
    chat_id = callback.from_user.id
    if callback_data.value != "yes":
        await state.set_state(ProfileForm.time_zone)
        await _ask_again("time_zone", _("No problem, let's try again."), bot, chat_id, state, user)
        return
    user = await _save(container, user, time_zone=(await state.get_data())["pending_time_zone"])
    await bot.send_message(chat_id, _("✅ Time zone saved: {zone}.").format(zone=escape(user.time_zone)),
                           reply_markup=ReplyKeyboardRemove())
    await _answered("time_zone", bot, chat_id, state, user, container)


# ---- ritual times ---------------------------------------------------------------------------------------------

async def _save_time(field: str, value: time, bot: Bot, chat_id: int, state: FSMContext, user: User,
                     container: Container) -> None:
    user = await _save(container, user, **{field: value})
    await _answered(field, bot, chat_id, state, user, container)


async def time_chosen(callback: CallbackQuery, callback_data: ProfileChoice, state: FSMContext, bot: Bot,
                      user: User, container: Container) -> None:
    if not await _is_current(callback, callback_data, state):
        return
    await callback.answer()
    await drop_keyboard(callback)
    await _save_time(callback_data.field, unpack_time(callback_data.value), bot, callback.from_user.id, state,
                     user, container)


async def time_typed(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    field = "morning_time" if await state.get_state() == ProfileForm.morning_time.state else "evening_time"
    value = parse_time(message.text) if message.text else None
    if value is None:
        await _ask_again(field, _("I didn't catch the time. Type it like <i>7:30</i> or <i>07.30</i>, "
                                  "or pick a button."), bot, message.chat.id, state, user)
        return
    await _save_time(field, value, bot, message.chat.id, state, user, container)


# ---- date of birth --------------------------------------------------------------------------------------------

BIRTH_DATE_PROBLEMS = {
    "format": lambda: _("I couldn't read that date. Please type it like <i>31.12.1990</i>."),
    "future": lambda: _("That date hasn't happened yet. Please check the year."),
    "age": lambda: _("That would make you younger than 5 or older than 120. Please check the year."),
}


async def birth_date_skipped(callback: CallbackQuery, callback_data: ProfileChoice, state: FSMContext, bot: Bot,
                             user: User, container: Container) -> None:
    if not await _is_current(callback, callback_data, state):
        return
    await callback.answer()
    await drop_keyboard(callback)
    if (await state.get_data()).get("mode") == "settings" and user.date_of_birth is not None:
        user = await _save(container, user, date_of_birth=None)
    await _answered("date_of_birth", bot, callback.from_user.id, state, user, container)


async def birth_date_typed(message: Message, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    try:
        if not message.text:
            raise BirthDateProblem("format")
        born = parse_birth_date(message.text, container.clock.local_today(user.time_zone))
    except BirthDateProblem as problem:
        await _ask_again("date_of_birth", BIRTH_DATE_PROBLEMS[problem.reason](), bot, message.chat.id, state, user)
        return
    user = await _save(container, user, date_of_birth=born)
    await _answered("date_of_birth", bot, message.chat.id, state, user, container)


def create_router() -> Router:
    router = Router(name="profile")
    router.callback_query.register(language_chosen, ProfileForm.language, ProfileChoice.filter(F.field == "language"))
    router.message.register(language_expected, ProfileForm.language)
    router.message.register(location_shared, ProfileForm.time_zone, F.location)
    router.message.register(location_shared, ProfileForm.time_zone_confirm, F.location)
    router.message.register(time_zone_typed, ProfileForm.time_zone, F.text)
    router.message.register(time_zone_typed, ProfileForm.time_zone_confirm, F.text)
    router.message.register(time_zone_expected, ProfileForm.time_zone)
    router.message.register(time_zone_expected, ProfileForm.time_zone_confirm)
    router.callback_query.register(time_zone_confirmed,
                                   ProfileForm.time_zone_confirm, ProfileChoice.filter(F.field == "tz_confirm"))
    router.callback_query.register(time_chosen,
                                   ProfileForm.morning_time, ProfileChoice.filter(F.field == "morning_time"))
    router.callback_query.register(time_chosen,
                                   ProfileForm.evening_time, ProfileChoice.filter(F.field == "evening_time"))
    router.message.register(time_typed, ProfileForm.morning_time)
    router.message.register(time_typed, ProfileForm.evening_time)
    router.callback_query.register(birth_date_skipped,
                                   ProfileForm.date_of_birth, ProfileChoice.filter(F.field == "date_of_birth"))
    router.message.register(birth_date_typed, ProfileForm.date_of_birth)
    return router
