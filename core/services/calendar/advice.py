"""The AI's words about a person's week and about one goal's blocks. The wording only: every time it talks about
comes from the placer, and notes about blocks the placer did not make are dropped."""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from core.clients.ai.base import normalize_locale, offline_notice
from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.errors import DomainError, NotFound, Unprocessable
from core.prompts.calendar import ANALYZE_CALENDAR, PLAN_GOAL, CalendarAdvice, GoalPlanAdvice
from core.prompts.week_plan import REASON_MAX, SUMMARY_LINE_MAX, WEEK_PLAN_WORDS, WeekPlanWords
from core.prompts.wording import shortened
from core.repositories.goals import GoalRepository, StepRepository
from core.repositories.rituals import RitualRepository
from core.services.ai import AIService
from core.services.calendar.planning import Interval, week_monday
from core.services.calendar.providers import CalendarProviders
from core.services.calendar.validation import clean_text
from core.services.calendar.week_planner import WeekPlan, WeekPlanner

log = logging.getLogger("mechta.calendar.advice")

PLAN_GOAL_STEPS_MAX = 50
ENERGY_DAYS = 28
# The same plan asked again (a second "Plan my week", the API's preview after a look in the bot) is not worded twice.
WORDS_CACHE_SECONDS = 6 * 3600
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class WeekWording:
    """Why each block of a week plan sits where it does (by step id) and a summary of at most two lines.
    `source`: "ai" (worded by the AI), "offline" (no AI configured: the placer's reasons, `notice` says so) or
    "placer" (the AI failed or the quota is spent: the placer's reasons, and the plan is shown all the same)."""

    reasons: dict[uuid.UUID, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    source: Literal["ai", "offline", "placer"] = "placer"
    notice: str | None = None
    error_code: str | None = None


class CalendarAdvisor:
    def __init__(self, db: Database, clock: Clock, ai: AIService, providers: CalendarProviders,
                 planner: WeekPlanner) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.providers = providers
        self.planner = planner

    async def analyze_calendar(self, user: User, *, days: int = 7) -> tuple[CalendarAdvice, WeekPlan]:
        """The week ahead read by the AI: analysis and recommendations around the placer's blocks."""
        if not 1 <= days <= 30:
            raise Unprocessable("CALENDAR_INVALID_RANGE", "Analyse between 1 and 30 days.",
                                fields={"days": ["Between 1 and 30"]})
        zone = ZoneInfo(user.time_zone)
        now = self.clock.now()
        provider = await self.providers.for_user(user)
        events = await provider.list_events(now, now + timedelta(days=days))
        plan = await self.planner.preview_week(user)
        async with self.db.read() as session:
            goals = await GoalRepository(session).list(user.id, status="active")
        inputs = {
            "time_zone": user.time_zone, "days": days,
            "events": [{"title": e.title[:100], "start": e.start_at.astimezone(zone).strftime("%a %d.%m %H:%M"),
                        "minutes": int((e.end_at - e.start_at).total_seconds() // 60)} for e in events[:100]],
            "busy_minutes": sum(int((e.end_at - e.start_at).total_seconds() // 60) for e in events if e.busy),
            "goals": [g.title for g in goals[:10]],
            "free_minutes": plan.free_minutes,
            "blocks": _blocks_for_ai(plan, zone), "unplaced": [
                {"step_id": str(u.step.id), "title": u.step.title, "reason": u.reason}
                for u in plan.placement.unplaced],
        }
        advice = await self.ai.run(ANALYZE_CALENDAR, user=user, inputs=inputs, error_prefix="CALENDAR")
        return _keep_known_notes(advice, plan), plan

    async def plan_goal(self, user: User, goal_id: uuid.UUID, *, context: str = "") -> tuple[GoalPlanAdvice, WeekPlan]:
        """This week's blocks for one goal's open steps, with the AI's words on when and how often."""
        context = clean_text(context, 1000, "context")
        async with self.db.read() as session:
            goal = await GoalRepository(session).get(user.id, goal_id)
            steps = await StepRepository(session).list(user.id, goal_id=goal_id) if goal else []
        if goal is None:
            raise NotFound("GOAL_NOT_FOUND", "Goal not found.")
        monday = week_monday(self.clock.now().astimezone(ZoneInfo(user.time_zone)).date())
        step_ids = [s.id for s in steps if s.is_open and s.level in ("week", "day")
                    and (s.planned_date is None or monday <= s.planned_date <= monday + timedelta(days=6))]
        if not step_ids:
            raise NotFound("CALENDAR_NOTHING_TO_PLAN", "This goal has no open week or day steps to place.")
        plan = await self.planner.preview_week(user, step_ids=step_ids[:PLAN_GOAL_STEPS_MAX])
        goal_view = {"title": goal.title, "description": goal.description[:500], "metric": goal.metric}
        advice = await self._advise_goal(user, goal_view, context, _blocks_for_ai(plan, ZoneInfo(user.time_zone)),
                                         plan.slots)
        return _keep_known_notes(advice, plan), plan

    async def plan_described_goal(self, user: User, *, title: str, description: str = "", metric: str | None = None,
                                  context: str = "") -> GoalPlanAdvice:
        """Seed 000's plan-goal with a goal described inline (not saved): the AI's words on when and how often,
        over the next seven days' free time. No blocks: a described goal has no steps for the placer to place."""
        title = clean_text(title, 200, "goal.title", required=True)
        context = clean_text(context, 1000, "context")
        now = self.clock.now()
        slots = await self.planner.free_slots(user, now, now + timedelta(days=7))
        goal_view = {"title": title, "description": clean_text(description, 500, "goal.description"),
                     "metric": clean_text(metric, 300, "goal.measurable") or None}
        advice = await self._advise_goal(user, goal_view, context, [], slots)
        return advice.model_copy(update={"block_notes": []})

    async def _advise_goal(self, user: User, goal: dict[str, Any], context: str, blocks: list[dict[str, Any]],
                           slots: list[Interval]) -> GoalPlanAdvice:
        zone = ZoneInfo(user.time_zone)
        inputs = {
            "goal": goal, "context": context, "time_zone": user.time_zone, "blocks": blocks,
            "slots": [{"start": s.start.astimezone(zone).strftime("%a %d.%m %H:%M"),
                       "weekday": s.start.astimezone(zone).strftime("%A"), "minutes": s.minutes}
                      for s in slots[:30]],
        }
        return await self.ai.run(PLAN_GOAL, user=user, inputs=inputs, error_prefix="CALENDAR")


    async def explain_week(self, user: User, plan: WeekPlan) -> WeekWording:
        """One AI call that says why each of the placer's blocks sits where it does, and sums the week up in two
        lines. Never fails: without the AI (offline, an error, no quota left) the placer's own reasons are given."""
        if not plan.placement.blocks:  # nothing placed, nothing to explain (and no quota spent)
            return WeekWording(source="placer")
        locale = normalize_locale(user.locale)
        inputs = await self._week_inputs(user, plan)
        if self.ai.is_offline:  # nothing to ask: the placer's reasons, labelled, and no quota unit spent on them
            return _wording(WEEK_PLAN_WORDS.offline(inputs, locale), plan, inputs, locale, "offline",
                            offline_notice(locale))
        key = _words_key(user, inputs)
        cached = await self._cached(key)
        if cached is not None:
            return _wording(cached, plan, inputs, locale, "ai", None)
        try:
            words = await self.ai.run(WEEK_PLAN_WORDS, user=user, inputs=inputs, error_prefix="CALENDAR")
        except DomainError as error:
            log.info("week plan words for user %s fell back to the placer's reasons: %s", user.id, error.code)
            return _wording(WEEK_PLAN_WORDS.offline(inputs, locale), plan, inputs, locale, "placer", None,
                            error_code=error.code)
        except Exception:  # the plan must never fail because its wording did
            log.exception("week plan words for user %s failed unexpectedly", user.id)
            return _wording(WEEK_PLAN_WORDS.offline(inputs, locale), plan, inputs, locale, "placer", None,
                            error_code="CALENDAR_AI_FAILED")
        if words.generated_by == "offline":
            return _wording(words, plan, inputs, locale, "offline", words.notice or offline_notice(locale))
        try:
            await self.planner.cache.set_json(key, words.model_dump(mode="json"), WORDS_CACHE_SECONDS)
        except Exception as error:  # a cache away only means the next preview asks again
            log.info("week plan words not cached: %s", type(error).__name__)
        return _wording(words, plan, inputs, locale, "ai", None)

    async def _cached(self, key: str) -> WeekPlanWords | None:
        try:
            data = await self.planner.cache.get_json(key)
            return WeekPlanWords.model_validate(data) if data else None
        except Exception as error:
            log.info("week plan words cache not read: %s", type(error).__name__)
            return None

    async def _week_inputs(self, user: User, plan: WeekPlan) -> dict[str, Any]:
        zone = ZoneInfo(user.time_zone)
        goal_ids = {b.step.goal_id for b in plan.placement.blocks if b.step.goal_id is not None}
        today = self.clock.local_today(user.time_zone)
        async with self.db.read() as session:
            goals = {g.id: g.title for g in await GoalRepository(session).many(user.id, goal_ids)} if goal_ids else {}
            entries = await RitualRepository(session).entries_between(user.id, today - timedelta(days=ENERGY_DAYS),
                                                                      today)
        energy: dict[str, list[int]] = {}
        for entry in entries:
            if entry.energy_score is not None:
                energy.setdefault(WEEKDAY_KEYS[entry.local_date.weekday()], []).append(entry.energy_score)
        return {
            "time_zone": user.time_zone, "week_start": plan.week_start.isoformat(),
            "blocks": [{"block_id": str(b.step.id), "title": b.step.title[:100], "priority": b.step.priority,
                        "goal": goals.get(b.step.goal_id, "")[:100],
                        "planned_day": b.step.planned_date.isoformat() if b.step.planned_date else None,
                        "day": b.local_date.isoformat(),
                        "start": b.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": b.minutes,
                        "placer_reason": b.reason}
                       for b in plan.placement.blocks],
            "unplaced": [{"title": u.step.title[:100], "reason": u.reason} for u in plan.placement.unplaced],
            "energy": {day: round(sum(values) / len(values), 1) for day, values in energy.items()},
            "free_minutes": plan.free_minutes,
        }


def _words_key(user: User, inputs: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps([normalize_locale(user.locale), WEEK_PLAN_WORDS.prompt.version, inputs],
                                       sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"calendar:plan-words:{user.id}:{digest}"


def _wording(words: WeekPlanWords, plan: WeekPlan, inputs: dict[str, Any], locale: str,
             source: Literal["ai", "offline", "placer"], notice: str | None, *,
             error_code: str | None = None) -> WeekWording:
    """Reasons only for the plan's own blocks (an id the AI made up is dropped), the placer's reason for any block
    the AI left out, and at most two summary lines."""
    known = {str(b.step.id): b.step.id for b in plan.placement.blocks}
    reasons: dict[uuid.UUID, str] = {}
    unknown = 0
    for item in words.reasons:
        step_id = known.get(item.block_id.strip())
        text = shortened(item.reason, REASON_MAX)
        if step_id is None:
            unknown += 1
        elif text and step_id not in reasons:
            reasons[step_id] = text
    if unknown:
        log.info("week plan words: %d reason(s) for unknown blocks dropped", unknown)
    fallback = WEEK_PLAN_WORDS.offline(inputs, locale)
    for item in fallback.reasons:
        reasons.setdefault(known[item.block_id], item.reason)
    summary = [shortened(line, SUMMARY_LINE_MAX) for line in words.summary.splitlines() if line.strip()][:2]
    if not summary:
        summary = fallback.summary.splitlines()
    return WeekWording(reasons=reasons, summary=summary, source=source, notice=notice, error_code=error_code)


def _blocks_for_ai(plan: WeekPlan, zone: ZoneInfo) -> list[dict[str, Any]]:
    return [{"step_id": str(b.step.id), "title": b.step.title, "priority": b.step.priority,
             "weekday": b.start.astimezone(zone).strftime("%A"),
             "start": b.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": b.minutes}
            for b in plan.placement.blocks]


def _keep_known_notes(advice, plan: WeekPlan):
    """Notes may only talk about blocks the placer made; anything else the AI wrote about is dropped."""
    known = {str(b.step.id) for b in plan.placement.blocks}
    return advice.model_copy(update={"block_notes": [n for n in advice.block_notes if n.step_id in known]})
