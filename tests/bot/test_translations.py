"""Every text the bot can say exists, translated, in both catalogs."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
KEYWORDS = {"_": None, "__": None, "gettext": None, "N_": None}


def messages_in_code() -> set[str]:
    found = extract_from_dir(str(BOT_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def catalog(locale: str) -> dict[str, str]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {message.id: message.string for message in read_po(source) if message.id}


def test_the_code_has_texts_to_translate() -> None:
    assert len(messages_in_code()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_in_the_code_is_translated(locale: str) -> None:
    translations = catalog(locale)

    untranslated = sorted(text for text in messages_in_code() if not translations.get(text))

    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_and_tags(locale: str) -> None:
    import re

    def shape(text: str) -> list[str]:
        return sorted(re.findall(r"\{\w+\}|</?[a-z]+>", text))

    broken = [source for source, translated in catalog(locale).items() if shape(source) != shape(translated)]

    assert broken == []
