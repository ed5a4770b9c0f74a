"""Calendar chat: a time-management coach answering the user's conversation, aware of their free time over the
next seven days and of today's steps. The offline answer is time-blocking advice built from the user's last
message and their own free slots."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from core.clients.ai.base import AIOutput, AITask, Prompt

# How many free slots and steps are quoted in the offline advice.
OFFLINE_SLOTS = 3
OFFLINE_STEPS = 3
QUOTE_CHARS = 200


class ChatReply(AIOutput):
    content: str = Field(min_length=1)


CHAT_PROMPT = Prompt(
    version="calendar-chat-2026-11-1",
    system={
        "ru": ("Ты — бережный коуч по тайм-менеджменту в приложении «Мечта». Отвечай на последний вопрос "
               "человека с учётом всего разговора. Опирайся на его реальное время: свободные окна на 7 дней и "
               "шаги на сегодня даны ниже; предлагай конкретные блоки только внутри этих окон. Не выдумывай "
               "встреч и событий. {style} Уложись примерно в {words} слов. Пиши по-русски.\n"
               "Сейчас: {now} ({time_zone}).\nСвободные окна: {slots}\nШаги на сегодня: {steps}"),
        "en": ("You are a gentle time-management coach in the Mechta app. Answer the person's last question in the "
               "light of the whole conversation. Build on their real time: their free slots for the next 7 days and "
               "today's steps are listed below; suggest concrete blocks only inside those slots. Never invent "
               "meetings or events. {style} Keep it within about {words} words.\n"
               "Now: {now} ({time_zone}).\nFree slots: {slots}\nToday's steps: {steps}"),
    },
    user={
        "ru": "Разговор (последняя реплика — вопрос, на который нужно ответить):\n{conversation}",
        "en": "The conversation (the last turn is the question to answer):\n{conversation}",
    },
)

STYLES = {
    "ru": ("Будь точен и краток, без вариантов.", "Дай сбалансированный совет.",
           "Предложи несколько разных, смелых вариантов."),
    "en": ("Be precise and brief, no alternatives.", "Give balanced advice.",
           "Offer several different, bolder options."),
}

_TEXTS = {
    "ru": {
        "title": "Офлайн-совет (AI не подключён)",
        "question": "Ваш вопрос: «{quote}»",
        "first_slot": "1. Поставьте главное дело по этому вопросу в ближайшее свободное окно: {slot}. "
                      "Забронируйте его как встречу с собой.",
        "more_slots": "2. Ещё окна на неделе: {slots}. Занимайте их блоками по 25–50 минут с перерывом.",
        "one_slot": "2. Других свободных окон в ваши часы на 7 дней нет — берегите это.",
        "no_slots": "1. В ваши часы на ближайшие 7 дней свободных окон нет. Сократите или перенесите одну "
                    "встречу, чтобы освободить хотя бы 30 минут.",
        "steps": "3. Шаги на сегодня: {steps}. Начните с первого, пока день не заполнился.",
        "no_steps": "3. На сегодня шагов нет — запишите один маленький шаг к цели и дайте ему блок.",
        "review": "4. Вечером за 5 минут отметьте сделанное и перенесите остальное на свободное окно.",
    },
    "en": {
        "title": "Offline advice (no AI connected)",
        "question": "Your question: “{quote}”",
        "first_slot": "1. Put the main task behind this question into your nearest free slot: {slot}. "
                      "Book it as a meeting with yourself.",
        "more_slots": "2. More free slots this week: {slots}. Fill them with 25–50 minute blocks and a break.",
        "one_slot": "2. There are no other free slots within your hours for 7 days — protect this one.",
        "no_slots": "1. There are no free slots within your hours over the next 7 days. Shorten or move one "
                    "meeting to free at least 30 minutes.",
        "steps": "3. Today's steps: {steps}. Start with the first before the day fills up.",
        "no_steps": "3. No steps for today — write down one small step towards a goal and give it a block.",
        "review": "4. In the evening, take 5 minutes to tick off what is done and move the rest to a free slot.",
    },
}


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "…"


def offline_reply(inputs: dict[str, Any], locale: str) -> ChatReply:
    texts = _TEXTS[locale]
    slots: list[str] = inputs["slots"]
    steps: list[str] = inputs["steps"]
    lines = [texts["title"], texts["question"].format(quote=_quote(inputs["question"])), ""]
    if slots:
        lines.append(texts["first_slot"].format(slot=slots[0]))
        more = slots[1:OFFLINE_SLOTS]
        lines.append(texts["more_slots"].format(slots="; ".join(more)) if more else texts["one_slot"])
    else:
        lines.append(texts["no_slots"])
    lines.append(texts["steps"].format(steps="; ".join(steps[:OFFLINE_STEPS])) if steps else texts["no_steps"])
    lines.append(texts["review"])
    return ChatReply(content="\n".join(lines))


CALENDAR_CHAT = AITask(feature="calendar_chat", output=ChatReply, prompt=CHAT_PROMPT, offline=offline_reply)
