"""Goals: AI-proposed goals (not saved), saving a batch, listing, editing and deleting.

Horizons: `3m` (three months), `1y`, `3y`, `5y`. Statuses: `active` → `done` (pays `goal_done` XP once per goal)
or `dropped`. Deleting a goal deletes its steps.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.db.engine import Database
from core.db.models import Goal, User
from core.db.models.goals import DEFAULT_PRIORITY, GOAL_HORIZONS, GOAL_STATUSES, PRIORITIES
from core.errors import BadRequest, NotFound, Unprocessable
from core.prompts.goals import GENERATE_GOALS, GoalsProposal, ProposedGoal
from core.repositories.areas import AreaRepository
from core.repositories.goals import GoalRepository
from core.repositories.story import StoryRepository
from core.repositories.users import UserRepository
from core.repositories.wants import WantsRepository
from core.repositories.wheel import WheelRepository
from core.services.ai import AIService
from core.services.gamification import GamificationEvent, GamificationService
from core.services.wants import split_wants

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
METRIC_MAX = 300
WHY_MAX = 1000
BATCH_MAX = 20
GENERATE_MAX = 10
STORY_CHARS = 4000
# What the AI reads of each of the user's own texts (the five-year answer, envy, an interview answer).
OWN_WORDS_CHARS = 2000
OWN_WANTS_MAX = 30

GOAL_FIELDS = ("title", "description", "area_id", "horizon", "metric", "why", "status")
SMART_FIELDS = ("specific", "measurable", "achievable", "relevant")
SMART_TEXT_MAX = 1000
# The horizon a deadline falls into: within about three months, a year, three years, else five.
HORIZON_LIMITS = ((timedelta(days=92), "3m"), (timedelta(days=366), "1y"), (timedelta(days=3 * 366), "3y"))


@dataclass(frozen=True)
class GoalChange:
    goal: Goal
    gamification_event: GamificationEvent | None


@dataclass(frozen=True)
class GoalBatch:
    items: list[Goal]
    gamification_event: GamificationEvent | None


def goal_not_found() -> NotFound:
    return NotFound("GOAL_NOT_FOUND", "Goal not found.")


def check_filter(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise Unprocessable(fields={name: [f"Use one of: {', '.join(allowed)}"]})
    return value


def _text(value: Any, limit: int, *, required: bool = False) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if required and not text:
        raise ValueError("Required")
    if len(text) > limit:
        raise ValueError(f"At most {limit} characters")
    return text or None


def clean_goal(data: dict[str, Any], active_areas: set[str]) -> dict[str, Any]:
    """Validate one goal's fields (API and bot share this); raises Unprocessable listing every bad field."""
    unknown = set(data) - set(GOAL_FIELDS)
    errors: dict[str, list[str]] = {name: ["Unknown field"] for name in sorted(unknown)}
    cleaned: dict[str, Any] = {}
    for name, limit, required in (("title", TITLE_MAX, True), ("metric", METRIC_MAX, False)):
        try:
            cleaned[name] = _text(data.get(name), limit, required=required)
        except ValueError as exc:
            errors[name] = [str(exc)]
    for name, limit in (("description", DESCRIPTION_MAX), ("why", WHY_MAX)):
        value = data.get(name)
        text = str(value).strip() if value is not None else ""
        if len(text) > limit:
            errors[name] = [f"At most {limit} characters"]
        cleaned[name] = text or None
    cleaned["description"] = cleaned["description"] or ""
    area_id = data.get("area_id")
    if area_id is not None and area_id not in active_areas:
        errors["area_id"] = ["Unknown or inactive area"]
    cleaned["area_id"] = area_id
    horizon = data.get("horizon")
    if horizon not in GOAL_HORIZONS:
        errors["horizon"] = [f"Use one of: {', '.join(GOAL_HORIZONS)}"]
    cleaned["horizon"] = horizon
    status = data.get("status") or "active"
    if status not in GOAL_STATUSES:
        errors["status"] = [f"Use one of: {', '.join(GOAL_STATUSES)}"]
    cleaned["status"] = status
    if errors:
        raise Unprocessable("GOALS_INVALID", "Some goal fields are invalid.", fields=errors)
    return cleaned


def horizon_for(deadline: datetime, now: datetime) -> str:
    return next((horizon for limit, horizon in HORIZON_LIMITS if deadline - now <= limit), "5y")


def clean_smart_goal(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Validate a SMART goal (API and bot share this): title, optional description, the four SMART texts,
    a future deadline and a priority 1 (important) .. 3 (can wait). Raises Unprocessable listing every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["title"] = _text(data.get("title"), TITLE_MAX, required=True)
    except ValueError as exc:
        errors["title"] = [str(exc)]
    description = str(data.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"At most {DESCRIPTION_MAX} characters"]
    cleaned["description"] = description
    smart: dict[str, str] = {}
    for name in SMART_FIELDS:
        value = data.get(name)
        text = str(value).strip() if value is not None else ""
        if not 1 <= len(text) <= SMART_TEXT_MAX:
            errors[name] = [f"From 1 to {SMART_TEXT_MAX} characters"]
        smart[name] = text
    cleaned["smart"] = smart
    deadline = data.get("time_bound")
    if not isinstance(deadline, datetime) or deadline.tzinfo is None:
        errors["time_bound"] = ["A date and time with a time zone, e.g. 2026-12-31T23:59:59Z"]
    elif deadline <= now:
        errors["time_bound"] = ["Must be in the future"]
    else:
        cleaned["time_bound_at"] = deadline
        cleaned["horizon"] = horizon_for(deadline, now)
    cleaned["priority"] = clean_priority(data.get("priority"), errors)
    if errors:
        raise Unprocessable("GOALS_INVALID", "Some goal fields are invalid.", fields=errors)
    return cleaned


def clean_priority(value: object, errors: dict[str, list[str]]) -> object:
    """A goal's or step's priority: 1 (important) .. 3 (can wait), 2 when not given. Anything else — booleans
    included — is recorded in `errors`."""
    priority = DEFAULT_PRIORITY if value is None else value
    if isinstance(priority, bool) or priority not in PRIORITIES:
        errors["priority"] = ["Use 1 (important), 2 (normal) or 3 (can wait)"]
    return priority


class GoalService:
    def __init__(self, db: Database, clock: Clock, ai: AIService, gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.gamification = gamification

    async def generate(self, user_id: uuid.UUID, *, max_goals: int = 5, area_ids: list[str] | None = None,
                       horizons: list[str] | None = None) -> GoalsProposal:
        """Proposed goals from the latest life wheel, wants analysis and future story. Nothing is saved;
        costs one text-quota unit. 400 GOALS_NOT_ENOUGH_DATA when none of the three exists yet."""
        if not 1 <= max_goals <= GENERATE_MAX:
            raise Unprocessable(fields={"limits.max_goals": [f"Use a number from 1 to {GENERATE_MAX}"]})
        for horizon in horizons or []:
            check_filter("limits.horizons", horizon, GOAL_HORIZONS)
        async with self.db.read() as session:
            user = await _user(session, user_id)
            areas = await AreaRepository(session).list()
            repo = GoalRepository(session)
            wants = await repo.latest_wants_analysis(user_id)
            story = await repo.latest_future_story(user_id)
            wheel = await WheelRepository(session).latest(user_id)
            wants_repo = WantsRepository(session)
            raw = (await wants_repo.completed_by_id(user_id, wants.raw_id) if wants
                   else await wants_repo.latest_completed(user_id))
            story_drafts = await StoryRepository(session).drafts(user_id)
        titles = {area.id: area.title(user.locale) for area in areas}
        answers = {draft.area_id: draft.answer for draft in story_drafts}
        unknown = [a for a in area_ids or [] if a not in titles]
        if unknown:
            raise Unprocessable("GOALS_INVALID", "Unknown areas in limits.",
                                fields={"limits.area_ids": [f"Unknown or inactive area: {', '.join(unknown)}"]})
        if wants is None and story is None and wheel is None:
            raise BadRequest("GOALS_NOT_ENOUGH_DATA",
                             "Fill in the life wheel, the wants exercises or the future story first.")
        inputs = {
            "areas": [{"id": area_id, "title": title} for area_id, title in titles.items()],
            "wheel": {a: s for a, s in wheel.scores.items() if a in titles} if wheel else None,
            "wants": wants.payload if wants else None,
            "story": _story_inputs(story),
            "wants_raw": _own_wants(raw),
            "story_answers": [{"area_id": area_id, "answer": answers[area_id][:OWN_WORDS_CHARS]}
                              for area_id in titles if answers.get(area_id, "").strip()],
            "area_ids": list(area_ids or []),
            "horizons": list(horizons or GOAL_HORIZONS),
            "max_goals": max_goals,
        }
        proposal = await self.ai.run(GENERATE_GOALS, user=user, inputs=inputs, error_prefix="GOALS")
        return _tidy_proposal(proposal, titles, inputs["horizons"], max_goals, set(area_ids or []))

    async def create_batch(self, user_id: uuid.UUID, goals: list[dict[str, Any]]) -> GoalBatch:
        if not 1 <= len(goals) <= BATCH_MAX:
            raise Unprocessable(fields={"goals": [f"Send from 1 to {BATCH_MAX} goals"]})
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            active = set(await AreaRepository(session).active_ids())
            cleaned = []
            errors: dict[str, list[str]] = {}
            for index, data in enumerate(goals):
                try:
                    cleaned.append(clean_goal(data, active))
                except Unprocessable as exc:
                    errors.update({f"goals.{index}.{name}": msgs for name, msgs in exc.fields.items()})
            if errors:
                raise Unprocessable("GOALS_INVALID", "Some goal fields are invalid.", fields=errors)
            now = self.clock.now()
            repo = GoalRepository(session)
            items = [repo.add(Goal(id=uuid.uuid4(), user_id=user_id, created_at=now, updated_at=now,
                                   completed_at=now if data["status"] == "done" else None, **data))
                     for data in cleaned]
            today = self.clock.local_today(user.time_zone).isoformat()
            event = await self.gamification.award(session, user_id=user_id, reason="goals_created", ref=today)
        return GoalBatch(items=items, gamification_event=event)

    async def create_smart(self, user_id: uuid.UUID, data: dict[str, Any]) -> GoalChange:
        """Save one SMART goal: an active goal with its SMART texts, deadline and priority. Its horizon follows
        from the deadline, so it also shows among the ordinary goals."""
        now = self.clock.now()
        cleaned = clean_smart_goal(data, now)
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            goal = GoalRepository(session).add(Goal(id=uuid.uuid4(), user_id=user_id, created_at=now,
                                                    updated_at=now, status="active", **cleaned))
            today = self.clock.local_today(user.time_zone).isoformat()
            event = await self.gamification.award(session, user_id=user_id, reason="goals_created", ref=today)
        return GoalChange(goal=goal, gamification_event=event)

    async def list_smart(self, user_id: uuid.UUID, *, include_completed: bool = False) -> list[Goal]:
        async with self.db.read() as session:
            return await GoalRepository(session).list_smart(user_id, include_completed=include_completed)

    async def list(self, user_id: uuid.UUID, *, horizon: str | None = None, status: str | None = None) -> list[Goal]:
        check_filter("horizon", horizon, GOAL_HORIZONS)
        check_filter("status", status, GOAL_STATUSES)
        async with self.db.read() as session:
            return await GoalRepository(session).list(user_id, horizon=horizon, status=status)

    async def get(self, user_id: uuid.UUID, goal_id: uuid.UUID) -> Goal:
        async with self.db.read() as session:
            goal = await GoalRepository(session).get(user_id, goal_id)
        if goal is None:
            raise goal_not_found()
        return goal

    async def update(self, user_id: uuid.UUID, goal_id: uuid.UUID, data: dict[str, Any]) -> GoalChange:
        """Replace a goal's fields. Becoming `done` pays `goal_done` XP (once per goal, ever)."""
        async with self.db.transaction() as session:
            repo = GoalRepository(session)
            goal = await repo.get(user_id, goal_id, for_update=True)
            if goal is None:
                raise goal_not_found()
            cleaned = clean_goal(data, set(await AreaRepository(session).active_ids()) | {goal.area_id})
            became_done = cleaned["status"] == "done" and goal.status != "done"
            for name, value in cleaned.items():
                setattr(goal, name, value)
            goal.updated_at = self.clock.now()
            event = None
            if became_done:
                goal.completed_at = self.clock.now()
                event = await self.gamification.award(session, user_id=user_id, reason="goal_done", ref=str(goal.id))
            elif goal.status != "done":
                goal.completed_at = None
        return GoalChange(goal=goal, gamification_event=event)

    async def delete(self, user_id: uuid.UUID, goal_id: uuid.UUID) -> None:
        async with self.db.transaction() as session:
            repo = GoalRepository(session)
            goal = await repo.get(user_id, goal_id, for_update=True)
            if goal is None:
                raise goal_not_found()
            await repo.delete(goal)


async def _user(session, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound("USER_NOT_FOUND", "User not found.")
    return user


def _story_inputs(story) -> dict[str, Any] | None:
    if story is None:
        return None
    return {"text_3y": story.full_text_3y[:STORY_CHARS], "text_5y": story.full_text_5y[:STORY_CHARS],
            "by_area_3y": story.by_area_3y, "by_area_5y": story.by_area_5y}


def _own_wants(raw) -> dict[str, Any] | None:
    """The user's own words from a completed wants round, bounded: the five-year answer, envy, the wants."""
    if raw is None:
        return None
    return {"what_to_do_5y": (raw.raw_what_to_do_5y or "")[:OWN_WORDS_CHARS],
            "envy": (raw.raw_envy or "")[:OWN_WORDS_CHARS],
            "wants": split_wants(raw.raw_wants_stream[:OWN_WORDS_CHARS * 10])[:OWN_WANTS_MAX]}


def _tidy_proposal(proposal: GoalsProposal, titles: dict[str, str], horizons: list[str], max_goals: int,
                   preferred: set[str]) -> GoalsProposal:
    """Hold the model's answer to our rules: known areas, allowed horizons, bounded texts, no duplicates."""
    goals: list[ProposedGoal] = []
    seen: set[str] = set()
    for goal in proposal.goals:
        title = " ".join(goal.title.split())[:TITLE_MAX]
        if not title or title.casefold() in seen:
            continue
        area_id = goal.area_id if goal.area_id in titles else None
        if preferred and area_id not in preferred and area_id is not None:
            continue
        seen.add(title.casefold())
        goals.append(ProposedGoal(
            title=title, description=goal.description.strip()[:DESCRIPTION_MAX], area_id=area_id,
            horizon=goal.horizon if goal.horizon in horizons else horizons[0],
            metric=(" ".join(goal.metric.split())[:METRIC_MAX] or None) if goal.metric else None,
            why=goal.why.strip()[:WHY_MAX] or None if goal.why else None))
    return proposal.model_copy(update={"goals": goals[:max_goals]})
