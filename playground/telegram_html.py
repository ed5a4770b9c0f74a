"""Telegram's "HTML" parse mode, parsed as strictly as the Bot API does it.

The result is the plain text plus MessageEntity dicts whose offsets and lengths are in UTF-16 code units,
exactly what Telegram returns to the bot and what a browser's JavaScript strings index by.
"""

import re
from dataclasses import dataclass, field

_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_UNQUOTED_VALUE = re.compile(r"[^\s>\"'=<`]+")
_CHARACTER_REFERENCE = re.compile(r"&(?:#(?P<decimal>[0-9]{1,7})|#[xX](?P<hex>[0-9a-fA-F]{1,6})|(?P<named>[a-zA-Z]+));")
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_ATTRIBUTED_TAGS = {"a", "span", "blockquote", "tg-emoji"}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is what Telegram puts after "can't parse entities: "."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    entity: dict | None
    start: int
    attributes: dict[str, str] = field(default_factory=dict)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.text_parts: list[str] = []
        self.text_length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict] = []

    def byte_offset(self, position: int) -> int:
        return len(self.source[:position].encode("utf-8"))

    def fail(self, message: str, position: int | None = None) -> None:
        if position is not None:
            message = f"{message} at byte offset {self.byte_offset(position)}"
        raise EntityParseError(message)

    def append_text(self, text: str) -> None:
        self.text_parts.append(text)
        self.text_length += utf16_length(text)

    def parse(self) -> tuple[str, list[dict]]:
        source = self.source
        while self.position < len(source):
            next_special = min(
                (index for index in (source.find("<", self.position), source.find("&", self.position)) if index >= 0),
                default=len(source),
            )
            if next_special > self.position:
                self.append_text(source[self.position : next_special])
                self.position = next_special
                continue
            if source[self.position] == "&":
                self.append_text(self.read_character_reference())
            elif source.startswith("</", self.position):
                self.read_end_tag()
            else:
                self.read_start_tag()
        if self.stack:
            self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.text_parts), self.entities

    def read_character_reference(self) -> str:
        match = _CHARACTER_REFERENCE.match(self.source, self.position)
        if match is None:
            self.fail('Character "&" must be escaped as "&amp;"', self.position)
        self.position = match.end()
        if match["named"] is not None:
            decoded = _NAMED_REFERENCES.get(match["named"])
            if decoded is None:
                self.fail(f'Unsupported HTML entity "&{match["named"]};"', match.start())
            return decoded
        code_point = int(match["decimal"]) if match["decimal"] is not None else int(match["hex"], 16)
        if not 0 < code_point <= 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
            self.fail("Invalid numeric HTML entity", match.start())
        return chr(code_point)

    def decode_attribute_value(self, value: str, value_position: int) -> str:
        decoded: list[str] = []
        index = 0
        while index < len(value):
            if value[index] != "&":
                decoded.append(value[index])
                index += 1
                continue
            nested = _HtmlParser(value)
            nested.position = index
            try:
                decoded.append(nested.read_character_reference())
            except EntityParseError:
                self.fail('Character "&" must be escaped as "&amp;"', value_position + index)
            index = nested.position
        return "".join(decoded)

    def read_start_tag(self) -> None:
        tag_start = self.position
        name_match = _TAG_NAME.match(self.source, tag_start + 1)
        if name_match is None:
            self.fail('Unexpected "<": escape it as "&lt;"', tag_start)
        name = name_match.group().lower()
        if name not in _SIMPLE_TAGS and name not in _ATTRIBUTED_TAGS:
            self.fail(f'Unsupported start tag "{name}"', tag_start)
        self.position = name_match.end()
        attributes = self.read_attributes(name, tag_start)
        self.stack.append(_OpenTag(name, self.entity_for(name, attributes, tag_start), self.text_length, attributes))

    def read_attributes(self, tag_name: str, tag_start: int) -> dict[str, str]:
        source = self.source
        attributes: dict[str, str] = {}
        while True:
            while self.position < len(source) and source[self.position].isspace():
                self.position += 1
            if self.position >= len(source):
                self.fail("Unclosed start tag", tag_start)
            if source[self.position] == ">":
                self.position += 1
                return attributes
            name_match = _ATTRIBUTE_NAME.match(source, self.position)
            if name_match is None:
                self.fail(f'Empty attribute name in the tag "{tag_name}"', tag_start)
            attribute_name = name_match.group().lower()
            self.position = name_match.end()
            if not source.startswith("=", self.position):
                attributes[attribute_name] = ""
                continue
            self.position += 1
            if self.position < len(source) and source[self.position] in "\"'":
                quote = source[self.position]
                value_end = source.find(quote, self.position + 1)
                if value_end < 0:
                    self.fail("Unclosed start tag", tag_start)
                raw_value, value_position = source[self.position + 1 : value_end], self.position + 1
                self.position = value_end + 1
            else:
                value_match = _UNQUOTED_VALUE.match(source, self.position)
                if value_match is None:
                    self.fail(f'Expected attribute value in the tag "{tag_name}"', tag_start)
                raw_value, value_position = value_match.group(), self.position
                self.position = value_match.end()
            attributes[attribute_name] = self.decode_attribute_value(raw_value, value_position)

    def entity_for(self, name: str, attributes: dict[str, str], tag_start: int) -> dict | None:
        if name in _SIMPLE_TAGS:
            return {"type": _SIMPLE_TAGS[name]}
        if name == "a":
            href = attributes.get("href", "").strip()
            if not href:
                return None
            user_mention = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if user_mention:
                return {"type": "text_mention", "user": {"id": int(user_mention[1]), "is_bot": False, "first_name": ""}}
            return {"type": "text_link", "url": href}
        if name == "span":
            if attributes.get("class") != "tg-spoiler":
                self.fail('Tag "span" must have class "tg-spoiler"', tag_start)
            return {"type": "spoiler"}
        if name == "blockquote":
            return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id.isdigit():
            self.fail('Tag "tg-emoji" must have a numeric "emoji-id" attribute', tag_start)
        return {"type": "custom_emoji", "custom_emoji_id": emoji_id}

    def read_end_tag(self) -> None:
        tag_start = self.position
        name_match = _TAG_NAME.match(self.source, tag_start + 2)
        end = self.source.find(">", tag_start)
        if name_match is None or end < 0 or self.source[name_match.end() : end].strip():
            self.fail("Unclosed end tag", tag_start)
        name = name_match.group().lower()
        self.position = end + 1
        if not self.stack:
            self.fail(f'Unexpected end tag "{name}"', tag_start)
        open_tag = self.stack.pop()
        if open_tag.name != name:
            self.fail(f'Unmatched end tag, expected "</{open_tag.name}>", found "</{name}>"', tag_start)
        self.close_entity(open_tag)

    def close_entity(self, open_tag: _OpenTag) -> None:
        entity = open_tag.entity
        if entity is None:
            return
        if entity["type"] == "code" and self.stack and self.stack[-1].name == "pre":
            language = open_tag.attributes.get("class", "")
            if language.startswith("language-") and self.stack[-1].entity is not None:
                self.stack[-1].entity["language"] = language.removeprefix("language-")
                return
        length = self.text_length - open_tag.start
        if length > 0:
            self.entities.append({**entity, "offset": open_tag.start, "length": length})


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Return (plain text, entities) or raise EntityParseError."""
    return _HtmlParser(source).parse()


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does, keeping entities aligned with the trimmed text."""
    leading = utf16_length(text) - utf16_length(text.lstrip())
    stripped = text.strip()
    total = utf16_length(stripped)
    aligned: list[dict] = []
    for entity in entities:
        start = max(entity["offset"] - leading, 0)
        end = min(entity["offset"] + entity["length"] - leading, total)
        if end > start:
            aligned.append({**entity, "offset": start, "length": end - start})
    return stripped, aligned
