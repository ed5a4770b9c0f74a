"""The day's tip of "the day's energy": one or two sentences from the moon phase and the personal day number."""
from __future__ import annotations

from typing import Any

from core.clients.ai.base import AIOutput, AITask, Prompt


class DailyTip(AIOutput):
    tip: str


PROMPT = Prompt(
    version="daily_tip-2026-11-1",
    system={
        "ru": ("Ты — мягкий наставник. Дай один практичный совет на день (1–2 предложения) с учётом фазы Луны и "
               "числа личного дня. Без мистических обещаний, без медицины и финансов. Пиши по-русски."),
        "en": ("You are a gentle mentor. Give one practical tip for the day (1–2 sentences) in the light of the moon "
               "phase and the personal day number. No mystical promises, no medical or financial advice."),
    },
    user={
        "ru": "Дата {date}. Луна: {moon}. Число жизненного пути {life_path}, личный день {personal_day}.",
        "en": "Date {date}. Moon: {moon}. Life path number {life_path}, personal day {personal_day}.",
    },
)

# What each personal day number favours, ru/en; master numbers fall back to their root (11 → 2, 22 → 4, 33 → 6).
DAY_THEMES = {
    1: ("начать новое и сделать первый шаг", "starting something new and taking the first step"),
    2: ("договориться, выслушать и поработать в паре", "agreeing, listening and working with someone"),
    3: ("выразить себя: написать, рассказать, создать", "expressing yourself: write, tell, create"),
    4: ("навести порядок и сделать рутинную работу", "putting things in order and doing the routine work"),
    5: ("попробовать что-то непривычное и сменить обстановку", "trying something unusual and changing the scene"),
    6: ("позаботиться о близких и о доме", "caring for the people close to you and your home"),
    7: ("побыть в тишине, учиться и думать", "quiet time: learning and thinking"),
    8: ("решить денежные и рабочие вопросы", "settling money and work matters"),
    9: ("завершить начатое и отпустить лишнее", "finishing what you started and letting go of the rest"),
}
MOON_HINTS = {
    "new_moon": ("загадайте одно намерение на месяц", "set one intention for the month"),
    "waxing_crescent": ("наращивайте темп маленькими шагами", "build momentum with small steps"),
    "first_quarter": ("преодолейте одно препятствие", "push through one obstacle"),
    "waxing_gibbous": ("доведите до ума то, что уже работает", "refine what already works"),
    "full_moon": ("отметьте то, что уже получилось", "celebrate what has worked out"),
    "waning_gibbous": ("поделитесь опытом", "share what you have learned"),
    "last_quarter": ("уберите одно лишнее дело", "drop one thing you do not need"),
    "waning_crescent": ("отдохните и восстановитесь", "rest and recover"),
}


def _root(number: int) -> int:
    return {11: 2, 22: 4, 33: 6}.get(number, number)


def offline_daily_tip(inputs: dict[str, Any], locale: str) -> DailyTip:
    index = 1 if locale == "en" else 0
    theme = DAY_THEMES[_root(int(inputs["personal_day"]))][index]
    hint = MOON_HINTS[inputs["moon_phase"]][index]
    if locale == "en":
        return DailyTip(tip=f"Personal day {inputs['personal_day']} favours {theme}; the moon says: {hint}.")
    return DailyTip(tip=f"Личный день {inputs['personal_day']} хорош, чтобы {theme}; Луна подсказывает: {hint}.")


DAILY_TIP = AITask(feature="daily_tip", output=DailyTip, prompt=PROMPT, offline=offline_daily_tip)
