"""Gettext catalogs for the bot (locales/<lang>/LC_MESSAGES/messages.po, compiled to .mo by `make locales`)."""
from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
# Telegram users whose language we do not speak see the English menu of commands.
FALLBACK_COMMANDS_LOCALE = "en"


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> None:
    """Build any missing or outdated .mo file (they are build artifacts, so a fresh checkout has none)."""
    for po_path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        temporary = mo_path.with_suffix(f".{id(catalog)}.tmp")
        with temporary.open("wb") as target:
            write_mo(target, catalog)
        temporary.replace(mo_path)


def create_i18n() -> I18n:
    compile_catalogs()
    return I18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


def N_(message: str) -> str:
    """Marks a text for extraction where it is translated later, per locale (babel knows the N_ keyword)."""
    return message
