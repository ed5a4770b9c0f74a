"""Every text the bot can say exists, translated, in both catalogs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
KEYWORDS = {"_": None, "__": None, "gettext": None, "N_": None}
PLURAL_KEYWORDS = {"ngettext": (1, 2), "lazy_ngettext": (1, 2)}


def messages_in_code() -> set[str]:
    found = extract_from_dir(str(BOT_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def plurals_in_code() -> set[tuple[str, str]]:
    found = extract_from_dir(str(BOT_DIR), method_map=[("**.py", "python")], keywords=PLURAL_KEYWORDS)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, tuple)}


def read_catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=locale)


def catalog(locale: str) -> dict[str, str]:
    return {message.id: message.string for message in read_catalog(locale) if isinstance(message.id, str) and message.id}


def shape(text: str) -> list[str]:
    return sorted(re.findall(r"\{\w+\}|</?[a-z]+>", text))


def test_the_code_has_texts_to_translate() -> None:
    assert len(messages_in_code()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_in_the_code_is_translated(locale: str) -> None:
    translations = catalog(locale)

    untranslated = sorted(text for text in messages_in_code() if not translations.get(text))

    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_and_tags(locale: str) -> None:
    broken = [source for source, translated in catalog(locale).items() if shape(source) != shape(translated)]

    assert broken == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_plural_text_has_all_forms_of_the_language_with_the_placeholders(locale: str) -> None:
    po = read_catalog(locale)
    entries = {message.id: message.string for message in po if isinstance(message.id, tuple)}

    assert plurals_in_code(), "no ngettext text found: the extraction keywords are wrong"
    for singular, plural in sorted(plurals_in_code()):
        forms = entries.get((singular, plural))
        assert forms is not None, f"{singular!r} is missing"
        assert len(forms) == po.num_plurals and all(forms), f"{singular!r} needs {po.num_plurals} forms"
        assert all(shape(form) == shape(plural) for form in forms), singular
