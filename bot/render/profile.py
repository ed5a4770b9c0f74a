"""The questions about the person (onboarding and settings ask the same ones) and what is said around them."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import get_timezone_location

from bot.keyboards.profile import confirm_time_zone, language_choice, share_location, skip_birth_date, time_choice
from bot.render import Screen
from bot.states import ProfileDialog
from core.db.models import User
from core.services.timezones import ZoneMatch, etc_label


def question(field: str, user: User, dialog: ProfileDialog) -> Screen:
    if field == "language":
        return Screen(_("🌐 Which language shall we talk in?"), language_choice(dialog.nonce))
    if field == "time_zone":
        return Screen("\n\n".join([
            _("🕒 <b>Your time zone</b> — so that rituals and reminders come at your local time."),
            _("Share your location with the button below, or type your city (for example <i>Berlin</i> or "
              "<i>Новосибирск</i>), a zone name like <i>Europe/Berlin</i>, or an offset like <i>+3</i>."),
        ]), share_location())
    if field == "morning_time":
        return Screen("\n\n".join([
            _("🌅 <b>Morning ritual</b>: when shall I bring you a short plan for the day?"),
            _("Pick a time or type your own, like <i>7:30</i>."),
        ]), time_choice(dialog.nonce, field, user.morning_time))
    if field == "evening_time":
        return Screen("\n\n".join([
            _("🌙 <b>Evening ritual</b>: when shall I invite you to look back on the day?"),
            _("Pick a time or type your own, like <i>21:30</i>."),
        ]), time_choice(dialog.nonce, field, user.evening_time))
    removable = dialog.mode == "settings" and user.date_of_birth is not None
    keyboard = skip_birth_date(dialog.nonce, remove=removable) if dialog.mode == "onboarding" or removable else None
    return Screen("\n\n".join([
        _("🎂 <b>Date of birth</b> (optional): it helps to plan by the years of your life."),
        _("Type it like <i>31.12.1990</i> or <i>1990-12-31</i>."),
    ]), keyboard)


def zone_place(time_zone: str, locale: str | None = None) -> str:
    """A time zone as a place in the person's language (babel's city names): "Москва", "Berlin", "UTC+03:00".
    Without `locale`, the locale of the current i18n context."""
    if time_zone == "UTC" or time_zone.startswith("Etc/"):
        return etc_label(time_zone) or "UTC"
    try:
        return get_timezone_location(time_zone, locale=locale or get_i18n().current_locale, return_city=True)
    except LookupError:  # a zone newer than babel's data
        return time_zone


def match_place(match: ZoneMatch, locale: str | None = None) -> str:
    """Where the person is, as they would say it: the zone's city in their language when the city found is that
    city ("Moscow" → "Москва"), else the name they typed with the zone's city ("Казань (часовой пояс: Москва)")."""
    zone_city = zone_place(match.time_zone, locale)
    if match.city is None or match.fixed_offset:
        return escape(zone_city)
    typed = match.typed or ""
    if match.city == zone_place(match.time_zone, "en") or typed.casefold() == zone_city.casefold():
        return escape(zone_city)
    name = typed if any(char.isupper() for char in typed) else typed[:1].upper() + typed[1:]
    return _("{place} (time zone: {zone})").format(place=escape(name or match.city), zone=escape(zone_city))


def confirm_zone(match: ZoneMatch, dialog: ProfileDialog) -> Screen:
    lines = [_("It's <b>{time}</b> now in {place} — right?").format(time=f"{match.local_time:%H:%M}",
                                                                   place=match_place(match))]
    if match.fixed_offset:
        lines.append(_("A fixed offset does not follow daylight saving time. If your clocks change in summer, "
                       "type your city instead."))
    return Screen("\n\n".join(lines), confirm_time_zone(dialog.nonce))


def zone_not_found(text: str) -> str:
    return _("I couldn't find “{text}”. Try the nearest big city, a zone like Europe/Berlin, "
             "or an offset like +3.").format(text=escape(text[:100]))


def birth_date_problem(reason: str, number: int = 0) -> str:
    if reason == "month":
        return _("There is no month {month}: type the day first, then the month, like <i>31.12.1990</i>.").format(
            month=number)
    if reason == "day":
        return _("That month has no day {day}. Please check the date.").format(day=number)
    if reason == "future":
        return _("That date hasn't happened yet. Please check the year.")
    if reason == "age":
        return _("That would make you younger than 5 or older than 120. Please check the year.")
    return _("I couldn't read that date. Please type it like <i>31.12.1990</i>.")


def all_set(user: User) -> str:
    return "\n\n".join([
        _("🎉 <b>All set!</b> Your rituals: morning at {morning}, evening at {evening} ({zone}).").format(
            morning=f"{user.morning_time:%H:%M}", evening=f"{user.evening_time:%H:%M}",
            zone=escape(zone_place(user.time_zone))),
        _("A good first step is the life wheel: it shows where you are today."),
    ])
