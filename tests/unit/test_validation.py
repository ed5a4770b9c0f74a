"""core.validation's character rule: exactly Unicode's control characters and lone surrogates."""
from __future__ import annotations

import sys
import unicodedata

from core.validation import find_unclean_strings, forbidden_characters

REFUSED_CATEGORIES = ("Cc", "Cs")


def test_the_rule_is_exactly_control_characters_and_surrogates() -> None:
    every_char = (chr(code) for code in range(sys.maxunicode + 1))
    mismatched = [char for char in every_char
                  if bool(forbidden_characters(char, multiline=False))
                  != (unicodedata.category(char) in REFUSED_CATEGORIES)]
    assert mismatched == []


def test_free_text_keeps_tab_and_line_breaks_single_lines_do_not() -> None:
    assert forbidden_characters("a\tb\nc\r\n") == []
    assert forbidden_characters("a\tb\n", multiline=False) == ["U+0009", "U+000A"]


def test_each_offender_is_named_once_in_order() -> None:
    assert forbidden_characters("\x00a\x1b\x00\ud800\x85") == ["U+0000", "U+001B", "U+D800", "U+0085"]


def test_emoji_joiners_and_other_format_characters_are_fine() -> None:
    assert forbidden_characters("👩\u200d💻 \u202eright-to-left\u2028") == []


def test_json_walk_names_paths_keys_included_in_document_order() -> None:
    found = list(find_unclean_strings({"a": "x\x00", "b": [1, "ok", {"c\x01": "y\x02"}], "d": "fine"}))
    assert found == [(("a",), ["U+0000"]), (("b", 2, "c\x01"), ["U+0001"]), (("b", 2, "c\x01"), ["U+0002"])]
