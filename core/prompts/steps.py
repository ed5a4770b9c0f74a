"""Steps generation: a proposed cascade year → quarter → month → week → day for chosen goals (not saved).

Steps come as a flat list; `key` names a step inside the proposal and `parent_key` points at a wider step of the
same goal, so a client can save the whole tree in one POST /steps/batch.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from core.clients.ai.base import AIOutput, AITask, Prompt
from core.prompts.wants_analysis import AREA_STEMS, areas_of
from core.prompts.wording import capitalized, shortened

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

# Per life area: the quarter's milestone, the kind of session that moves the goal, and a first 20–30 minute action.
# `None` is for a goal without an area the words of its title point to.
_AREA_STEPS = {
    "ru": {
        "health": ("12 недель тренировок по 3 раза в неделю и первое измеримое улучшение", "тренировки",
                   "лёгкая первая тренировка: быстрая ходьба или пробежка"),
        "career": ("первая готовая часть, показанная хотя бы одному человеку", "сосредоточенная работа",
                   "выписать 3 первых шага и сделать первый"),
        "finance": ("бюджет, который вы ведёте, и первые отложенные деньги", "финансовое планирование",
                    "выписать нужную сумму и срок и посчитать, сколько откладывать в месяц"),
        "relationships": ("своё время вместе каждую неделю", "время с близкими",
                          "предложить близким конкретный день и план для встречи"),
        "friends": ("регулярная встреча с друзьями в календаре", "встречи или звонки друзьям",
                    "написать другу и договориться о встрече"),
        "growth": ("первый модуль курса или 10 занятий позади", "учёба",
                   "выбрать курс или учебник и пройти первый урок"),
        "leisure": ("первая поездка, работа или хобби-проект, доведённые до конца", "время для себя",
                    "выбрать дату и первый шаг и занести их в календарь"),
        "spirit": ("12 недель практики по 3 раза в неделю", "тихая практика (тишина, дневник или медитация)",
                   "первая практика: записать, что для вас по-настоящему важно"),
        None: ("первый видимый результат, который можно показать", "сосредоточенная работа",
               "записать, как выглядит результат, и сделать первый маленький шаг"),
    },
    "en": {
        "health": ("12 weeks of 3 workouts a week and a first measurable improvement", "training",
                   "an easy first workout: a brisk walk or a jog"),
        "career": ("a first finished piece, shown to at least one person", "focused work",
                   "list the first 3 steps and do the first one"),
        "finance": ("a budget you keep and the first money set aside", "money planning",
                    "write down the amount and the date, and work out how much to set aside a month"),
        "relationships": ("a time together every week", "time with your loved ones",
                          "suggest a concrete day and plan to your loved ones"),
        "friends": ("a regular meeting with friends on the calendar", "meeting or calling friends",
                    "message a friend and agree on a meeting"),
        "growth": ("the first course module or 10 lessons done", "study",
                   "pick a course or a textbook and do the first lesson"),
        "leisure": ("a first trip, piece or hobby project finished", "your hobby",
                    "pick a date and a first step and put them in your calendar"),
        "spirit": ("12 weeks of practice 3 times a week", "quiet practice (silence, a journal or meditation)",
                   "a first practice: write down what truly matters to you"),
        None: ("a first visible result you can show", "focused work",
               "write down what the result looks like and take the first small step"),
    },
}
_TEXTS = {
    "ru": {
        "year_short": "{title} — {metric}",
        "year_long": "Первый год на пути к «{title}»: {metric}",
        "year_long_plain": "Первый год на пути к «{title}»",
        "quarter": "Рубеж квартала для «{title}»: {milestone}",
        "month": "Привычка месяца: {session} — по {minutes} мин 3 раза в неделю",
        "week": "На этой неделе: {session}, 3 × {minutes} мин — время уже в календаре",
        "day": "Первый шаг к «{title}» ({minutes} мин): {action}",
    },
    "en": {
        "year_short": "{title} — {metric}",
        "year_long": "Year one towards “{title}”: {metric}",
        "year_long_plain": "Year one towards “{title}”",
        "quarter": "Quarter milestone for “{title}”: {milestone}",
        "month": "Habit for the month: {minutes} min of {session}, 3 times a week",
        "week": "This week: {session}, 3 × {minutes} min, blocked in your calendar",
        "day": "First step towards “{title}” ({minutes} min): {action}",
    },
}


def _area_of(goal: dict[str, Any]) -> str | None:
    """The goal's own area, else the first default area the words of its title point to."""
    if goal.get("area_id") is not None and goal["area_id"] in _AREA_STEPS["en"]:
        return goal["area_id"]
    defaults = [{"id": area_id, "title": ""} for area_id in AREA_STEMS]
    return next(iter(areas_of(goal["title"], defaults)), None)


def offline_steps(inputs: dict[str, Any], locale: str) -> StepsProposal:
    """One branch per goal, from its own title, metric and area: the year's outcome, a quarter milestone,
    a monthly habit, this week's sessions and today's first 20–30 minute action."""
    locale = "en" if locale == "en" else "ru"
    texts = _TEXTS[locale]
    start = date.fromisoformat(inputs["window_start"])
    minutes = int((inputs.get("load_detail") or {}).get("minutes_per_day") or 30)
    day_minutes = max(5, min(minutes, 60))
    steps: list[ProposedStep] = []
    for number, goal in enumerate(inputs.get("goals", []), start=1):
        title = shortened(goal["title"], 120).rstrip(".")
        milestone, session, action = _AREA_STEPS[locale][_area_of(goal)]
        metric = shortened(goal.get("metric") or "", 150).rstrip(".")
        first_word = (metric.split() or [""])[0]
        if (len(first_word) == 1 and first_word != "I") or first_word[1:].islower():  # keep "B1 exam", "IELTS 7"
            metric = metric[:1].lower() + metric[1:]
        long_horizon = goal.get("horizon") in ("3y", "5y")
        if metric:
            year = texts["year_long" if long_horizon else "year_short"].format(title=title, metric=metric)
        else:
            year = texts["year_long_plain"].format(title=title) if long_horizon else title
        titles = {
            "year": year,
            "quarter": texts["quarter"].format(title=title, milestone=milestone),
            "month": texts["month"].format(session=session, minutes=day_minutes),
            "week": texts["week"].format(session=session, minutes=day_minutes),
            "day": texts["day"].format(title=title, minutes=day_minutes, action=action),
        }
        parent: str | None = None
        for level in ("year", "quarter", "month", "week", "day"):
            key = f"g{number}-{level}"
            dated = level in ("week", "day")
            steps.append(ProposedStep(
                key=key, parent_key=parent, goal_id=goal["id"], title=capitalized(titles[level])[:300],
                level=level, planned_date=start if dated else None,
                estimated_minutes=day_minutes if level == "day" else None, priority=1 if level == "day" else 2))
            parent = key
    return StepsProposal(steps=steps)


GENERATE_STEPS = AITask(feature="steps", output=StepsProposal, prompt=PROMPT, offline=offline_steps)
