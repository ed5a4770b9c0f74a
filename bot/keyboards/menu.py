from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Keyboard, per_locale
from bot.keyboards.callbacks import HistoryPage, MenuAction, SettingsAction


@per_locale
def main_menu() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🎡 Life wheel"), callback_data=MenuAction(action="wheel"))
    builder.button(text=_("🗂 Wheel history"), callback_data=MenuAction(action="history"))
    builder.button(text=_("💭 Wants"), callback_data=MenuAction(action="wants"))
    builder.button(text=_("📖 Future story"), callback_data=MenuAction(action="story"))
    builder.button(text=_("🎯 Goals"), callback_data=MenuAction(action="goals"))
    builder.button(text=_("📋 Today"), callback_data=MenuAction(action="today"))
    builder.button(text=_("📅 Calendar"), callback_data=MenuAction(action="calendar"))
    builder.button(text=_("🏆 Progress"), callback_data=MenuAction(action="progress"))
    builder.button(text=_("⚙️ Settings"), callback_data=MenuAction(action="settings"))
    builder.button(text=_("❓ Help"), callback_data=MenuAction(action="help"))
    builder.adjust(2)
    return builder.as_markup()


@per_locale
def back_to_menu() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    return builder.as_markup()


@per_locale
def settings_menu() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("🌐 Language"), callback_data=SettingsAction(field="language"))
    builder.button(text=_("🕒 Time zone"), callback_data=SettingsAction(field="time_zone"))
    builder.button(text=_("🌅 Morning ritual"), callback_data=SettingsAction(field="morning_time"))
    builder.button(text=_("🌙 Evening ritual"), callback_data=SettingsAction(field="evening_time"))
    builder.button(text=_("🎂 Date of birth"), callback_data=SettingsAction(field="date_of_birth"))
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


@per_locale
def history_pages(page: int, pages: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if page > 1:
        builder.button(text=_("◀️ Newer"), callback_data=HistoryPage(page=page - 1))
    if page < pages:
        builder.button(text=_("Older ▶️"), callback_data=HistoryPage(page=page + 1))
    navigation = int(page > 1) + int(page < pages)
    builder.button(text=_("☰ Menu"), callback_data=MenuAction(action="menu"))
    builder.adjust(*([navigation, 1] if navigation else [1]))
    return builder.as_markup()
