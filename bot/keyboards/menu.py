from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.build import Keyboard, per_locale
from bot.keyboards.callbacks import HistoryPage, MenuAction, SettingsAction


def _menu_labels() -> dict[str, str]:
    """The main menu's buttons by action, in the current locale."""
    return {"wheel": _("🎡 Life wheel"), "history": _("🗂 Wheel history"), "wants": _("💭 Wants"),
            "story": _("📖 Future story"), "goals": _("🎯 Goals"), "today": _("📋 Today"),
            "calendar": _("📅 Calendar"), "progress": _("🏆 Progress"), "settings": _("⚙️ Settings"),
            "help": _("❓ Help"), "menu": _("☰ Menu")}


MAIN_MENU = ("wheel", "history", "wants", "story", "goals", "today", "calendar", "progress", "settings", "help")


@per_locale
def menu_shortcuts(*actions: str) -> InlineKeyboardMarkup:
    """Buttons of the main menu (☰ Menu included), two to a row: where a finished path leads next. They carry no
    dialog state, so they work from any old message."""
    labels = _menu_labels()
    builder = Keyboard()
    for action in actions:
        builder.button(text=labels[action], callback_data=MenuAction(action=action))
    builder.adjust(2)
    return builder.as_markup()


def main_menu() -> InlineKeyboardMarkup:
    return menu_shortcuts(*MAIN_MENU)


def back_to_menu() -> InlineKeyboardMarkup:
    return menu_shortcuts("menu")


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
