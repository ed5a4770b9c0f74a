"""The AI's words about a person's week and about one goal's blocks. The wording only: every time it talks about
comes from the placer, and notes about blocks the placer did not make are dropped."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.errors import NotFound, Unprocessable
from core.prompts.calendar import ANALYZE_CALENDAR, PLAN_GOAL, CalendarAdvice, GoalPlanAdvice
from core.repositories.goals import GoalRepository, StepRepository
from core.services.ai import AIService
from core.services.calendar.planning import week_monday
from core.services.calendar.providers import CalendarProviders
from core.services.calendar.validation import clean_text
from core.services.calendar.week_planner import WeekPlan, WeekPlanner

PLAN_GOAL_STEPS_MAX = 50


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
        zone = ZoneInfo(user.time_zone)
        inputs = {
            "goal": {"title": goal.title, "description": goal.description[:500], "metric": goal.metric},
            "context": context, "time_zone": user.time_zone, "blocks": _blocks_for_ai(plan, zone),
            "slots": [{"start": s.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": s.minutes}
                      for s in plan.slots[:30]],
        }
        advice = await self.ai.run(PLAN_GOAL, user=user, inputs=inputs, error_prefix="CALENDAR")
        return _keep_known_notes(advice, plan), plan


def _blocks_for_ai(plan: WeekPlan, zone: ZoneInfo) -> list[dict[str, Any]]:
    return [{"step_id": str(b.step.id), "title": b.step.title, "priority": b.step.priority,
             "weekday": b.start.astimezone(zone).strftime("%A"),
             "start": b.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": b.minutes}
            for b in plan.placement.blocks]


def _keep_known_notes(advice, plan: WeekPlan):
    """Notes may only talk about blocks the placer made; anything else the AI wrote about is dropped."""
    known = {str(b.step.id) for b in plan.placement.blocks}
    return advice.model_copy(update={"block_notes": [n for n in advice.block_notes if n.step_id in known]})
