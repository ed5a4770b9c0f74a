"""Goals generation: proposed goals (not saved) from the life wheel, the wants analysis and the future story."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from core.clients.ai.base import AIOutput, AITask, Prompt

Horizon = Literal["3m", "1y", "3y", "5y"]


class ProposedGoal(BaseModel):
    title: str
    description: str = ""
    area_id: str | None = None
    horizon: Horizon = "1y"
    metric: str | None = None
    why: str | None = None


class GoalsProposal(AIOutput):
    goals: list[ProposedGoal]


PROMPT = Prompt(
    version="goals-2026-11-1",
    system={
        "ru": (
            "Ты — бережный коуч по жизненному планированию. По данным пользователя предложи до {max_goals} целей. "
            "Каждая цель: короткий заголовок, описание в 1–2 предложения, area_id строго из списка сфер, горизонт "
            "(3m — три месяца, 1y — год, 3y — три года, 5y — пять лет) из разрешённых: {horizons}, измеримая метрика "
            "и «зачем» словами самого пользователя. Не выдумывай фактов о человеке. Пиши по-русски."
        ),
        "en": (
            "You are a gentle life-planning coach. From the user's data propose up to {max_goals} goals. Each goal: a "
            "short title, a 1–2 sentence description, an area_id strictly from the list of areas, a horizon (3m — "
            "three months, 1y — a year, 3y — three years, 5y — five years) among the allowed ones: {horizons}, a "
            "measurable metric and a 'why' in the user's own words. Do not invent facts about the person."
        ),
    },
    user={
        "ru": ("Сферы жизни: {areas}\nКолесо баланса (оценки 1–10): {wheel}\nАнализ желаний: {wants}\n"
               "История будущего: {story}\nПредпочтительные сферы: {area_ids}"),
        "en": ("Life areas: {areas}\nLife wheel (scores 1–10): {wheel}\nWants analysis: {wants}\n"
               "Future story: {story}\nPreferred areas: {area_ids}"),
    },
)

_TEXTS = {
    "ru": {
        "wheel_title": "{area}: с {score} до {target} баллов",
        "wheel_description": "Сфера «{area}» сейчас на {score}/10. Год, чтобы поднять её до {target}.",
        "wheel_metric": "Оценка сферы «{area}» в колесе баланса — {target} или выше",
        "wheel_why": "В вашем колесе баланса это одна из самых низких оценок: {score}/10.",
        "story_description": "Из вашей истории будущего: «{text}»",
        "story_metric": "Через три года вы узнаёте себя в этом описании",
        "story_why": "Так вы сами описали эту сферу через три года.",
        "wants_description": "Вы назвали это среди своих желаний.",
        "wants_metric": "Первый ощутимый результат в течение года",
        "wants_why": "Это ваше собственное желание из упражнения «Чего я хочу».",
    },
    "en": {
        "wheel_title": "{area}: from {score} to {target}",
        "wheel_description": "Your '{area}' area is at {score}/10 now. A year to lift it to {target}.",
        "wheel_metric": "'{area}' scores {target} or more on the life wheel",
        "wheel_why": "It is one of the lowest scores on your life wheel: {score}/10.",
        "story_description": "From your future story: “{text}”",
        "story_metric": "In three years you recognise yourself in this description",
        "story_why": "This is how you described this area three years from now.",
        "wants_description": "You named this among your wants.",
        "wants_metric": "A first tangible result within a year",
        "wants_why": "It is your own want from the 'What I want' exercise.",
    },
}

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def first_sentence(text: str, limit: int = 120) -> str:
    sentence = _SENTENCE_END.split(" ".join(str(text).split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def phrases(value: Any, limit: int = 10) -> list[str]:
    """Short strings found in a JSON value, in document order (lists of wants, themes, titles…)."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if len(found) >= limit:
            return
        if isinstance(item, str):
            text = " ".join(item.split())
            if 3 <= len(text) <= 160 and text not in found:
                found.append(text)
        elif isinstance(item, dict):
            for key in sorted(item, key=str):
                if key not in {"generated_by", "notice", "id", "area_id", "created_at"}:
                    walk(item[key])
        elif isinstance(item, (list, tuple)):
            for element in item:
                walk(element)

    walk(value)
    return found


def offline_goals(inputs: dict[str, Any], locale: str) -> GoalsProposal:
    """Goals from the user's own data: the lowest wheel areas, the future story by area, then named wants."""
    texts = _TEXTS["en" if locale == "en" else "ru"]
    titles = {area["id"]: area["title"] for area in inputs.get("areas", [])}
    preferred = set(inputs.get("area_ids") or [])
    allowed = list(inputs.get("horizons") or ["3m", "1y", "3y", "5y"])
    goals: list[ProposedGoal] = []
    used_areas: set[str] = set()

    def horizon(wanted: str) -> str:
        return wanted if wanted in allowed else allowed[0]

    def area_allowed(area_id: str | None) -> bool:
        return area_id is None or ((not preferred or area_id in preferred) and area_id in titles)

    wheel: dict[str, int] = inputs.get("wheel") or {}
    order = list(titles)
    for area_id, score in sorted(wheel.items(), key=lambda kv: (kv[1], order.index(kv[0]) if kv[0] in order else 99)):
        if score > 7 or not area_allowed(area_id) or area_id not in titles:
            continue
        values = {"area": titles[area_id], "score": score, "target": min(10, score + 2)}
        goals.append(ProposedGoal(
            title=texts["wheel_title"].format(**values), description=texts["wheel_description"].format(**values),
            area_id=area_id, horizon=horizon("1y"), metric=texts["wheel_metric"].format(**values),
            why=texts["wheel_why"].format(**values)))
        used_areas.add(area_id)
    for item in (inputs.get("story") or {}).get("by_area_3y") or []:
        if not isinstance(item, dict):
            continue
        area_id = item.get("area_id")
        text = item.get("text") or item.get("paragraph") or ""
        if not text or area_id in used_areas or not area_allowed(area_id):
            continue
        goals.append(ProposedGoal(
            title=first_sentence(text, 80), description=texts["story_description"].format(text=first_sentence(text)),
            area_id=area_id if area_id in titles else None, horizon=horizon("3y"),
            metric=texts["story_metric"], why=texts["story_why"]))
        used_areas.add(area_id)
    if not preferred:
        for want in phrases(inputs.get("wants")):
            goals.append(ProposedGoal(title=first_sentence(want, 80), description=texts["wants_description"],
                                      horizon=horizon("1y"), metric=texts["wants_metric"], why=texts["wants_why"]))
    return GoalsProposal(goals=goals[: int(inputs.get("max_goals") or 5)])


GENERATE_GOALS = AITask(feature="goals", output=GoalsProposal, prompt=PROMPT, offline=offline_goals)
