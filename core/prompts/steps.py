"""Steps generation: a proposed cascade year → quarter → month → week → day for chosen goals (not saved).

Steps come as a flat list; `key` names a step inside the proposal and `parent_key` points at a wider step of the
same goal, so a client can save the whole tree in one POST /steps/batch.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from core.clients.ai.base import AIOutput, AITask, Prompt

Level = Literal["year", "quarter", "month", "week", "day"]


class ProposedStep(BaseModel):
    key: str
    parent_key: str | None = None
    goal_id: str
    title: str
    level: Level
    planned_date: date | None = None
    estimated_minutes: int | None = None
    priority: int = 2


class StepsProposal(AIOutput):
    steps: list[ProposedStep]


PROMPT = Prompt(
    version="steps-2026-11-1",
    system={
        "ru": (
            "Ты — коуч по планированию. Разбей каждую цель на каскад шагов: год → квартал → месяц → неделя → день. "
            "У каждого шага уникальный key; parent_key — key более широкого шага той же цели (у шага уровня year "
            "parent_key = null). Даты (YYYY-MM-DD) только для шагов недели и дня, в окне {window_start}…{window_end}. "
            "Учитывай нагрузку пользователя: {load}. priority: 1 — важно, 2 — обычно, 3 — можно отложить. "
            "Шаги конкретные и выполнимые. Пиши по-русски."
        ),
        "en": (
            "You are a planning coach. Break each goal into a cascade of steps: year → quarter → month → week → day. "
            "Every step has a unique key; parent_key is the key of a wider step of the same goal (null for the year "
            "step). Dates (YYYY-MM-DD) only for week and day steps, within {window_start}…{window_end}. Respect the "
            "user's load: {load}. priority: 1 — important, 2 — normal, 3 — can wait. Steps are concrete and doable."
        ),
    },
    user={
        "ru": "Сегодня {today}. Цели (id, заголовок, описание, горизонт, метрика):\n{goals}",
        "en": "Today is {today}. Goals (id, title, description, horizon, metric):\n{goals}",
    },
)

_TEXTS = {
    "ru": {
        "year": "Год: {title}",
        "quarter": "Квартал: заложить основу — {metric}",
        "month": "Месяц: выбрать первое конкретное действие для «{title}» и сделать его привычкой",
        "week": "Неделя: поставить в календарь время под «{title}» ({minutes} мин в день)",
        "day": "Сегодня: записать первый шаг к «{title}» и потратить на него {minutes} мин",
    },
    "en": {
        "year": "Year: {title}",
        "quarter": "Quarter: lay the groundwork — {metric}",
        "month": "Month: pick the first concrete action for “{title}” and make it a habit",
        "week": "Week: block time for “{title}” in your calendar ({minutes} min a day)",
        "day": "Today: write down the first step towards “{title}” and spend {minutes} min on it",
    },
}


def offline_steps(inputs: dict[str, Any], locale: str) -> StepsProposal:
    """One branch per goal, from its own title and metric: a year step down to today's first action."""
    texts = _TEXTS["en" if locale == "en" else "ru"]
    start = date.fromisoformat(inputs["window_start"])
    minutes = int((inputs.get("load_detail") or {}).get("minutes_per_day") or 30)
    day_minutes = max(5, min(minutes, 60))
    steps: list[ProposedStep] = []
    for number, goal in enumerate(inputs.get("goals", []), start=1):
        values = {"title": goal["title"], "metric": goal.get("metric") or goal["title"], "minutes": day_minutes}
        parent: str | None = None
        for level in ("year", "quarter", "month", "week", "day"):
            key = f"g{number}-{level}"
            dated = level in ("week", "day")
            steps.append(ProposedStep(
                key=key, parent_key=parent, goal_id=goal["id"], title=texts[level].format(**values)[:300],
                level=level, planned_date=start if dated else None,
                estimated_minutes=day_minutes if level == "day" else None, priority=1 if level == "day" else 2))
            parent = key
    return StepsProposal(steps=steps)


GENERATE_STEPS = AITask(feature="steps", output=StepsProposal, prompt=PROMPT, offline=offline_steps)
