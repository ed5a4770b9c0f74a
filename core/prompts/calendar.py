"""Calendar advice: the AI reads the week (events, free time, the placer's blocks) and adds wording and advice.
Times are never the AI's: blocks come from the deterministic placer, and the AI may only comment on them by id."""
from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from pydantic import BaseModel, Field

from core.clients.ai.base import AIOutput, AITask, Prompt
from core.prompts.wording import ru_plural, times


class BlockNote(BaseModel):
    step_id: str
    note: str = Field(max_length=300)


class CalendarAdvice(AIOutput):
    analysis: str
    recommendations: list[str] = Field(default_factory=list, max_length=6)
    goal_alignment: str = ""
    productivity_score: int = Field(5, ge=1, le=10)
    block_notes: list[BlockNote] = Field(default_factory=list)


class GoalPlanAdvice(AIOutput):
    suggested_time: str
    duration: str
    frequency: str
    reasoning: str
    block_notes: list[BlockNote] = Field(default_factory=list)


_RULE = {
    "ru": "Никогда не предлагай своё время: блоки уже расставлены по свободным окнам, "
          "комментируй их только по step_id.",
    "en": "Never propose times of your own: the blocks are already placed in free time; "
          "comment on them by step_id only.",
}

ANALYZE_PROMPT = Prompt(
    version="calendar-analyze-2026-11-1",
    system={
        "ru": ("Ты — бережный коуч по тайм-менеджменту. Оцени неделю человека: загрузку, свободное время, как "
               "расписание служит его целям. Дай короткий анализ, до 5 конкретных рекомендаций, оценку "
               "соответствия целям одним-двумя словами и productivity_score от 1 до 10. " + _RULE["ru"]
               + " Пиши по-русски."),
        "en": ("You are a gentle time-management coach. Assess the person's week: load, free time, how the schedule "
               "serves their goals. Give a short analysis, up to 5 concrete recommendations, a one-or-two-word goal "
               "alignment and a productivity_score from 1 to 10. " + _RULE["en"]),
    },
    user={
        "ru": ("Часовой пояс: {time_zone}. События ({days} дн.): {events}\nЦели: {goals}\n"
               "Свободно в рабочие и личные часы: {free_minutes} мин.\nБлоки шагов от планировщика: {blocks}\n"
               "Не поместились: {unplaced}"),
        "en": ("Time zone: {time_zone}. Events ({days} days): {events}\nGoals: {goals}\n"
               "Free within working and personal hours: {free_minutes} min.\nStep blocks from the planner: {blocks}\n"
               "Did not fit: {unplaced}"),
    },
)

PLAN_GOAL_PROMPT = Prompt(
    version="calendar-plan-goal-2026-11-1",
    system={
        "ru": ("Ты — коуч по планированию. Опиши словами, когда и как часто заниматься целью, сколько длится "
               "сессия и почему так. " + _RULE["ru"] + " Пиши по-русски."),
        "en": ("You are a planning coach. Describe in words when and how often to work on the goal, how long a "
               "session lasts and why. " + _RULE["en"]),
    },
    user={
        "ru": ("Цель: {goal}\nПожелания: {context}\nЧасовой пояс: {time_zone}\nБлоки от планировщика: {blocks}\n"
               "Свободные окна: {slots}"),
        "en": ("Goal: {goal}\nWishes: {context}\nTime zone: {time_zone}\nBlocks from the planner: {blocks}\n"
               "Free slots: {slots}"),
    },
)

_TEXTS = {
    "ru": {
        "analysis": "На {days} дн. у вас {events}, занято {busy} ч; в ваши часы свободно {free} ч. "
                    "Планировщик нашёл место для {placed} из {total}.",
        "fit_all": "Все шаги недели помещаются — оставьте буферы, не занимайте их новыми встречами.",
        "unplaced": "Не поместилось: {titles}. Сократите шаг или перенесите его на следующую неделю.",
        "busy": "Неделя плотная: поставьте самый важный шаг на утро, пока встречи не съели время.",
        "goals": "Сверьте шаги с целью «{goal}»: есть ли на этой неделе хотя бы один шаг к ней?",
        "no_goals": "Целей пока нет — запишите одну, и планировщик начнёт находить для неё время.",
        "alignment_good": "Хорошо", "alignment_some": "Частично", "alignment_none": "Нет шагов",
        "time": "{days} — в найденные свободные окна", "time_none": "Свободных окон на этой неделе не нашлось",
        "duration": "{minutes} мин за сессию", "frequency": "{times} в неделю",
        "reasoning": "Время подобрано только из ваших свободных часов, с буфером вокруг встреч и дневным лимитом.",
        "time_free": "Свободное время на неделе: {days}", "duration_free": "Сессия по длине одного из этих окон",
        "frequency_free": "Сохраните цель и её шаги — планировщик расставит их по этим окнам",
    },
    "en": {
        "analysis": "Over {days} days you have {events}, {busy} h busy; {free} h are free within your hours. "
                    "The planner found room for {placed} of {total}.",
        "fit_all": "All of the week's steps fit — keep the buffers free of new meetings.",
        "unplaced": "Did not fit: {titles}. Shorten the step or move it to next week.",
        "busy": "A dense week: put the most important step in the morning before meetings eat the time.",
        "goals": "Check the steps against your goal “{goal}”: is there at least one step towards it this week?",
        "no_goals": "No goals yet — write one down and the planner will start finding time for it.",
        "alignment_good": "Good", "alignment_some": "Partly", "alignment_none": "No steps",
        "time": "{days} — in the free slots found", "time_none": "No free slots were found this week",
        "duration": "{minutes} min per session", "frequency": "{times} a week",
        "reasoning": "Times come only from your free hours, with a buffer around meetings and a daily limit.",
        "time_free": "Free time this week: {days}", "duration_free": "A session as long as one of these slots",
        "frequency_free": "Save the goal and its steps, and the planner will place them into these slots",
    },
}


def _events(count: int, locale: str) -> str:
    if locale == "en":
        return f"{count} event" if count == 1 else f"{count} events"
    return f"{count} {ru_plural(count, 'событие', 'события', 'событий')}"


def _of_steps(total: int, locale: str) -> str:
    """The "of N steps" part: genitive in Russian (из 1 шага, из 5 шагов)."""
    if locale == "en":
        return f"{total} step" if total == 1 else f"{total} steps"
    return f"{total} {ru_plural(total, 'шага', 'шагов', 'шагов')}"


def offline_analysis(inputs: dict[str, Any], locale: str) -> CalendarAdvice:
    texts = _TEXTS[locale]
    blocks, unplaced, goals = inputs["blocks"], inputs["unplaced"], inputs["goals"]
    total = len(blocks) + len(unplaced)
    recommendations = [texts["fit_all"]] if not unplaced else [
        texts["unplaced"].format(titles=", ".join(u["title"] for u in unplaced[:5]))]
    if inputs["busy_minutes"] > inputs["free_minutes"]:
        recommendations.append(texts["busy"])
    recommendations.append(texts["goals"].format(goal=goals[0]) if goals else texts["no_goals"])
    alignment = texts["alignment_none"] if not blocks else (
        texts["alignment_good"] if not unplaced else texts["alignment_some"])
    overbooked = 1 if inputs["busy_minutes"] > inputs["free_minutes"] else 0
    score = max(1, min(10, 5 + len(blocks) - len(unplaced) - overbooked))
    return CalendarAdvice(
        analysis=texts["analysis"].format(
            days=inputs["days"], events=_events(len(inputs["events"]), locale),
            busy=format_decimal(round(inputs["busy_minutes"] / 60, 1), format="#,##0.#", locale=locale),
            free=format_decimal(round(inputs["free_minutes"] / 60, 1), format="#,##0.#", locale=locale),
            placed=len(blocks), total=_of_steps(total, locale)),
        recommendations=recommendations, goal_alignment=alignment, productivity_score=score)


def offline_goal_plan(inputs: dict[str, Any], locale: str) -> GoalPlanAdvice:
    texts = _TEXTS[locale]
    blocks = inputs["blocks"]
    if not blocks and inputs["slots"]:  # a goal with nothing to place yet: point at the free time
        free_days = ", ".join(list(dict.fromkeys(s["weekday"] for s in inputs["slots"]))[:4])
        return GoalPlanAdvice(suggested_time=texts["time_free"].format(days=free_days),
                              duration=texts["duration_free"], frequency=texts["frequency_free"],
                              reasoning=texts["reasoning"])
    days = ", ".join(dict.fromkeys(b["weekday"] for b in blocks))
    minutes = round(sum(b["minutes"] for b in blocks) / len(blocks)) if blocks else 0
    return GoalPlanAdvice(
        suggested_time=texts["time"].format(days=days) if blocks else texts["time_none"],
        duration=texts["duration"].format(minutes=minutes),
        frequency=texts["frequency"].format(times=times(len(blocks), locale)),
        reasoning=texts["reasoning"])


ANALYZE_CALENDAR = AITask(feature="calendar_analyze", output=CalendarAdvice, prompt=ANALYZE_PROMPT,
                          offline=offline_analysis)
PLAN_GOAL = AITask(feature="calendar_plan_goal", output=GoalPlanAdvice, prompt=PLAN_GOAL_PROMPT,
                   offline=offline_goal_plan)
