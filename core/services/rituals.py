"""Daily rituals (morning and evening journal), the weekly review and next week's plan.

"Today" is always the user's local day in their IANA time zone.

Entry day rule: an entry counts for the local day it is written on, except that an EVENING entry written before
04:00 local time counts for the previous day (a late evening is still that evening). The bot may also pass
`for_date` — the day its prompt was for: today, or yesterday for an evening prompt answered the next day.
One morning and one evening entry per local day (409 RITUALS_ALREADY_COMPLETED), enforced by a unique constraint.

Ritual week: the 7 local days ending on the user's `weekly_review_weekday` (0 = Monday … 6 = Sunday, default
Sunday). Interception (GET /rituals/today): if the week that ended on the last review day before today has no
review and the user already had an account that day, then up to 3 days late → `force_review`; later → the week is
archived and `fresh_start`. The weekly analysis reviews that week while it is at most 3 days late; otherwise the
current week (an early review).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db.engine import Database
from core.db.models import JournalEntry, Step, User, WeeklyReview
from core.db.models.goals import OPEN_STEP_STATUSES
from core.db.models.rituals import ENTRY_TYPES
from core.errors import Conflict, NotFound, Unprocessable
from core.prompts.weekly_review import WEEKLY_REVIEW
from core.repositories.gamification import GamificationRepository
from core.repositories.goals import StepRepository
from core.repositories.rituals import RitualRepository, read_day
from core.services.ai import AIService
from core.services.gamification import GamificationEvent, GamificationService, streaks
from core.services.goals import _user

LATE_EVENING_UNTIL_HOUR = 4
FORCE_REVIEW_MAX_DAYS = 3
REFLECTION_MAX = 5000
ANSWERS_MAX_KEYS = 30
ANSWER_TEXT_MAX = 2000
ANSWERS_JSON_MAX = 20000
COMMIT_MAX = 100


@dataclass(frozen=True)
class Interception:
    type: str  # force_review | fresh_start
    week_start: date
    week_end: date
    days_overdue: int


@dataclass(frozen=True)
class RitualsToday:
    date: date
    morning_done: bool
    evening_done: bool
    entries: list[JournalEntry]
    interception: Interception | None


@dataclass(frozen=True)
class DayPlan:
    """/today: the user's local day, its planned steps of every status and where the rituals stand."""

    date: date
    morning_done: bool
    evening_done: bool
    interception: Interception | None
    steps: list[Step]


@dataclass(frozen=True)
class EntryResult:
    entry: JournalEntry
    gamification_event: GamificationEvent | None
    streak_days: int


@dataclass(frozen=True)
class WeekOverview:
    week_start: date
    week_end: date
    entries: list[JournalEntry]
    steps_planned: list[Step]
    steps_done: list[Step]
    # The person signed up after the week ended: it holds nothing of theirs to look back on.
    before_joining: bool = False

    @property
    def mood_by_day(self) -> dict[date, float]:
        """Average mood per local day with a score (for the weekly chart)."""
        by_day: dict[date, list[int]] = {}
        for entry in self.entries:
            if entry.mood_score is not None:
                by_day.setdefault(entry.local_date, []).append(entry.mood_score)
        return {day: sum(scores) / len(scores) for day, scores in sorted(by_day.items())}


@dataclass(frozen=True)
class ReviewResult:
    review: WeeklyReview
    gamification_event: GamificationEvent | None


def last_review_day_before(today: date, weekday: int) -> date:
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def review_week_for(today: date, weekday: int) -> tuple[date, date]:
    """(start, end) of the week the weekly analysis covers on `today`."""
    end = today - timedelta(days=(today.weekday() - weekday) % 7)
    if (today - end).days > FORCE_REVIEW_MAX_DAYS:
        end += timedelta(days=7)
    return end - timedelta(days=6), end


def _week_to_review(user: User, today: date) -> tuple[date, date] | None:
    """(start, end) of the week the interception rule checks today: the one that ended on the last review day before
    today; None when the account did not exist before that day (nothing to review)."""
    week_end = last_review_day_before(today, user.weekly_review_weekday)
    joined = user.created_at.astimezone(ZoneInfo(user.time_zone)).date()
    if joined >= week_end:
        return None
    return week_end - timedelta(days=6), week_end


def entry_local_date(entry_type: str, local_now: datetime, for_date: date | None = None) -> date:
    today = local_now.date()
    yesterday = today - timedelta(days=1)
    if for_date is not None:
        if for_date == today or (for_date == yesterday and entry_type == "evening"):
            return for_date
        raise Unprocessable("RITUALS_INVALID_DATE", "An entry can only be for today (or yesterday's evening).",
                            fields={"for_date": ["Use today, or yesterday for an evening entry"]})
    if entry_type == "evening" and local_now.hour < LATE_EVENING_UNTIL_HOUR:
        return yesterday
    return today


def clean_answers(answers: Any) -> dict[str, Any]:
    """Answers are a flat object: text, numbers, booleans or short lists of those; bounded in size."""
    if not isinstance(answers, dict):
        raise Unprocessable(fields={"answers": ["Must be an object"]})
    errors: dict[str, list[str]] = {}
    if len(answers) > ANSWERS_MAX_KEYS:
        errors["answers"] = [f"At most {ANSWERS_MAX_KEYS} answers"]
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        name = str(key)
        if not 1 <= len(name) <= 64:
            errors["answers"] = ["Answer names must be 1 to 64 characters"]
            continue
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and len(value) > 50:
            errors[f"answers.{name}"] = ["At most 50 items"]
            continue
        if any(not isinstance(item, (str, int, float, bool)) and item is not None for item in items):
            errors[f"answers.{name}"] = ["Use text, numbers, true/false or a list of those"]
            continue
        if any(isinstance(item, str) and len(item) > ANSWER_TEXT_MAX for item in items):
            errors[f"answers.{name}"] = [f"At most {ANSWER_TEXT_MAX} characters"]
            continue
        cleaned[name] = value.strip() if isinstance(value, str) else value
    if not errors and len(json.dumps(cleaned, ensure_ascii=False)) > ANSWERS_JSON_MAX:
        errors["answers"] = ["The answers are too long"]
    if errors:
        raise Unprocessable("RITUALS_INVALID", "Some answers are invalid.", fields=errors)
    return cleaned


def _score(name: str, value: int | None) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10):
        raise Unprocessable("RITUALS_INVALID", "Scores go from 1 to 10.", fields={name: ["Use a number from 1 to 10"]})
    return value


class RitualService:
    def __init__(self, db: Database, clock: Clock, ai: AIService, gamification: GamificationService) -> None:
        self.db = db
        self.clock = clock
        self.ai = ai
        self.gamification = gamification

    def _local_now(self, user: User) -> datetime:
        return self.clock.now().astimezone(ZoneInfo(user.time_zone))

    async def today(self, user_id: uuid.UUID) -> RitualsToday:
        """Today's ritual status; applies the interception rule (may archive last week's missed review)."""
        async with self.db.read() as session:
            user = await _user(session, user_id)
            today = self._local_now(user).date()
            repo = RitualRepository(session)
            entries = await repo.entries_between(user_id, today, today)
            week = _week_to_review(user, today)
            reviewed = week is None or await repo.review(user_id, week[0]) is not None
        interception = None if reviewed else await self._intercept(user_id, week, today)
        types = {entry.type for entry in entries}
        return RitualsToday(date=today, morning_done="morning" in types, evening_done="evening" in types,
                            entries=entries, interception=interception)

    async def day_plan(self, user: User) -> DayPlan:
        """The user's local day for /today in one read: its steps (every status) and the rituals' status, with the
        interception rule applied as in `today`. `user` is the caller's loaded row: only its id, zone, review
        weekday and join date are used, so it is not read again."""
        today = self._local_now(user).date()
        week = _week_to_review(user, today)
        async with self.db.read_engine.connect() as connection:
            morning, evening, reviewed, steps = await read_day(
                connection, user.id, today, review_week_start=None if week is None else week[0])
        interception = None if reviewed else await self._intercept(user.id, week, today)
        return DayPlan(date=today, morning_done=morning, evening_done=evening, interception=interception,
                       steps=steps)

    async def _intercept(self, user_id: uuid.UUID, week: tuple[date, date], today: date) -> Interception:
        """The week has no review: it is forced while at most FORCE_REVIEW_MAX_DAYS late, later archived."""
        week_start, week_end = week
        overdue = (today - week_end).days
        if overdue <= FORCE_REVIEW_MAX_DAYS:
            return Interception("force_review", week_start, week_end, overdue)
        try:
            async with self.db.transaction() as session:
                RitualRepository(session).add(WeeklyReview(id=uuid.uuid4(), user_id=user_id, week_start=week_start,
                                                           status="archived", created_at=self.clock.now()))
        except IntegrityError:
            pass  # archived (or reviewed) by a concurrent request a moment ago
        return Interception("fresh_start", week_start, week_end, overdue)

    async def add_entry(self, user_id: uuid.UUID, *, entry_type: str, answers: dict[str, Any],
                        mood_score: int | None = None, energy_score: int | None = None,
                        for_date: date | None = None) -> EntryResult:
        if entry_type not in ENTRY_TYPES:
            raise Unprocessable("RITUALS_INVALID", "Unknown ritual type.",
                                fields={"type": [f"Use one of: {', '.join(ENTRY_TYPES)}"]})
        cleaned = clean_answers(answers)
        mood, energy = _score("mood_score", mood_score), _score("energy_score", energy_score)
        try:
            async with self.db.transaction() as session:
                user = await _user(session, user_id)
                local_now = self._local_now(user)
                day = entry_local_date(entry_type, local_now, for_date)
                repo = RitualRepository(session)
                if await repo.entry(user_id, entry_type, day) is not None:
                    raise _already_completed(entry_type, day)
                entry = JournalEntry(id=uuid.uuid4(), user_id=user_id, type=entry_type, local_date=day,
                                     answers=cleaned, mood_score=mood, energy_score=energy,
                                     created_at=self.clock.now())
                repo.add(entry)
                await session.flush()
                event = await self.gamification.award(session, user_id=user_id, reason=f"ritual_{entry_type}",
                                                      ref=day.isoformat())
                current, _ = streaks(await GamificationRepository(session).ritual_days(user_id), local_now.date())
        except IntegrityError as exc:
            # Two submissions raced past the check; the unique (user, type, local_date) kept only one.
            raise _already_completed(entry_type, day) from exc
        return EntryResult(entry=entry, gamification_event=event, streak_days=current)

    async def week_overview(self, user_id: uuid.UUID) -> WeekOverview:
        """The week the weekly review covers now: its entries and its steps planned vs done (for the bot's
        summary and mood chart)."""
        async with self.db.read() as session:
            user = await _user(session, user_id)
            return await self._overview(session, user)

    async def _overview(self, session, user: User) -> WeekOverview:
        start, end = review_week_for(self._local_now(user).date(), user.weekly_review_weekday)
        entries = await RitualRepository(session).entries_between(user.id, start, end)
        planned = await StepRepository(session).planned_between(user.id, start, end)
        joined_on = user.created_at.astimezone(ZoneInfo(user.time_zone)).date() if user.created_at else None
        return WeekOverview(start, end, entries, planned, [s for s in planned if s.is_done],
                            before_joining=joined_on is not None and joined_on > end)

    async def analyze_week(self, user_id: uuid.UUID, reflection: str) -> ReviewResult:
        """AI reading of the review week plus the user's reflection, saved as the week's review (one per week:
        409 RITUALS_REVIEW_ALREADY_DONE). Costs one text-quota unit; pays `weekly_review` XP."""
        reflection = (reflection or "").strip()
        if not 1 <= len(reflection) <= REFLECTION_MAX:
            raise Unprocessable(fields={"user_reflection": [f"Write 1 to {REFLECTION_MAX} characters"]})
        async with self.db.read() as session:
            user = await _user(session, user_id)
            overview = await self._overview(session, user)
            existing = await RitualRepository(session).review(user_id, overview.week_start)
        if existing is not None and existing.status == "done":
            raise _review_done()
        analysis = await self.ai.run(WEEKLY_REVIEW, user=user, inputs=_review_inputs(overview, reflection),
                                     error_prefix="RITUALS")
        payload = analysis.model_dump(mode="json")
        try:
            async with self.db.transaction() as session:
                repo = RitualRepository(session)
                review = await repo.review(user_id, overview.week_start)
                if review is not None and review.status == "done":
                    raise _review_done()
                if review is None:
                    review = WeeklyReview(id=uuid.uuid4(), user_id=user_id, week_start=overview.week_start,
                                          created_at=self.clock.now())
                    repo.add(review)
                review.status, review.reflection, review.ai_analysis = "done", reflection, payload
                await session.flush()
                event = await self.gamification.award(session, user_id=user_id, reason="weekly_review",
                                                      ref=overview.week_start.isoformat())
        except IntegrityError as exc:
            raise _review_done() from exc
        return ReviewResult(review=review, gamification_event=event)

    async def plan_suggestion(self, user_id: uuid.UUID) -> list[Step]:
        """Candidates for next week: undated unfinished quarter/month steps, then unfinished steps planned in the
        last 7 local days (today included)."""
        async with self.db.read() as session:
            user = await _user(session, user_id)
            today = self._local_now(user).date()
            repo = StepRepository(session)
            undated = await repo.undated(user_id, levels=("quarter", "month"), statuses=OPEN_STEP_STATUSES)
            recent = await repo.planned_between(user_id, today - timedelta(days=6), today, statuses=OPEN_STEP_STATUSES)
        return undated + [step for step in recent if step not in undated]

    async def commit_week(self, user_id: uuid.UUID, step_ids: list[uuid.UUID]) -> list[Step]:
        """Plan the chosen unfinished steps over the next 7 local days (tomorrow on): a step already dated in that
        window keeps its day, the others are spread one per day in the given order. Ids that are not the user's
        unfinished steps are ignored; 404 RITUALS_STEPS_NOT_FOUND when none is left."""
        unique_ids = list(dict.fromkeys(step_ids))
        if not 1 <= len(unique_ids) <= COMMIT_MAX:
            raise Unprocessable(fields={"next_week_step_ids": [f"Choose from 1 to {COMMIT_MAX} steps"]})
        async with self.db.transaction() as session:
            user = await _user(session, user_id)
            first = self._local_now(user).date() + timedelta(days=1)
            last = first + timedelta(days=6)
            found = {s.id: s for s in await StepRepository(session).many(user_id, unique_ids, for_update=True)}
            steps = [found[i] for i in unique_ids if i in found and not found[i].is_done]
            if not steps:
                raise NotFound("RITUALS_STEPS_NOT_FOUND", "None of these steps can be planned.")
            now = self.clock.now()
            spread = 0
            for step in steps:
                day = step.planned_date
                if day is None or not first <= day <= last:
                    day = first + timedelta(days=spread % 7)
                    spread += 1
                step.replan(day, now)
        return steps


def _already_completed(entry_type: str, day: date) -> Conflict:
    return Conflict("RITUALS_ALREADY_COMPLETED", f"The {entry_type} ritual for {day.isoformat()} is already done.",
                    details={"type": entry_type, "date": day.isoformat()})


def _review_done() -> Conflict:
    return Conflict("RITUALS_REVIEW_ALREADY_DONE", "This week's review is already done.")


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _review_inputs(overview: WeekOverview, reflection: str) -> dict[str, Any]:
    entries = overview.entries
    return {
        "week_start": overview.week_start.isoformat(),
        "week_end": overview.week_end.isoformat(),
        "entries": [{"date": e.local_date.isoformat(), "type": e.type, "mood": e.mood_score,
                     "energy": e.energy_score, "answers": e.answers} for e in entries],
        "mood_avg": _average([e.mood_score for e in entries if e.mood_score is not None]),
        "energy_avg": _average([e.energy_score for e in entries if e.energy_score is not None]),
        "steps_done": [s.title for s in overview.steps_done],
        "steps_open": [s.title for s in overview.steps_planned if s.is_open],
        "steps_done_count": len(overview.steps_done),
        "steps_planned_count": len(overview.steps_planned),
        "reflection": reflection,
    }
