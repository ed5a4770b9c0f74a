"""Read seed 001's documented result shape per endpoint ("Ответ `result`: ...") from the seed text itself.

A shape is "array" (`X[]`), "object" (a model, `{...}`, or named fields) or "object|null" (`X` или `null`), with the
keys the seed names: `{ "items": ... }`, `X` + `gamification_event`, or the field bullets under the line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEEDS_DIR = Path("/work/shared/seeds")
_HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)")
_RESULT = re.compile(r"^- Ответ `result`:\s*(.*)$")
_ARRAY = re.compile(r"^`\w+\[\]`")
_BRACE_KEYS = re.compile(r'"(\w+)"\s*:')
_PLUS_KEYS = re.compile(r"\+ `(\w+)`")
_BULLET_KEY = re.compile(r"^\s+- `([a-z_]\w*)")
_ELEMENT_KEYS = re.compile(r"^\s+- `\{\s*([\w, ]+)\}`")
_SAME_AS = re.compile(r"как у (GET|POST|PUT) `(/\S+)`")


@dataclass
class SeedShape:
    method: str
    path: str  # /api/v1/... with {params}, no query
    kind: str  # "array" | "object"
    nullable: bool = False
    keys: set[str] = field(default_factory=set)  # for objects: keys the seed names; for arrays: each element's keys
    text: str = ""


def seed_001_path() -> Path:
    [path] = sorted(SEEDS_DIR.glob("001_*.txt"))
    return path


def parse_result_shapes(text: str) -> dict[tuple[str, str], SeedShape]:
    shapes: dict[tuple[str, str], SeedShape] = {}
    lines = text.splitlines()
    endpoint: tuple[str, str] | None = None
    for number, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            endpoint = (heading.group(1), heading.group(2).split("?")[0])
            continue
        result = _RESULT.match(line)
        if not (result and endpoint):
            continue
        rest = result.group(1).strip()
        bullets = []
        for follow in lines[number + 1:]:
            if not follow.startswith("  -"):
                break
            bullets.append(follow)
        shapes[endpoint] = _shape(endpoint, rest, bullets, shapes)
        endpoint = None
    return shapes


def _shape(endpoint: tuple[str, str], rest: str, bullets: list[str],
           known: dict[tuple[str, str], SeedShape]) -> SeedShape:
    method, path = endpoint
    text = " ".join([rest, *bullets])
    same_as = _SAME_AS.search(rest)
    if same_as:
        other = known[(same_as.group(1), "/api/v1" + same_as.group(2))]
        return SeedShape(method, path, other.kind, other.nullable, set(other.keys), text)
    if _ARRAY.match(rest):
        element_keys: set[str] = set()
        for bullet in bullets:
            found = _ELEMENT_KEYS.match(bullet)
            if found:
                element_keys |= {k.strip() for k in found.group(1).split(",")}
        return SeedShape(method, path, "array", keys=element_keys, text=text)
    keys = set(_PLUS_KEYS.findall(rest))
    for line in [rest, *bullets]:
        keys |= set(_BRACE_KEYS.findall(line.split("`")[1] if line.count("`") >= 2 else ""))
    for bullet in bullets:
        found = _BULLET_KEY.match(bullet)
        if found:
            keys.add(found.group(1))
    nullable = "или `null`" in text
    return SeedShape(method, path, "object", nullable=nullable, keys=keys, text=text)


def seed_001_shapes() -> dict[tuple[str, str], SeedShape]:
    return parse_result_shapes(seed_001_path().read_text(encoding="utf-8"))


_SEED_000_HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) `(/\S+)`")
_SEED_002_REQUEST = re.compile(r"^```http\n(GET|POST|PUT|PATCH|DELETE) (/\S+)\n```", re.MULTILINE)
_JSON_BLOCK = re.compile(r"```json\n(.*?)\n```", re.DOTALL)


def seed_path(number: str) -> Path:
    [path] = sorted(SEEDS_DIR.glob(f"{number}_*.txt"))
    return path


def seed_000_request_examples() -> dict[tuple[str, str], Any]:
    """Seed 000's example request bodies: the ```json block after "**Запрос:**" under each endpoint heading."""
    examples: dict[tuple[str, str], Any] = {}
    sections = re.split(r"(?m)^(?=### )", seed_path("000").read_text(encoding="utf-8"))
    for section in sections:
        heading = _SEED_000_HEADING.match(section)
        if not heading or "**Запрос:**" not in section:
            continue
        block = _JSON_BLOCK.search(section, section.index("**Запрос:**"))
        if block:
            examples[(heading.group(1), heading.group(2))] = json.loads(block.group(1))
    return examples


def seed_002_request_examples() -> dict[tuple[str, str], Any]:
    """Seed 002's example request bodies: the ```json block after "**請求體**" following an ```http request line.
    A body described as "the same as creating" (與創建事件相同格式) reuses the create example."""
    text = seed_path("002").read_text(encoding="utf-8")
    examples: dict[tuple[str, str], Any] = {}
    requests = list(_SEED_002_REQUEST.finditer(text))
    for number, request in enumerate(requests):
        end = requests[number + 1].start() if number + 1 < len(requests) else len(text)
        section = text[request.end():end]
        key = (request.group(1), request.group(2))
        if "**請求體**" not in section:
            continue
        block = _JSON_BLOCK.search(section, section.index("**請求體**"))
        if block:
            examples[key] = json.loads(block.group(1))
        elif "與創建事件相同格式" in section:
            examples[key] = examples[("POST", "/api/events/")]
    return examples


_CODE = re.compile(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`")
_STATUSES = re.compile(r"\b([1-5]\d\d(?:/[1-5]\d\d)*)\b")


def parse_error_codes(text: str) -> dict[tuple[str, str], dict[str, set[int]]]:
    """Per endpoint, the error codes its "Ошибки" lines name and the statuses written before them (empty when the
    seed gives none, e.g. "`GOALS_AI_FAILED` (в зависимости от ответа worker)")."""
    found: dict[tuple[str, str], dict[str, set[int]]] = {}
    endpoint: tuple[str, str] | None = None
    in_errors = False
    header_statuses: set[int] = set()
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading or line.startswith("## "):
            endpoint = (heading.group(1), heading.group(2).split("?")[0]) if heading else None
            in_errors = False
            continue
        if endpoint is None:
            continue
        if line.startswith("- "):
            in_errors = line.startswith(("- Ошиб", "- Ошибк"))
            header = re.match(r"- Ошибк[аи] \((\d{3})\)", line)
            header_statuses = {int(header.group(1))} if header else set()
        if not in_errors:
            continue
        statuses = set(header_statuses)
        position = 0
        for code in _CODE.finditer(line):
            before = _STATUSES.findall(line[position:code.start()])
            if before:
                statuses = {int(s) for s in before[-1].split("/")}
            found.setdefault(endpoint, {}).setdefault(code.group(1), set()).update(statuses)
            position = code.end()
    return found
