"""Splitting long HTML texts for Telegram's limits."""
from __future__ import annotations

from bot.utils.text import CAPTION_LIMIT, MESSAGE_LIMIT, split_text, telegram_length


def test_a_short_text_stays_whole() -> None:
    assert split_text("<b>Hello</b>\n\nworld") == ["<b>Hello</b>\n\nworld"]


def test_long_text_is_split_on_paragraph_boundaries() -> None:
    paragraphs = [f"<b>{index}</b> " + "слово " * 150 for index in range(20)]

    chunks = split_text("\n\n".join(paragraph.strip() for paragraph in paragraphs))

    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert len(chunks) > 1
    assert all(chunk.startswith("<b>") for chunk in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(paragraph.strip() for paragraph in paragraphs)


def test_a_paragraph_without_breaks_is_cut_at_spaces_then_anywhere() -> None:
    words = split_text("word " * 400, limit=100)
    solid = split_text("x" * 250, limit=100)

    assert all(len(chunk) <= 100 and not chunk.endswith(" ") for chunk in words)
    assert solid == ["x" * 100, "x" * 100, "x" * 50]


def test_emoji_count_twice_like_telegram_counts_them() -> None:
    chunks = split_text("🎡" * 600, limit=CAPTION_LIMIT)

    assert [telegram_length(chunk) for chunk in chunks] == [1024, 176]


def test_a_cut_never_lands_inside_a_tag_or_an_entity() -> None:
    text = "a" * 95 + "&amp;" + "b" * 10

    first, second = split_text(text, limit=98)

    assert first == "a" * 95 and second.startswith("&amp;")
