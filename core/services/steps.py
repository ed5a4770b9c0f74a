"""Steps: the cascade year → quarter → month → week → day under each goal.

Levels: year | quarter | month | week | day (a step's parent must be on a wider level of the same goal).
Statuses: `StepStatus` (planned | in_progress | done, which pays `step_done` XP once per step | skipped); the
transitions are methods of `Step`.
`planned_date` is a local calendar date within one year back and ten years ahead of the user's local today.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core.clock import Clock
from core.db.engine import Database
from core.db.models import Goal, Step
from core.db.models.goals import (
    DEFAULT_PRIORITY,
    OPEN_STEP_STATUSES,
    PRIORITIES,
    STEP_LEVELS,
    STEP_STATUSES,
    StepStatus,
)
from core.errors import Conflict, NotFound, Unprocessable
from core.prompts.steps import GENERATE_STEPS, ProposedStep, StepsProposal
from core.repositories.goals import GoalRepository, StepRepository
from core.services.ai import AIService
from core.services.gamification import GamificationEvent, GamificationService
from core.services.goals import _user, check_filter, clean_priority, goal_not_found

log = logging.getLogger("mechta.steps")

# Called with (user_id, step_id, old planned_date, new planned_date) after a step's date changed and was saved.
RescheduleListener = Callable[[uuid.UUID, uuid.UUID, date | None, date | None], Awaitable[object]]

TITLE_MAX = 300
BATCH_MAX = 200
GENERATE_GOALS_MAX = 10
PAST_DAYS = 366
FUTURE_DAYS = 3653
WINDOW_MAX_DAYS = 3 * 366
MINUTES_MAX = 24 * 60
STEP_FIELDS = ("title", "level", "status", "planned_date", "parent_id", "goal_id", "estimated_minutes", "priority")


@dataclass(frozen=True)
class StepChange:
    step: Step
    gamification_event: GamificationEvent | None


@dataclass(frozen=True)
class StepBatch:
    items: list[Step]
    gamification_event: GamificationEvent | None


@dataclass
class StepNode:
    step: Step
    children: list[StepNode] = field(default_factory=list)


@dataclass(frozen=True)
class GoalCascade:
    goal: Goal
    roots: list[StepNode]


def step_not_found() -> NotFound:
    return NotFound("STEP_NOT_FOUND", "Step not found.")


def is_wider(parent_level: str, child_level: str) -> bool:
    return STEP_LEVELS.index(parent_level) < STEP_LEVELS.index(child_level)


def date_bounds(today: date) -> tuple[date, date]:
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def clean_step_fields(data: dict[str, Any], today: date) -> dict[str, Any]:
    """Field-level validation (relations are checked against the database separately)."""
    errors: dict[str, list[str]] = {name: ["Unknown field"] for name in sorted(set(data) - set(STEP_FIELDS))}
    cleaned: dict[str, Any] = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        errors["title"] = ["Required"]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"At most {TITLE_MAX} characters"]
    cleaned["title"] = title
    if data.get("level") not in STEP_LEVELS:
        errors["level"] = [f"Use one of: {', '.join(STEP_LEVELS)}"]
    cleaned["level"] = data.get("level")
    status = data.get("status") or StepStatus.PLANNED
    if status not in STEP_STATUSES:
        errors["status"] = [f"Use one of: {', '.join(STEP_STATUSES)}"]
    cleaned["status"] = status
    planned = data.get("planned_date")
    if planned is not None:
        first, last = date_bounds(today)
        if not isinstance(planned, date) or not first <= planned <= last:
            errors["planned_date"] = [f"Use a date from {first.isoformat()} to {last.isoformat()}"]
    cleaned["planned_date"] = planned
    minutes = data.get("estimated_minutes")
    if minutes is not None and (not isinstance(minutes, int) or not 1 <= minutes <= MINUTES_MAX):
        errors["estimated_minutes"] = [f"Use a number of minutes from 1 to {MINUTES_MAX}"]
    cleaned["estimated_minutes"] = minutes
    cleaned["priority"] = clean_priority(data.get("priority"), errors)
    cleaned["goal_id"] = data.get("goal_id")
    if not isinstance(cleaned["goal_id"], uuid.UUID):
        errors["goal_id"] = ["Required"]
    cleaned["parent_id"] = data.get("parent_id")
    if errors:
        raise Unprocessable("STEPS_INVALID", "Some step fields are invalid.", fields=errors)
    return cleaned


class StepService:
    def __init__(self, db: Database, clock: Clock, ai: AIService, gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.gamification = gamification
        # The calendar listens here so a planned block follows its step to the new day (see core/bootstrap.py).
        self.on_rescheduled: list[RescheduleListener] = []

    # --- AI proposal -------------------------------------------------------------------------------------------

    async def generate(self, user_id: uuid.UUID, goal_ids: list[uuid.UUID], *, minutes_per_day: int | None = None,
                       load_notes: str | None = None, window_start: date | None = None,
                       window_end: date | None = None) -> StepsProposal:
        """A proposed cascade for 1..10 of the user's goals within [window_start, window_end] (default: from the
        local today for a year). Nothing is saved; costs one text-quota unit. 404 GOAL_NOT_FOUND for an id that
        is not the user's goal."""
        unique_ids = list(dict.fromkeys(goal_ids))
        if not 1 <= len(unique_ids) <= GENERATE_GOALS_MAX:
            raise Unprocessable(fields={"goal_ids": [f"Choose from 1 to {GENERATE_GOALS_MAX} goals"]})
        if minutes_per_day is not None and not 5 <= minutes_per_day <= 720:
            raise Unprocessable(fields={"current_load_hint.minutes_per_day": ["Use 5 to 720 minutes"]})
        async with self.db.read() as session:
            user = await _user(session, user_id)
            goals = await GoalRepository(session).many(user_id, unique_ids)
        if len(goals) != len(unique_ids):
            raise goal_not_found()
        today = self.clock.local_today(user.time_zone)
        start = window_start or today
        end = window_end or start + timedelta(days=365)
        first, last = date_bounds(today)
        if not (first <= start <= end <= last) or (end - start).days > WINDOW_MAX_DAYS:
            raise Unprocessable("STEPS_INVALID_DATE", "The planning window is out of bounds.",
                                fields={"year_bounds": [f"Start ≤ end, within {first}…{last}, at most 3 years long"]})
        order = {goal_id: index for index, goal_id in enumerate(unique_ids)}
        goals.sort(key=lambda g: order[g.id])
        inputs = {
            "today": today.isoformat(), "window_start": start.isoformat(), "window_end": end.isoformat(),
            "goals": [{"id": str(g.id), "title": g.title, "description": g.description, "horizon": g.horizon,
                       "metric": g.metric, "area_id": g.area_id} for g in goals],
            "load": {"minutes_per_day": minutes_per_day, "notes": load_notes},
            "load_detail": {"minutes_per_day": minutes_per_day},
        }
        proposal = await self.ai.run(GENERATE_STEPS, user=user, inputs=inputs, error_prefix="STEPS")
        return _tidy_proposal(proposal, {str(g.id) for g in goals}, start, end)

    # --- CRUD ----------------------------------------------------------------------------------------------------

    async def create_batch(self, user_id: uuid.UUID, items: list[dict[str, Any]]) -> StepBatch:
        """Save steps. An item may carry `key` and point at another item of the batch with `parent_key`, so a
        proposed cascade is saved in one call; or at a saved step with `parent_id`."""
        if not 1 <= len(items) <= BATCH_MAX:
            raise Unprocessable(fields={"steps": [f"Send from 1 to {BATCH_MAX} steps"]})
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            today = self.clock.local_today(user.time_zone)
            errors: dict[str, list[str]] = {}
            cleaned: list[dict[str, Any]] = []
            keys: dict[str, int] = {}
            for index, item in enumerate(items):
                data = {k: v for k, v in item.items() if k not in ("key", "parent_key")}
                try:
                    cleaned.append(clean_step_fields(data, today))
                except Unprocessable as exc:
                    errors.update({f"steps.{index}.{name}": msgs for name, msgs in exc.fields.items()})
                    cleaned.append({})
                key = item.get("key")
                if key is not None:
                    if key in keys:
                        errors[f"steps.{index}.key"] = ["Keys must be unique within the batch"]
                    keys[key] = index
            if errors:
                raise Unprocessable("STEPS_INVALID", "Some step fields are invalid.", fields=errors)
            goal_ids = {data["goal_id"] for data in cleaned}
            goals = await GoalRepository(session).many(user_id, goal_ids)
            if len(goals) != len(goal_ids):
                raise goal_not_found()
            repo = StepRepository(session)
            parent_ids = {data["parent_id"] for data in cleaned if data["parent_id"] is not None}
            parents = {s.id: s for s in await repo.many(user_id, parent_ids)}
            now = self.clock.now()
            steps = []
            for data in cleaned:
                step = Step(id=uuid.uuid4(), user_id=user_id, created_at=now,
                            **{name: value for name, value in data.items() if name != "status"})
                step.set_status(data["status"], now)
                steps.append(step)
            for index, (item, step) in enumerate(zip(items, steps, strict=True)):
                parent_key = item.get("parent_key")
                if parent_key is not None and step.parent_id is not None:
                    errors[f"steps.{index}.parent_key"] = ["Give parent_key or parent_id, not both"]
                    continue
                if parent_key is not None:
                    if parent_key not in keys or keys[parent_key] == index:
                        errors[f"steps.{index}.parent_key"] = ["No other step of this batch has this key"]
                        continue
                    parent = steps[keys[parent_key]]
                    step.parent_id = parent.id
                elif step.parent_id is not None:
                    parent = parents.get(step.parent_id)
                    if parent is None:
                        errors[f"steps.{index}.parent_id"] = ["Parent step not found"]
                        continue
                else:
                    continue
                if parent.goal_id != step.goal_id or not is_wider(parent.level, step.level):
                    errors[f"steps.{index}.parent"] = ["The parent must be a wider-level step of the same goal"]
            if errors:
                raise Unprocessable("STEPS_INVALID_PARENT", "Some steps have an invalid parent.", fields=errors)
            # Parents first, so the self-referencing foreign key is satisfied on insert.
            for step in _parents_first(steps):
                repo.add(step)
                await session.flush()
            event = await self.gamification.award(session, user_id=user_id, reason="steps_planned",
                                                  ref=today.isoformat())
        return StepBatch(items=steps, gamification_event=event)

    async def list(self, user_id: uuid.UUID, *, goal_id: uuid.UUID | None = None, level: str | None = None,
                   status: str | None = None) -> list[Step]:
        check_filter("level", level, STEP_LEVELS)
        check_filter("status", status, STEP_STATUSES)
        async with self.db.read() as session:
            return await StepRepository(session).list(user_id, goal_id=goal_id, level=level, status=status)

    async def get(self, user_id: uuid.UUID, step_id: uuid.UUID) -> Step:
        async with self.db.read() as session:
            step = await StepRepository(session).get(user_id, step_id)
        if step is None:
            raise step_not_found()
        return step

    async def update(self, user_id: uuid.UUID, step_id: uuid.UUID, data: dict[str, Any]) -> StepChange:
        """Replace a step's fields. Becoming `done` pays `step_done` XP (once per step, ever)."""
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            repo = StepRepository(session)
            step = await repo.get(user_id, step_id, for_update=True)
            if step is None:
                raise step_not_found()
            cleaned = clean_step_fields(data, self.clock.local_today(user.time_zone))
            if await GoalRepository(session).get(user_id, cleaned["goal_id"]) is None:
                raise goal_not_found()
            if cleaned["parent_id"] is not None:
                parent = await repo.get(user_id, cleaned["parent_id"])
                if (parent is None or parent.id == step.id or parent.goal_id != cleaned["goal_id"]
                        or not is_wider(parent.level, cleaned["level"])):
                    raise Unprocessable("STEPS_INVALID_PARENT",
                                        "The parent must be a wider-level step of the same goal.",
                                        fields={"parent_id": ["Not a wider-level step of the same goal"]})
            old_date = step.planned_date
            for name, value in cleaned.items():
                if name != "status":
                    setattr(step, name, value)
            change = await self._change_status(session, step, cleaned["status"])
        await self._rescheduled(user_id, step, old_date)
        return change

    async def delete(self, user_id: uuid.UUID, step_id: uuid.UUID) -> None:
        """Delete a step; its children stay, detached from it."""
        async with self.db.transaction() as session:
            repo = StepRepository(session)
            step = await repo.get(user_id, step_id, for_update=True)
            if step is None:
                raise step_not_found()
            await repo.delete(step)

    # --- the day (bot: /today buttons) ----------------------------------------------------------------------------

    async def today_steps(self, user_id: uuid.UUID, *, include_finished: bool = False) -> list[Step]:
        """Steps planned for the user's LOCAL today, unfinished ones only unless asked."""
        async with self.db.read() as session:
            user = await _user(session, user_id)
            today = self.clock.local_today(user.time_zone)
            statuses = None if include_finished else OPEN_STEP_STATUSES
            return await StepRepository(session).planned_between(user_id, today, today, statuses=statuses)

    async def mark_done(self, user_id: uuid.UUID, step_id: uuid.UUID) -> StepChange:
        """Idempotent: a second tap returns the step and no XP event."""
        return await self._set_status(user_id, step_id, StepStatus.DONE)

    async def skip(self, user_id: uuid.UUID, step_id: uuid.UUID) -> StepChange:
        return await self._set_status(user_id, step_id, StepStatus.SKIPPED)

    async def move_to_tomorrow(self, user_id: uuid.UUID, step_id: uuid.UUID) -> StepChange:
        """Plan an unfinished step for the user's local tomorrow. 409 STEPS_ALREADY_DONE for a done step."""
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            step = await StepRepository(session).get(user_id, step_id, for_update=True)
            if step is None:
                raise step_not_found()
            if step.is_done:
                raise Conflict("STEPS_ALREADY_DONE", "This step is already done.")
            old_date = step.planned_date
            step.replan(self.clock.local_today(user.time_zone) + timedelta(days=1), self.clock.now())
        await self._rescheduled(user_id, step, old_date)
        return StepChange(step=step, gamification_event=None)

    async def _rescheduled(self, user_id: uuid.UUID, step: Step, old_date: date | None) -> None:
        """Tell the listeners about a new date once it is saved; their failure never undoes the step's change."""
        if step.planned_date == old_date:
            return
        for listener in list(self.on_rescheduled):
            try:
                await listener(user_id, step.id, old_date, step.planned_date)
            except Exception:
                log.exception("a reschedule listener failed for step %s", step.id)

    async def cascade(self, user_id: uuid.UUID, goal_id: uuid.UUID) -> GoalCascade:
        """The goal's steps as a tree (widest first); steps whose parent is gone are roots."""
        async with self.db.read() as session:
            goal = await GoalRepository(session).get(user_id, goal_id)
            if goal is None:
                raise goal_not_found()
            steps = await StepRepository(session).list(user_id, goal_id=goal_id)
        nodes = {step.id: StepNode(step) for step in steps}
        roots: list[StepNode] = []
        for step in steps:
            parent = nodes.get(step.parent_id) if step.parent_id else None
            (parent.children if parent else roots).append(nodes[step.id])
        return GoalCascade(goal=goal, roots=roots)

    async def _set_status(self, user_id: uuid.UUID, step_id: uuid.UUID, status: StepStatus) -> StepChange:
        async with self.db.transaction() as session:
            step = await StepRepository(session).get(user_id, step_id, for_update=True)
            if step is None:
                raise step_not_found()
            return await self._change_status(session, step, status)

    async def _change_status(self, session, step: Step, status: str) -> StepChange:
        if not step.set_status(status, self.clock.now()):
            return StepChange(step=step, gamification_event=None)
        event = await self.gamification.award(session, user_id=step.user_id, reason="step_done", ref=str(step.id))
        return StepChange(step=step, gamification_event=event)


def _parents_first(steps: list[Step]) -> list[Step]:
    by_id = {step.id: step for step in steps}
    ordered: list[Step] = []
    placed: set[uuid.UUID] = set()

    def place(step: Step, trail: frozenset[uuid.UUID]) -> None:
        if step.id in placed:
            return
        parent = by_id.get(step.parent_id) if step.parent_id else None
        if parent is not None and parent.id not in trail:
            place(parent, trail | {step.id})
        placed.add(step.id)
        ordered.append(step)

    for step in steps:
        place(step, frozenset({step.id}))
    return ordered


def _tidy_proposal(proposal: StepsProposal, goal_ids: set[str], start: date, end: date) -> StepsProposal:
    """Keep steps of the requested goals with valid levels; a parent must be wider and of the same goal (else the
    step becomes a root); dates outside the window are dropped."""
    kept: dict[str, ProposedStep] = {}
    for step in proposal.steps:
        key = step.key.strip()[:40]
        title = " ".join(step.title.split())[:TITLE_MAX]
        if not key or key in kept or step.goal_id not in goal_ids or not title:
            continue
        parent = kept.get(step.parent_key or "")
        parent_key = parent.key if parent and parent.goal_id == step.goal_id and is_wider(parent.level, step.level) \
            else None
        planned = step.planned_date if step.planned_date and start <= step.planned_date <= end else None
        minutes = step.estimated_minutes if step.estimated_minutes and 1 <= step.estimated_minutes <= MINUTES_MAX \
            else None
        kept[key] = ProposedStep(key=key, parent_key=parent_key, goal_id=step.goal_id, title=title, level=step.level,
                                 planned_date=planned, estimated_minutes=minutes,
                                 priority=step.priority if step.priority in PRIORITIES else DEFAULT_PRIORITY)
    return proposal.model_copy(update={"steps": list(kept.values())})
