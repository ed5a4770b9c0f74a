"""Telegram text limits: split HTML on paragraph boundaries so no message or caption is refused as too long."""
from __future__ import annotations

import re

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_BREAKS = ("\n\n", "\n", " ")
_OPEN_MARKUP = re.compile(r"<[^>]*$|&[#a-zA-Z0-9]*$")

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fits(text: str, limit: int) -> bool:
    return telegram_length(text) <= limit


def _hard_cut(text: str, limit: int) -> int:
    """The longest prefix that fits and does not end inside a tag or an entity like &amp;."""
    end = min(len(text), limit)
    while end > 0 and not _fits(text[:end], limit):
        end -= 1
    markup = _OPEN_MARKUP.search(text[:end])
    if markup and markup.start() > 0:
        end = markup.start()
    return max(end, 1)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Chunks of at most `limit`, cut at the last paragraph break, else line break, else space, else anywhere.

    Tags are expected not to span paragraphs (our texts format line by line), so chunks stay valid HTML.
    """
    chunks: list[str] = []
    rest = text.strip()
    while rest and not _fits(rest, limit):
        cut = _hard_cut(rest, limit)
        window = rest[:cut]
        for separator in _BREAKS:
            position = window.rfind(separator)
            if position > 0:
                cut = position
                break
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


async def send_long(bot: Bot, chat_id: int, text: str, *, reply_markup: ReplyMarkup | None = None) -> Message:
    """Send an HTML text of any length; the keyboard goes with the last part. Returns the last message."""
    chunks = split_text(text)
    for chunk in chunks[:-1]:
        await bot.send_message(chat_id, chunk)
    return await bot.send_message(chat_id, chunks[-1], reply_markup=reply_markup)


async def send_photo(bot: Bot, chat_id: int, photo: BufferedInputFile, caption: str,
                     *, reply_markup: ReplyMarkup | None = None) -> Message:
    """A photo whose caption fits 1024 units; whatever does not fit follows as messages."""
    first, *rest = split_text(caption, CAPTION_LIMIT) or [""]
    sent = await bot.send_photo(chat_id, photo, caption=first or None,
                                reply_markup=None if rest else reply_markup)
    if rest:
        sent = await send_long(bot, chat_id, "\n\n".join(rest), reply_markup=reply_markup)
    return sent
