"""Weekly review: a reading of the week's ritual entries, steps done vs planned and the user's reflection."""
from __future__ import annotations

from typing import Any

from core.clients.ai.base import AIOutput, AITask, Prompt
from core.prompts.goals import first_sentence


class WeeklyAnalysis(AIOutput):
    summary: str
    wins: list[str]
    challenges: list[str]
    suggestions: list[str]


PROMPT = Prompt(
    version="weekly_review-2026-11-1",
    system={
        "ru": (
            "Ты — тёплый и честный коуч. Подведи итоги недели пользователя: короткое резюме, победы, трудности и "
            "2–3 конкретных предложения на следующую неделю. Опирайся только на данные и рефлексию пользователя. "
            "Пиши по-русски."
        ),
        "en": (
            "You are a warm and honest coach. Sum up the user's week: a short summary, wins, challenges and 2–3 "
            "concrete suggestions for next week. Rely only on the user's data and reflection."
        ),
    },
    user={
        "ru": ("Неделя {week_start}…{week_end}. Записи ритуалов: {entries}\nСредние: настроение {mood_avg}, "
               "энергия {energy_avg}\nШаги: выполнено {steps_done_count} из {steps_planned_count}: {steps_done}\n"
               "Невыполненные: {steps_open}\nРефлексия пользователя: {reflection}"),
        "en": ("Week {week_start}…{week_end}. Ritual entries: {entries}\nAverages: mood {mood_avg}, energy "
               "{energy_avg}\nSteps: {steps_done_count} of {steps_planned_count} done: {steps_done}\n"
               "Not done: {steps_open}\nUser's reflection: {reflection}"),
    },
)

_TEXTS = {
    "ru": {
        "summary": "Неделя {week_start}…{week_end}: записей ритуалов — {entries}, шагов выполнено {done} из {planned}.",
        "averages": " Среднее настроение {mood}, энергия {energy}.",
        "rituals_win": "Ритуалы в {count} из 7 дней",
        "no_wins": "Вы нашли время подвести итоги недели — это уже шаг.",
        "open": "Не сделано: {title}",
        "low_energy": "Энергия в среднем ниже 5 — стоит разгрузить следующую неделю.",
        "no_challenges": "Явных провалов нет — держите темп.",
        "reflection": "Вы написали: «{text}» — возьмите это с собой в план.",
        "fewer": "Запланируйте меньше шагов, но доведите каждый до конца.",
        "keep": "Сохраните ритм: те же ритуалы, один главный шаг в день.",
    },
    "en": {
        "summary": "Week {week_start}…{week_end}: {entries} ritual entries, {done} of {planned} steps done.",
        "averages": " Average mood {mood}, energy {energy}.",
        "rituals_win": "Rituals on {count} of 7 days",
        "no_wins": "You made time to review your week — that is a step already.",
        "open": "Not done: {title}",
        "low_energy": "Energy averaged below 5 — lighten next week.",
        "no_challenges": "No obvious setbacks — keep the pace.",
        "reflection": "You wrote: “{text}” — take it into your plan.",
        "fewer": "Plan fewer steps, and finish each one.",
        "keep": "Keep the rhythm: the same rituals, one main step a day.",
    },
}


def offline_weekly_review(inputs: dict[str, Any], locale: str) -> WeeklyAnalysis:
    """Counts, averages and the user's own step titles and words, arranged as a review."""
    texts = _TEXTS["en" if locale == "en" else "ru"]
    done, planned = inputs["steps_done_count"], inputs["steps_planned_count"]
    summary = texts["summary"].format(week_start=inputs["week_start"], week_end=inputs["week_end"],
                                      entries=len(inputs["entries"]), done=done, planned=planned)
    if inputs.get("mood_avg") is not None or inputs.get("energy_avg") is not None:
        summary += texts["averages"].format(mood=inputs.get("mood_avg") or "—", energy=inputs.get("energy_avg") or "—")
    ritual_days = len({entry["date"] for entry in inputs["entries"]})
    wins = list(inputs["steps_done"][:5])
    if ritual_days:
        wins.append(texts["rituals_win"].format(count=ritual_days))
    challenges = [texts["open"].format(title=title) for title in inputs["steps_open"][:3]]
    energy = inputs.get("energy_avg")
    if energy is not None and energy < 5:
        challenges.append(texts["low_energy"])
    suggestions = [texts["reflection"].format(text=first_sentence(inputs["reflection"], 160))]
    suggestions.append(texts["fewer"] if planned and done * 2 < planned else texts["keep"])
    return WeeklyAnalysis(summary=summary, wins=wins or [texts["no_wins"]],
                          challenges=challenges or [texts["no_challenges"]], suggestions=suggestions)


WEEKLY_REVIEW = AITask(feature="weekly_review", output=WeeklyAnalysis, prompt=PROMPT, offline=offline_weekly_review)
