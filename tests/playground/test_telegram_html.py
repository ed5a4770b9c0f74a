"""Telegram's HTML parse mode: what it accepts and the entities it produces (offsets in UTF-16 units)."""

import pytest

from playground.telegram_html import EntityParseError, parse_html


def test_emoji_shift_offsets_by_two_utf16_units() -> None:
    text, entities = parse_html("🎯 <b>goal</b>")

    assert text == "🎯 goal"
    assert entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_code_block_language_moves_to_the_pre_entity() -> None:
    _, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')

    assert entities == [{"type": "pre", "language": "python", "offset": 0, "length": 5}]


def test_link_href_entities_are_decoded() -> None:
    _, entities = parse_html('<a href="https://example.com/?a=1&amp;b=2">link</a>')

    assert entities[0]["url"] == "https://example.com/?a=1&b=2"


@pytest.mark.parametrize(
    ("source", "entity_type"),
    [
        ('<span class="tg-spoiler">s</span>', "spoiler"),
        ("<tg-spoiler>s</tg-spoiler>", "spoiler"),
        ("<blockquote expandable>s</blockquote>", "expandable_blockquote"),
        ("<strong>s</strong>", "bold"),
        ("<ins>s</ins>", "underline"),
        ("<del>s</del>", "strikethrough"),
    ],
)
def test_every_telegram_tag_becomes_its_entity(source: str, entity_type: str) -> None:
    assert parse_html(source)[1][0]["type"] == entity_type


def test_character_references_are_decoded() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#65;&#x42;")[0] == '<>&"AB'


@pytest.mark.parametrize("source", ["<br>", "&nbsp;", "<b>x", "x</b>", "<b x", "<tg-emoji>e</tg-emoji>"])
def test_what_telegram_refuses_is_refused(source: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(source)
