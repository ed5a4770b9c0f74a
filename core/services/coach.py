"""The coach: one service behind the bot's free-text chat (text outside a dialog, /ask) and the API's
`POST /calendar/ai/chat`.

It answers a conversation in the person's language with their own context — active goals, today's and this week's
steps and calendar blocks, free time, the last wheel and its change, the mood/energy trend, the streak — trimmed to
`COACH_CONTEXT_TOKENS` (which parts went in is logged, never their content). The person's records and words go to
the AI as JSON in the user turn, never into the instructions. The bot's conversation is remembered (the last
`COACH_MEMORY_TURNS` turns, cleared by /newchat, the newest of them within the same budget); the API's client sends
its conversation itself. Each answer takes one text-quota unit — the API's offline answers too (its contract); the
bot's offline answer asks no AI and spends nothing. A suggested action comes back only when it is one the product
can do and, for a step, the step is one of this person's open steps the coach was shown; nothing is done until the
person presses its button.

`chat` (the API): `max_tokens` bounds the answer (about that many words' worth are asked for, and the text is cut
at a word boundary beyond ~4 characters per token); `temperature` picks the coach's style from precise to
exploratory — the AI port does not forward sampling parameters to the provider.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.clients.ai.base import AITask, AIUsage, normalize_locale, offline_notice
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import Step, User
from core.errors import DomainError, QuotaExceeded, Unprocessable
from core.prompts.coach import CALENDAR_CHAT, COACH, STEP_ACTIONS, STYLES, CoachReply
from core.repositories.coach import CoachRepository
from core.repositories.goals import StepRepository
from core.repositories.rituals import RitualRepository
from core.services.ai import AIService
from core.services.calendar import CalendarService
from core.services.calendar.planning import Interval, week_monday
from core.services.gamification import GamificationService
from core.services.goals import GoalService
from core.services.steps import StepService
from core.services.wheel import WheelService, compare

log = logging.getLogger("mechta.coach")

MESSAGES_MAX = 30
CONTENT_MAX = 4000
MAX_TOKENS_MAX = 2000
DEFAULT_MAX_TOKENS = 1000
# The bot's answers stay a chat message, not an essay.
BOT_MAX_TOKENS = 500
TEMPERATURE_MAX = 2.0
DEFAULT_TEMPERATURE = 0.7
CHAT_ROLES = ("user", "assistant")
FREE_TIME_DAYS = 7
MOOD_DAYS = 14
PROMPT_SLOTS = 20
PROMPT_STEPS = 10
PROMPT_GOALS = 10
PROMPT_BLOCKS = 20
ACTIONS_MAX = 3
CHARS_PER_TOKEN = 4
WEEKDAYS = {"ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


@dataclass(frozen=True)
class ChatAnswer:
    """The API's answer (POST /calendar/ai/chat)."""

    content: str
    tokens_used: int
    model: str
    created: datetime
    generated_by: str
    notice: str | None


@dataclass(frozen=True)
class CoachAction:
    """An action the coach suggests; for a step action, one of the person's open steps."""

    kind: str  # core.prompts.coach.ACTION_KINDS
    step_id: uuid.UUID | None = None
    step_title: str | None = None


@dataclass(frozen=True)
class CoachAnswer:
    """The bot's answer."""

    content: str
    actions: list[CoachAction]
    generated_by: str
    notice: str | None

    @property
    def offline(self) -> bool:
        return self.generated_by == "offline"


@dataclass
class CoachContext:
    """What the coach is told about the person: `data` holds the parts that fit the budget."""

    data: dict[str, Any] = field(default_factory=dict)
    included: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    tokens: int = 0
    slots: list[str] = field(default_factory=list)  # for the offline advice
    today_titles: list[str] = field(default_factory=list)
    # The open steps whose ids the coach saw: the only ones a suggested step action may name.
    actionable: dict[uuid.UUID, str] = field(default_factory=dict)


def clean_chat(messages: list[dict[str, Any]], max_tokens: int, temperature: float) -> list[dict[str, str]]:
    """Check a client's conversation; raises Unprocessable listing every bad field. System turns are ours only."""
    errors: dict[str, list[str]] = {}
    if not 1 <= len(messages) <= MESSAGES_MAX:
        errors["messages"] = [f"Send from 1 to {MESSAGES_MAX} messages"]
    cleaned: list[dict[str, str]] = []
    for index, message in enumerate(messages[:MESSAGES_MAX]):
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            errors[f"messages.{index}.role"] = [f"Use one of: {', '.join(CHAT_ROLES)}"]
        if not isinstance(content, str) or not content.strip() or len(content) > CONTENT_MAX:
            errors[f"messages.{index}.content"] = [f"From 1 to {CONTENT_MAX} characters"]
        cleaned.append({"role": str(role), "content": str(content or "").strip()})
    if cleaned and cleaned[-1]["role"] != "user" and f"messages.{len(cleaned) - 1}.role" not in errors:
        errors[f"messages.{len(cleaned) - 1}.role"] = ["The last message must be the user's"]
    if not 1 <= max_tokens <= MAX_TOKENS_MAX:
        errors["max_tokens"] = [f"Use a number from 1 to {MAX_TOKENS_MAX}"]
    if not 0 <= temperature <= TEMPERATURE_MAX:
        errors["temperature"] = [f"Use a number from 0 to {TEMPERATURE_MAX:g}"]
    if errors:
        raise Unprocessable(fields=errors)
    return cleaned


def clean_question(text: str) -> str:
    """A question for the coach: NULs dropped, trimmed, 1..CONTENT_MAX characters (COACH_QUESTION_INVALID)."""
    question = text.replace("\x00", "").strip()
    if not question or len(question) > CONTENT_MAX:
        raise Unprocessable("COACH_QUESTION_INVALID", f"Ask in 1 to {CONTENT_MAX} characters.",
                            details={"length": len(question), "limit": CONTENT_MAX},
                            fields={"question": [f"From 1 to {CONTENT_MAX} characters"]})
    return question


def _style(temperature: float, locale: str) -> str:
    precise, balanced, exploratory = STYLES[locale]
    return precise if temperature <= 0.4 else balanced if temperature <= 1.2 else exploratory


def _slot_text(slot: Interval, zone: ZoneInfo, locale: str) -> str:
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    unit = "мин" if locale == "ru" else "min"
    return (f"{WEEKDAYS[locale][start.weekday()]} {start:%d.%m %H:%M}–{end:%H:%M} "
            f"({slot.minutes} {unit})")


def _bounded(text: str, max_tokens: int) -> str:
    limit = max_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def latest_within(conversation: list[dict[str, str]], max_chars: int) -> list[dict[str, str]]:
    """The newest turns whose text fits `max_chars`; the last turn (the question) always."""
    kept: list[dict[str, str]] = []
    used = 0
    for turn in reversed(conversation):
        used += len(turn["content"])
        if kept and used > max_chars:
            break
        kept.append(turn)
    return list(reversed(kept))


def _tokens(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str)) // CHARS_PER_TOKEN + 1


def _step_data(step: Step, goals: dict[uuid.UUID, str], *, with_date: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(step.id), "title": step.title, "status": str(step.status)}
    if with_date and step.planned_date is not None:
        data["date"] = step.planned_date.isoformat()
    if step.estimated_minutes:
        data["minutes"] = step.estimated_minutes
    if step.goal_id in goals:
        data["goal"] = goals[step.goal_id]
    return data


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


class CoachService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, ai: AIService, calendar: CalendarService,
                 goals: GoalService, steps: StepService, wheel: WheelService,
                 gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.ai = ai
        self.calendar = calendar
        self.goals = goals
        self.steps = steps
        self.wheel = wheel
        self.gamification = gamification

    # --- the API --------------------------------------------------------------------------------------------------

    async def chat(self, user: User, messages: list[dict[str, Any]], *, max_tokens: int = DEFAULT_MAX_TOKENS,
                   temperature: float = DEFAULT_TEMPERATURE) -> ChatAnswer:
        """Answer a client's conversation (it keeps the conversation itself; nothing is remembered here)."""
        conversation = clean_chat(messages, max_tokens, temperature)
        reply, usage, _context = await self._reply(CALENDAR_CHAT, user, conversation, max_tokens=max_tokens,
                                                   temperature=temperature)
        return ChatAnswer(
            content=_bounded(reply.content.strip(), max_tokens),
            tokens_used=usage.prompt_tokens + usage.completion_tokens,
            model="offline" if self.ai.is_offline else self.settings.openai_model,
            created=self.clock.now(), generated_by=reply.generated_by, notice=reply.notice,
        )

    # --- the bot --------------------------------------------------------------------------------------------------

    async def ask(self, user: User, question: str) -> CoachAnswer:
        """Answer a question in the light of the remembered conversation. The question is remembered before the AI
        is asked, so `answer_pending` can try again after a failure; a typed or transcribed question alike."""
        question = clean_question(question)
        if self.ai.is_offline:
            return await self._offline_answer(user, question)
        async with self.db.transaction() as session:
            repo = CoachRepository(session)
            turn_id = await repo.add(user.id, "user", question, self.clock.now())
            await repo.keep_last(user.id, self.settings.coach_memory_turns)
        try:
            return await self._answer(user, await self.memory(user.id), remember=True)
        except QuotaExceeded:
            # Never asked, so never to be answered: a question from before the renewal would haunt the next talk.
            async with self.db.transaction() as session:
                await CoachRepository(session).remove(user.id, turn_id)
            raise

    async def answer_pending(self, user: User) -> CoachAnswer | None:
        """Answer the last question again when it is still unanswered (after an AI failure); None otherwise."""
        conversation = await self.memory(user.id)
        if not conversation or conversation[-1]["role"] != "user":
            return None
        return await self._answer(user, conversation, remember=True)

    async def memory(self, user_id: uuid.UUID) -> list[dict[str, str]]:
        async with self.db.read() as session:
            turns = await CoachRepository(session).recent(user_id, self.settings.coach_memory_turns)
        return [{"role": turn.role, "content": turn.content} for turn in turns]

    async def forget(self, user_id: uuid.UUID) -> int:
        """/newchat: the conversation is forgotten; the number of turns removed."""
        async with self.db.transaction() as session:
            return await CoachRepository(session).clear(user_id)

    async def _offline_answer(self, user: User, question: str) -> CoachAnswer:
        """No AI is connected: the offline advice built from the person's own free time and steps. No AI is asked,
        so no quota is spent, and there is no conversation to remember."""
        locale = normalize_locale(user.locale)
        context = await self.context(user)
        self._log_context(user, COACH, context)
        inputs = self._inputs(context, [{"role": "user", "content": question}], BOT_MAX_TOKENS, DEFAULT_TEMPERATURE,
                              locale)
        reply = COACH.offline(inputs, locale)
        return CoachAnswer(content=reply.content, actions=[], generated_by="offline", notice=offline_notice(locale))

    async def _answer(self, user: User, conversation: list[dict[str, str]], *, remember: bool) -> CoachAnswer:
        conversation = latest_within(conversation, self.settings.coach_context_tokens * CHARS_PER_TOKEN)
        reply, _usage, context = await self._reply(COACH, user, conversation, max_tokens=BOT_MAX_TOKENS,
                                                   temperature=DEFAULT_TEMPERATURE)
        content = _bounded(reply.content.strip(), BOT_MAX_TOKENS)
        if remember and reply.generated_by != "offline":
            async with self.db.transaction() as session:
                repo = CoachRepository(session)
                await repo.add(user.id, "assistant", content, self.clock.now())
                await repo.keep_last(user.id, self.settings.coach_memory_turns)
        return CoachAnswer(content=content, actions=self._actions(reply, context, user),
                           generated_by=reply.generated_by, notice=reply.notice)

    def _actions(self, reply: CoachReply, context: CoachContext, user: User) -> list[CoachAction]:
        actions: list[CoachAction] = []
        dropped = 0
        for suggestion in reply.actions:
            step_id: uuid.UUID | None = None
            if suggestion.kind in STEP_ACTIONS:
                try:
                    step_id = uuid.UUID(str(suggestion.step_id))
                except ValueError:
                    step_id = None
                if step_id not in context.actionable:
                    dropped += 1
                    continue
            action = CoachAction(suggestion.kind, step_id, context.actionable.get(step_id) if step_id else None)
            if action not in actions:
                actions.append(action)
        if dropped:
            log.info("coach for user %s: dropped %d suggested action(s) naming no step of theirs", user.id, dropped)
        return actions[:ACTIONS_MAX]

    # --- one call ------------------------------------------------------------------------------------------------

    async def _reply(self, task: AITask[CoachReply], user: User, conversation: list[dict[str, str]], *,
                     max_tokens: int, temperature: float) -> tuple[CoachReply, AIUsage, CoachContext]:
        locale = normalize_locale(user.locale)
        context = await self.context(user)
        self._log_context(user, task, context)
        inputs = self._inputs(context, conversation, max_tokens, temperature, locale)
        usages: list[AIUsage] = []
        reply = await self.ai.run(task, user=user, inputs=inputs, error_prefix="CALENDAR" if task is CALENDAR_CHAT
                                  else "COACH", on_usage=usages.append)
        return reply, usages[0], context

    @staticmethod
    def _inputs(context: CoachContext, conversation: list[dict[str, str]], max_tokens: int, temperature: float,
                locale: str) -> dict[str, Any]:
        return {
            "context": context.data,
            "conversation": conversation,
            "words": max(1, max_tokens * 3 // 4),
            "style": _style(temperature, locale),
            # The offline advice is built from these.
            "question": conversation[-1]["content"],
            "slots": context.slots,
            "steps": context.today_titles,
        }

    def _log_context(self, user: User, task: AITask[CoachReply], context: CoachContext) -> None:
        log.info("coach context for user %s (%s): included %s; left out %s; ~%d of %d tokens", user.id, task.feature,
                 ",".join(context.included) or "-", ",".join(context.left_out) or "-", context.tokens,
                 self.settings.coach_context_tokens)

    async def context(self, user: User) -> CoachContext:
        """The person's context, most useful part first, each part in whole or not at all within the budget."""
        zone = ZoneInfo(user.time_zone)
        locale = normalize_locale(user.locale)
        now = self.clock.now()
        today = self.clock.local_today(user.time_zone)
        monday = week_monday(today)
        sunday = monday + timedelta(days=6)
        goals = await self.goals.list(user.id, status="active")
        goal_titles = {goal.id: goal.title for goal in goals}
        async with self.db.read() as session:
            week = await StepRepository(session).planned_between(user.id, monday, sunday)
            moods = await RitualRepository(session).entries_between(user.id, today - timedelta(days=MOOD_DAYS - 1),
                                                                    today)
        today_steps = [step for step in week if step.planned_date == today][:PROMPT_STEPS]
        week_steps = [step for step in week if step.planned_date != today][:PROMPT_STEPS * 2]
        context = CoachContext(today_titles=[step.title for step in today_steps if step.is_open])

        slots: list[Interval] = []
        blocks: list[dict[str, str]] = []
        try:
            slots = await self.calendar.planner.free_slots(user, now, now + timedelta(days=FREE_TIME_DAYS))
            events = await self.calendar.list_events(user, datetime.combine(monday, datetime.min.time(), zone),
                                                     datetime.combine(sunday + timedelta(days=1),
                                                                      datetime.min.time(), zone))
            blocks = [{"title": event.title, "when": _slot_text(Interval(event.start_at, event.end_at), zone, locale),
                       "step_block": event.step_id is not None}
                      for event in events if event.status != "cancelled"][:PROMPT_BLOCKS]
        except DomainError as error:  # a calendar that cannot be read now: the coach answers without it
            log.info("coach context for user %s: calendar left out (%s)", user.id, error.code)
        context.slots = [_slot_text(slot, zone, locale) for slot in slots[:PROMPT_SLOTS]]

        parts: list[tuple[str, Any, list[Step]]] = [
            ("now", {"local_time": now.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "time_zone": user.time_zone,
                     "weekday": WEEKDAYS[locale][today.weekday()]}, []),
            ("today_steps", [_step_data(step, goal_titles, with_date=False) for step in today_steps], today_steps),
            ("goals", [{"title": goal.title, "horizon": goal.horizon, "area": goal.area_id}
                       for goal in goals[:PROMPT_GOALS]], []),
            ("free_time", context.slots, []),
            ("calendar_blocks", blocks, []),
            ("week_steps", [_step_data(step, goal_titles, with_date=True) for step in week_steps], week_steps),
            ("wheel", await self._wheel(user), []),
            ("mood_energy", _mood_trend(moods, today), []),
            ("streak", await self._streak(user), []),
        ]
        budget = self.settings.coach_context_tokens
        for name, value, steps in parts:
            if not value:
                continue
            cost = _tokens(value)
            if context.tokens + cost > budget:
                context.left_out.append(name)
                continue
            context.data[name] = value
            context.included.append(name)
            context.tokens += cost
            context.actionable.update({step.id: step.title for step in steps if step.is_open})
        return context

    async def _wheel(self, user: User) -> dict[str, Any] | None:
        latest = await self.wheel.latest(user.id)
        if latest is None:
            return None
        previous = await self.wheel.previous(user.id, latest.id)
        comparison = compare(latest, previous)
        data: dict[str, Any] = {
            "date": latest.created_at.astimezone(ZoneInfo(user.time_zone)).date().isoformat(),
            "scores": {change.area_id: change.score for change in comparison.areas},
            "average": round(comparison.average, 1),
        }
        if comparison.average_delta is not None:
            data["change_since_previous"] = {change.area_id: change.delta for change in comparison.areas
                                             if change.delta}
            data["average_change"] = round(comparison.average_delta, 1)
        return data

    async def _streak(self, user: User) -> dict[str, int] | None:
        profile = await self.gamification.profile(user.id)
        return {"days": profile.streak_days, "best": profile.best_streak, "level": profile.level}


def _mood_trend(entries: list[Any], today: Any) -> dict[str, Any] | None:
    """Mood and energy (1–10) per day over the last two weeks, with the averages of this week and the one before."""
    days: dict[str, dict[str, int]] = {}
    recent: dict[str, list[int]] = {"mood": [], "energy": []}
    earlier: dict[str, list[int]] = {"mood": [], "energy": []}
    for entry in entries:
        bucket = recent if (today - entry.local_date).days < 7 else earlier
        day = days.setdefault(entry.local_date.isoformat(), {})
        for name, value in (("mood", entry.mood_score), ("energy", entry.energy_score)):
            if value is not None:
                day[name] = value
                bucket[name].append(value)
    days = {day: values for day, values in days.items() if values}
    if not days:
        return None
    return {"by_day": days,
            "last_7_days": {name: _average(values) for name, values in recent.items()},
            "the_7_days_before": {name: _average(values) for name, values in earlier.items()}}
