"""Goals generation: proposed goals (not saved) from the life wheel, the wants analysis and the future story."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from core.clients.ai.base import AIOutput, AITask, Prompt
from core.prompts.wants_analysis import STOP_WORDS, WORD, areas_of
from core.prompts.wording import capitalized, goal_title, shortened

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
    version="goals-2026-11-2",
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
        "ru": ("Сферы жизни: {areas}\nКолесо жизни (оценки 1–10): {wheel}\nАнализ желаний: {wants}\n"
               "Желания своими словами (ответ о пяти годах, зависть, список желаний): {wants_raw}\n"
               "История будущего: {story}\nОтветы интервью о будущем по сферам: {story_answers}\n"
               "Предпочтительные сферы: {area_ids}"),
        "en": ("Life areas: {areas}\nLife wheel (scores 1–10): {wheel}\nWants analysis: {wants}\n"
               "Wants in their own words (the five-year answer, envy, the list of wants): {wants_raw}\n"
               "Future story: {story}\nFuture interview answers by area: {story_answers}\n"
               "Preferred areas: {area_ids}"),
    },
)

_TEXTS = {
    "ru": {
        "wheel_title": "{area}: с {score} до {target} баллов",
        "wheel_description": "Сфера «{area}» сейчас на {score}/10. Год, чтобы поднять её до {target}.",
        "wheel_metric": "Оценка сферы «{area}» в колесе жизни — {target} или выше",
        "wheel_why": "В вашем колесе жизни это одна из самых низких оценок: {score}/10.",
        "five_years_description": "Ваш ответ на вопрос, чем бы вы занимались пять лет: «{text}».",
        "five_years_why": "Это то, чем вы хотели бы заниматься, если бы всё получилось.",
        "want_description": "Из вашего потока «Я хочу»: «{text}».",
        "want_why": "Это ваше собственное желание из упражнения «Чего я хочу».",
        "story_description": "Из вашей истории будущего: «{text}».",
        "story_why": "Так вы сами описали эту сферу через три года.",
        "envy_why": " Рядом с этим — ваша зависть: «{text}».",
        "metric": "{measure} — {horizon}",
    },
    "en": {
        "wheel_title": "{area}: from {score} to {target}",
        "wheel_description": "Your '{area}' area is at {score}/10 now. A year to lift it to {target}.",
        "wheel_metric": "'{area}' scores {target} or more on the life wheel",
        "wheel_why": "It is one of the lowest scores on your life wheel: {score}/10.",
        "five_years_description": "Your answer to what you would do for five years: “{text}”.",
        "five_years_why": "It is what you would do if everything worked out.",
        "want_description": "From your “I want” stream: “{text}”.",
        "want_why": "It is your own want from the “What I want” exercise.",
        "story_description": "From your future story: “{text}”.",
        "story_why": "This is how you described this area three years from now.",
        "envy_why": " It echoes whom you envy: “{text}”.",
        "metric": "{measure} — {horizon}",
    },
}
HORIZON_WORDS = {
    "ru": {"3m": "за 3 месяца", "1y": "за год", "3y": "за 3 года", "5y": "за 5 лет"},
    "en": {"3m": "within 3 months", "1y": "within a year", "3y": "within 3 years", "5y": "within 5 years"},
}
# What "done" looks like in each default area: something one can count or check.
AREA_MEASURES = {
    "ru": {
        "health": "3 тренировки в неделю 12 недель подряд, отмеченные в дневнике",
        "career": "готовый результат, который можно показать людям; работа над ним 3 раза в неделю",
        "finance": "сумма и срок записаны, прогресс сверяется раз в месяц",
        "relationships": "время вместе каждую неделю, 4 недели из 4",
        "friends": "встреча или звонок с друзьями минимум 2 раза в месяц",
        "growth": "пройденный курс или уровень, 3 занятия в неделю",
        "leisure": "время на это минимум 2 раза в месяц и первый конкретный шаг в ближайшие 3 месяца",
        "spirit": "15 минут практики 5 дней в неделю",
        None: "первый видимый результат через 3 месяца, сверка раз в месяц",
    },
    "en": {
        "health": "3 workouts a week for 12 weeks in a row, ticked off in a log",
        "career": "a finished result you can show to people, worked on 3 times a week",
        "finance": "an amount and a date written down, progress checked every month",
        "relationships": "time together every week, 4 weeks out of 4",
        "friends": "a meeting or a call with friends at least twice a month",
        "growth": "a course or a level completed, 3 study sessions a week",
        "leisure": "time for it at least twice a month and a first concrete step in the next 3 months",
        "spirit": "15 minutes of practice 5 days a week",
        None: "a first visible result in 3 months, checked every month",
    },
}
HORIZON_ORDER = ("3m", "1y", "3y", "5y")

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def first_sentence(text: str, limit: int = 120) -> str:
    sentence = _SENTENCE_END.split(" ".join(str(text).split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Candidate:
    """A goal in the user's own words before it is phrased: where it came from, its text, area and horizon."""

    source: str
    text: str
    area_id: str | None
    horizon: str


def _candidates(inputs: dict[str, Any], areas: list[dict[str, str]]) -> list[_Candidate]:
    """The user's words in the order goals are proposed: the five-year answer, the top wants by area, then the
    future story answers by area."""
    raw = inputs.get("wants_raw") or {}
    found: list[_Candidate] = []
    five_years = " ".join(str(raw.get("what_to_do_5y") or "").split())
    if five_years:
        found.append(_Candidate("five_years", five_years, next(iter(areas_of(five_years, areas)), None), "5y"))
    by_area = (inputs.get("wants") or {}).get("top_wants_by_area") or []
    for item in by_area:
        if isinstance(item, dict):
            found += [_Candidate("want", str(want), item.get("area_id"), "1y") for want in item.get("wants") or []
                      if isinstance(want, str)]
    if not by_area:
        found += [_Candidate("want", want, next(iter(areas_of(want, areas)), None), "1y")
                  for want in raw.get("wants") or [] if isinstance(want, str)]
    answered: set[str] = set()
    for item in inputs.get("story_answers") or []:
        found.append(_Candidate("story", str(item.get("answer") or ""), item.get("area_id"), "3y"))
        answered.add(item.get("area_id"))
    for item in (inputs.get("story") or {}).get("by_area_3y") or []:
        if isinstance(item, dict) and item.get("area_id") not in answered:
            found.append(_Candidate("story", str(item.get("text") or item.get("paragraph") or ""),
                                    item.get("area_id"), "3y"))
    return [candidate for candidate in found if candidate.text.strip()]


def _shares_a_word(first: str, second: str) -> bool:
    def words(text: str) -> set[str]:
        return {word for word in WORD.findall(text.lower()) if len(word) >= 4 and word not in STOP_WORDS}
    return bool(words(first) & words(second))


def offline_goals(inputs: dict[str, Any], locale: str) -> GoalsProposal:
    """Goals phrased from the user's own words first (the five-year answer, the top wants by area, the future
    story by area; one per area before a second one), then the lowest wheel areas nothing else covers."""
    locale = "en" if locale == "en" else "ru"
    texts = _TEXTS[locale]
    areas = list(inputs.get("areas") or [])
    titles = {area["id"]: area["title"] for area in areas}
    preferred = set(inputs.get("area_ids") or [])
    allowed = [h for h in HORIZON_ORDER if h in (inputs.get("horizons") or HORIZON_ORDER)] or ["1y"]
    max_goals = int(inputs.get("max_goals") or 5)
    envy = " ".join(str((inputs.get("wants_raw") or {}).get("envy") or "").split())

    def horizon(wanted: str) -> str:
        return min(allowed, key=lambda h: abs(HORIZON_ORDER.index(h) - HORIZON_ORDER.index(wanted)))

    goals: list[ProposedGoal] = []
    seen: set[str] = set()
    covered: set[str | None] = set()

    def from_words(candidate: _Candidate) -> ProposedGoal | None:
        area_id = candidate.area_id if candidate.area_id in titles else None
        if preferred and area_id not in preferred:
            return None
        title = (first_sentence(candidate.text, 120).rstrip(".") if candidate.source == "story"
                 else goal_title(candidate.text, locale))
        if len(title) < 3 or title.casefold() in seen:
            return None
        chosen = horizon(candidate.horizon)
        quoted = shortened(candidate.text, 300).rstrip(".")
        description = texts[f"{candidate.source}_description"].format(text=quoted)
        why = texts[f"{candidate.source}_why"]
        if envy and _shares_a_word(envy, candidate.text):
            why += texts["envy_why"].format(text=shortened(envy, 200).rstrip("."))
        measure = AREA_MEASURES[locale].get(area_id) or AREA_MEASURES[locale][None]
        return ProposedGoal(title=title, description=description, area_id=area_id, horizon=chosen,
                            metric=capitalized(texts["metric"].format(measure=measure,
                                                                      horizon=HORIZON_WORDS[locale][chosen])),
                            why=why)

    def add(goal: ProposedGoal | None) -> None:
        if goal is not None and len(goals) < max_goals and goal.title.casefold() not in seen:
            goals.append(goal)
            seen.add(goal.title.casefold())
            covered.add(goal.area_id)

    candidates = _candidates(inputs, areas)
    for candidate in candidates:  # one goal per area first, so the proposal spans the user's life
        if candidate.area_id is None or candidate.area_id not in covered:
            add(from_words(candidate))
    for candidate in candidates:
        add(from_words(candidate))

    wheel: dict[str, int] = inputs.get("wheel") or {}
    order = list(titles)
    for area_id, score in sorted(wheel.items(), key=lambda kv: (kv[1], order.index(kv[0]) if kv[0] in order else 99)):
        if score > 7 or area_id not in titles or area_id in covered or (preferred and area_id not in preferred):
            continue
        values = {"area": titles[area_id], "score": score, "target": min(10, score + 2)}
        add(ProposedGoal(
            title=texts["wheel_title"].format(**values), description=texts["wheel_description"].format(**values),
            area_id=area_id, horizon=horizon("1y"), metric=texts["wheel_metric"].format(**values),
            why=texts["wheel_why"].format(**values)))
    return GoalsProposal(goals=goals)


GENERATE_GOALS = AITask(feature="goals", output=GoalsProposal, prompt=PROMPT, offline=offline_goals)
