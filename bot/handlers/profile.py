"""Questions about the user (language, time zone, ritual times, date of birth), shared by onboarding and settings.

The dialog's `mode` says where an answer leads: in "onboarding" to the next question, in "settings" back to the
settings screen. Every answer is saved at once, so an interrupted onboarding keeps what was already said.
"""
from __future__ import annotations

import asyncio
from datetime import time
from html import escape
from typing import Any, Literal

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import ProfileChoice
from bot.keyboards.menu import main_menu
from bot.keyboards.profile import unpack_time
from bot.render import Screen
from bot.render import profile as render
from bot.screens import show_settings
from bot.states import ProfileDialog, ProfileForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import HAS_LOCATION, HAS_TEXT, InState
from bot.utils.messages import drop_keyboard
from bot.utils.parsing import BirthDateProblem, parse_birth_date, parse_time
from core.bootstrap import Container
from core.db.models import User
from core.services.timezones import ZoneMatch

ONBOARDING_STEPS = ("language", "time_zone", "morning_time", "evening_time", "date_of_birth")


async def ask(field: str, bot: Bot, chat_id: int, state: FSMContext, user: User, *,
              mode: Literal["onboarding", "settings"]) -> None:
    """Start one question: a fresh run of the dialog in the question's state, and the question itself."""
    dialog = ProfileDialog(mode=mode)
    await dialog.save(state, getattr(ProfileForm, field))
    text, keyboard = render.question(field, user, dialog)
    await bot.send_message(chat_id, text, reply_markup=keyboard)


async def _ask_again(field: str, problem: str, bot: Bot, chat_id: int, dialog: ProfileDialog, user: User) -> None:
    text, keyboard = render.question(field, user, dialog)
    await bot.send_message(chat_id, f"{problem}\n\n{text}", reply_markup=keyboard)


async def _answered(field: str, bot: Bot, chat_id: int, state: FSMContext, dialog: ProfileDialog, user: User,
                    container: Container) -> None:
    """After a saved answer: the next onboarding question, or back to the settings screen."""
    if dialog.mode == "onboarding":
        position = ONBOARDING_STEPS.index(field) + 1
        if position < len(ONBOARDING_STEPS):
            await ask(ONBOARDING_STEPS[position], bot, chat_id, state, user, mode="onboarding")
            return
        user = await container.users.mark_onboarded(user.id)
        await state.clear()
        await bot.send_message(chat_id, render.all_set(user), reply_markup=main_menu())
        return
    await state.clear()
    await show_settings(bot, chat_id, user, container)


async def _save(container: Container, user: User, **changes: Any) -> User:
    return (await container.profile.update(user.id, changes)).user


# ---- language -------------------------------------------------------------------------------------------------

async def language_chosen(callback: CallbackQuery, callback_data: ProfileChoice, dialog: ProfileDialog,
                          state: FSMContext, bot: Bot, user: User, container: Container, i18n: I18n) -> None:
    user = await _save(container, user, locale=callback_data.value)
    i18n.current_locale = user.locale
    await callback.answer()
    await drop_keyboard(callback)
    await _answered("language", bot, callback.from_user.id, state, dialog, user, container)




# ---- time zone ------------------------------------------------------------------------------------------------

async def _confirm_zone(match: ZoneMatch, message: Message, dialog: ProfileDialog, state: FSMContext) -> None:
    dialog.pending_time_zone = match.time_zone
    await dialog.save(state, ProfileForm.time_zone_confirm)
    text, keyboard = render.confirm_zone(match, dialog)
    await message.answer(text, reply_markup=keyboard)


async def location_shared(message: Message, dialog: ProfileDialog, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    location = message.location
    match = await asyncio.to_thread(container.timezones.from_location, location.latitude, location.longitude)
    if match is None:
        await _ask_again("time_zone", _("I couldn't tell the time zone of that place. Please type your city."),
                         bot, message.chat.id, dialog, user)
        return
    await _confirm_zone(match, message, dialog, state)


async def time_zone_typed(message: Message, dialog: ProfileDialog, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    # The first lookup loads the city list (about a second), so it runs off the event loop.
    match = await asyncio.to_thread(container.timezones.from_text, message.text)
    if match is None:
        await _ask_again("time_zone", render.zone_not_found(message.text), bot, message.chat.id, dialog, user)
        return
    await _confirm_zone(match, message, dialog, state)




async def time_zone_confirmed(callback: CallbackQuery, callback_data: ProfileChoice, dialog: ProfileDialog,
                              state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    chat_id = callback.from_user.id
    if callback_data.value != "yes":
        await state.set_state(ProfileForm.time_zone)
        await _ask_again("time_zone", _("No problem, let's try again."), bot, chat_id, dialog, user)
        return
    user = await _save(container, user, time_zone=dialog.pending_time_zone)
    await bot.send_message(chat_id, _("✅ Time zone saved: {zone}.").format(
        zone=escape(render.zone_place(user.time_zone))),
                           reply_markup=ReplyKeyboardRemove())
    await _answered("time_zone", bot, chat_id, state, dialog, user, container)


# ---- ritual times ---------------------------------------------------------------------------------------------

async def time_chosen(callback: CallbackQuery, callback_data: ProfileChoice, dialog: ProfileDialog,
                      state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    field = callback_data.field
    user = await _save(container, user, **{field: unpack_time(callback_data.value)})
    await _answered(field, bot, callback.from_user.id, state, dialog, user, container)


async def time_typed(message: Message, dialog: ProfileDialog, raw_state: str, state: FSMContext, bot: Bot,
                     user: User, container: Container) -> None:
    field = "morning_time" if raw_state == ProfileForm.morning_time.state else "evening_time"
    value: time | None = parse_time(message.text) if message.text else None
    if value is None:
        await _ask_again(field, _("I didn't catch the time. Type it like <i>7:30</i> or <i>07.30</i>, "
                                  "or pick a button."), bot, message.chat.id, dialog, user)
        return
    user = await _save(container, user, **{field: value})
    await _answered(field, bot, message.chat.id, state, dialog, user, container)


# ---- date of birth --------------------------------------------------------------------------------------------

async def birth_date_skipped(callback: CallbackQuery, dialog: ProfileDialog, state: FSMContext, bot: Bot,
                             user: User, container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    if dialog.mode == "settings" and user.date_of_birth is not None:
        user = await _save(container, user, date_of_birth=None)
    await _answered("date_of_birth", bot, callback.from_user.id, state, dialog, user, container)


async def birth_date_typed(message: Message, dialog: ProfileDialog, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    try:
        if not message.text:
            raise BirthDateProblem("format")
        born = parse_birth_date(message.text, container.clock.local_today(user.time_zone))
    except BirthDateProblem as problem:
        await _ask_again("date_of_birth", render.birth_date_problem(problem.reason, problem.number), bot,
                         message.chat.id, dialog, user)
        return
    user = await _save(container, user, date_of_birth=born)
    await _answered("date_of_birth", bot, message.chat.id, state, dialog, user, container)


@reasks(ProfileForm.language, ProfileForm.time_zone, ProfileForm.morning_time, ProfileForm.evening_time,
        ProfileForm.date_of_birth, ProfileForm.time_zone_confirm)
async def ask_profile_question(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(ProfileDialog)
    if dialog is None:
        return None
    field = asked.raw_state.split(":")[-1]
    if field == "time_zone_confirm":
        match = None
        if dialog.pending_time_zone:
            match = await asyncio.to_thread(asked.container.timezones.from_text, dialog.pending_time_zone)
        return render.confirm_zone(match, dialog) if match else render.question("time_zone", asked.user, dialog)
    return render.question(field, asked.user, dialog)


def create_router() -> Router:
    router = Router(name="profile")
    in_profile = InDialog(ProfileDialog)

    def button(handler, form_state, field: str) -> None:
        router.callback_query.register(handler, InState(form_state), ProfileChoice.filter(F.field == field),
                                       in_profile)

    def message(handler, form_state, *filters) -> None:
        router.message.register(handler, InState(form_state), *filters, in_profile)

    button(language_chosen, ProfileForm.language, "language")
    for waiting_for_zone in (ProfileForm.time_zone, ProfileForm.time_zone_confirm):
        message(location_shared, waiting_for_zone, HAS_LOCATION)
        message(time_zone_typed, waiting_for_zone, HAS_TEXT)
    button(time_zone_confirmed, ProfileForm.time_zone_confirm, "tz_confirm")
    button(time_chosen, ProfileForm.morning_time, "morning_time")
    button(time_chosen, ProfileForm.evening_time, "evening_time")
    message(time_typed, ProfileForm.morning_time, HAS_TEXT)
    message(time_typed, ProfileForm.evening_time, HAS_TEXT)
    button(birth_date_skipped, ProfileForm.date_of_birth, "date_of_birth")
    message(birth_date_typed, ProfileForm.date_of_birth, HAS_TEXT)
    return router
