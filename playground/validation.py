"""The checks Telegram applies to message text, captions, keyboards and commands, with Telegram's error texts."""

import re
from typing import Any
from urllib.parse import urlsplit

from playground.emulator import BotApiError
from playground.telegram_html import EntityParseError, parse_html, strip_text, utf16_length

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_KEYBOARD_BUTTONS = 100
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_URL = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Telegram calls only https webhooks; the playground also calls plain http on this machine (tests, local proxies).
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_ENTITY_TYPES = {
    "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold", "italic", "underline",
    "strikethrough", "spoiler", "blockquote", "expandable_blockquote", "code", "pre", "text_link", "text_mention",
    "custom_emoji", "date_time",
}  # fmt: skip
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
    "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}  # fmt: skip


def formatted_text(raw: str | None, parse_mode: str | None, entities: Any, *, caption: bool) -> tuple[str, list]:
    """Parse text or a caption the way Telegram does; returns (text, entities) or raises BotApiError."""
    raw = raw or ""
    # Explicit entities win over parse_mode, as in Telegram.
    mode = "" if entities else (parse_mode or "").lower()
    if mode == "html":
        try:
            text, parsed = parse_html(raw)
        except EntityParseError as error:
            raise BotApiError.bad_request(f"can't parse entities: {error}") from error
    elif mode:
        raise BotApiError.bad_request(f"unsupported parse_mode {parse_mode!r} (the playground emulates HTML only)")
    else:
        text, parsed = raw, _explicit_entities(raw, entities)
    text, parsed = strip_text(text, parsed)
    length = utf16_length(text)
    if caption:
        if length > MAX_CAPTION_LENGTH:
            raise BotApiError.bad_request("message caption is too long")
    elif not text:
        raise BotApiError.bad_request("message text is empty")
    elif length > MAX_TEXT_LENGTH:
        raise BotApiError.bad_request("message is too long")
    return text, parsed


def _explicit_entities(text: str, entities: Any) -> list[dict]:
    if not entities:
        return []
    if not isinstance(entities, list):
        raise BotApiError.bad_request("can't parse entities JSON object")
    total = utf16_length(text)
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") not in _ENTITY_TYPES:
            raise BotApiError.bad_request("can't parse MessageEntity: unsupported entity type")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or offset + length > total:
            raise BotApiError.bad_request("can't parse entities: entity is out of the text bounds")
    return entities


def reply_markup(markup: Any) -> dict | None:
    """Validate any of the four reply markups; returns it normalized (reply keyboard buttons as objects)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise BotApiError.bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return {"inline_keyboard": markup["inline_keyboard"]}
    if "keyboard" in markup:
        return {**markup, "keyboard": _reply_keyboard_rows(markup["keyboard"])}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise BotApiError.bad_request("can't parse reply keyboard markup JSON object")


def inline_markup(markup: Any) -> dict | None:
    """For edit methods and media: only an inline keyboard is accepted."""
    checked = reply_markup(markup)
    if checked is not None and "inline_keyboard" not in checked:
        raise BotApiError.bad_request("inline keyboard expected")
    return checked


def _rows(rows: Any, field: str, markup_name: str) -> list[list]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise BotApiError.bad_request(f'field "{field}" of the {markup_name} should be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
        raise BotApiError.bad_request("reply markup is too long")
    return rows


def _check_inline_keyboard(rows: Any) -> None:
    for row in _rows(rows, "inline_keyboard", "InlineKeyboardMarkup"):
        for button in row:
            if not isinstance(button, dict):
                raise BotApiError.bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton should be an Object"
                )
            if not isinstance(button.get("text"), str):
                raise BotApiError.bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if not button["text"].strip():
                raise BotApiError.bad_request("BUTTON_TEXT_EMPTY")
            actions = [action for action in _BUTTON_ACTIONS if action in button]
            if not actions:
                raise BotApiError.bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise BotApiError.bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not _BUTTON_URL.fullmatch(str(button["url"])):
                raise BotApiError.bad_request("BUTTON_URL_INVALID")


def _reply_keyboard_rows(rows: Any) -> list[list[dict]]:
    normalized = []
    for row in _rows(rows, "keyboard", "ReplyKeyboardMarkup"):
        buttons = []
        for button in row:
            button = {"text": button} if isinstance(button, str) else button
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"].strip():
                raise BotApiError.bad_request('can\'t parse keyboard button: Field "text" must be of type String')
            buttons.append(button)
        normalized.append(buttons)
    return normalized


def bot_commands(commands: Any) -> list[dict]:
    if not isinstance(commands, list):
        raise BotApiError.bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise BotApiError.bad_request("too many commands")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise BotApiError.bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise BotApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return [{"command": command["command"], "description": command["description"]} for command in commands]


def webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if not parts.hostname:
        raise BotApiError.bad_request("bad webhook: Failed to resolve host: Name or service not known")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS):
        return
    raise BotApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
