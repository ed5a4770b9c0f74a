"""Small wording helpers for the offline drafts: whole sentences, plural forms, a want phrased as a goal."""
from __future__ import annotations

import re

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")
_ENDS_SENTENCE = (".", "!", "?", "…")
_WANT_LEAD = re.compile(
    r"^(?:я\s+)?(?:очень\s+)?(?:хочу|хотел[аи]?\s+бы|мечтаю)\s+|^я\s+бы\s+|"
    r"^(?:i\s*)?(?:really\s+)?(?:want(?:\s+to)?|would\s+like(?:\s+to)?|'d\s+like(?:\s+to)?|would|'d|"
    r"wish\s+to|dream\s+of)\s+|^to\s+",
    re.IGNORECASE)
# "Через 5 лет хочу…", "In five years I want…": the horizon is the goal's own field, not part of its title.
_TIME_LEAD = re.compile(r"^(?:через\s+(?:(?:\d+|[а-яё]+)\s+)?(?:год|года|лет)|in\s+(?:(?:\d+|[a-z]+)\s+)?years?)"
                        r"(?:\s+from\s+now)?[\s,]+(?:i\s+)?", re.IGNORECASE)
_EN_ARTICLE = re.compile(r"^(?:a|an|the|my|our|more|some|enough|own)\b", re.IGNORECASE)


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def finished(sentence: str) -> str:
    """A sentence that starts with a capital letter and ends with punctuation (emoji endings are left alone)."""
    sentence = " ".join(sentence.split()).rstrip(" ,;:—–-")
    if not sentence:
        return ""
    if not sentence.endswith(_ENDS_SENTENCE) and (sentence[-1].isalnum() or sentence[-1] in "\"'»”)"):
        sentence += "."
    return capitalized(sentence)


def sentences(text: str) -> list[str]:
    """The text's lines and sentences, each one finished."""
    return [s for s in (finished(part) for part in _SENTENCE_BREAK.split(str(text))) if s]


def as_sentences(text: str) -> str:
    return " ".join(sentences(text))


def shortened(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;:") + "…"


def goal_title(text: str, locale: str, limit: int = 120) -> str:
    """The first sentence of a want or an answer as a goal title: without "I want" in front, capitalized, without
    a closing full stop ("a small house by the sea" → "Have a small house by the sea")."""
    first = (sentences(text) or [""])[0]
    phrase = _WANT_LEAD.sub("", _TIME_LEAD.sub("", first.rstrip("."))).strip(" ,")
    if locale == "en" and _EN_ARTICLE.match(phrase):
        phrase = f"have {phrase[:1].lower()}{phrase[1:]}"
    return shortened(capitalized(phrase), limit)


def ru_plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian form for a number: 1 раз, 2 раза, 5 раз, 11 раз, 21 раз."""
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def times(count: int, locale: str) -> str:
    if locale == "en":
        return {1: "once", 2: "twice"}.get(count, f"{count} times")
    return f"{count} {ru_plural(count, 'раз', 'раза', 'раз')}"
