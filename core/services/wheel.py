"""Life wheel: a user scores each life area 0..10; entries are kept as history and compared with the previous one."""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.clock import Clock
from core.db.engine import Database
from core.db.models import LifeWheelEntry
from core.errors import BadRequest, NotFound, Unprocessable
from core.repositories.users import UserRepository
from core.repositories.wheel import WheelRepository
from core.services.areas import AreaService
from core.services.gamification import GamificationService

MIN_SCORE, MAX_SCORE = 0, 10
NOTE_MAX_CHARS = 2000
AREA_NOTE_MAX_CHARS = 500
MAX_PAGE_SIZE = 100
FOCUS_SIZE = 3
# More keys than this cannot be a real wheel; refuse before echoing each one back as a field error.
MAX_SCORED_AREAS = 50


class HasScores(Protocol):
    scores: dict[str, int]


@dataclass(frozen=True)
class AreaChange:
    area_id: str
    score: int
    previous: int | None
    delta: int | None


@dataclass(frozen=True)
class WheelComparison:
    areas: list[AreaChange]
    average: float
    previous_average: float | None
    average_delta: float | None
    focus: list[str]  # up to three lowest-scored areas (below the maximum), lowest first
    # More areas below the maximum than the focus holds, all with the same score: none is the lowest, so no focus.
    even: bool = False


def _average(scores: Mapping[str, int]) -> float:
    return round(sum(scores.values()) / len(scores), 1) if scores else 0.0


def compare(current: HasScores, previous: HasScores | None = None, *,
            area_order: Sequence[str] | None = None) -> WheelComparison:
    """Per-area change against the previous entry, both averages and the areas to focus on.

    Areas follow `area_order` (the active areas' order) and then the order they were scored in; the same order
    breaks ties when choosing the focus areas.
    """
    order = [a for a in (area_order or ()) if a in current.scores]
    order += [a for a in current.scores if a not in order]
    before = previous.scores if previous is not None else {}
    changes = [
        AreaChange(area_id=a, score=current.scores[a], previous=before.get(a),
                   delta=current.scores[a] - before[a] if a in before else None)
        for a in order
    ]
    position = {a: i for i, a in enumerate(order)}
    improvable = [a for a in order if current.scores[a] < MAX_SCORE]
    even = len(improvable) > FOCUS_SIZE and len({current.scores[a] for a in improvable}) == 1
    focus = [] if even else sorted(improvable, key=lambda a: (current.scores[a], position[a]))[:FOCUS_SIZE]
    average = _average(current.scores)
    previous_average = _average(before) if previous is not None and before else None
    return WheelComparison(
        areas=changes, average=average, previous_average=previous_average,
        average_delta=round(average - previous_average, 1) if previous_average is not None else None,
        focus=focus, even=even,
    )


class WheelService:
    def __init__(self, db: Database, clock: Clock, gamification: GamificationService, areas: AreaService) -> None:
        self.db = db
        self.clock = clock
        self.gamification = gamification
        self.areas = areas

    async def create(self, user_id: uuid.UUID, scores: dict[str, int], note: str | None = None,
                     area_notes: dict[str, str] | None = None, *, time_zone: str | None = None) -> LifeWheelEntry:
        """Save an entry. `time_zone`: the user's, when the caller has the user already (saves a query)."""
        if not scores:
            raise BadRequest("LIFE_WHEEL_EMPTY_SCORES", "Score at least one life area.")
        note, area_notes = _validate_input(scores, note, area_notes or {})
        # The cached list: every change to an area drops it (core/services/areas.py), so it is never stale.
        active = await self.areas.active_ids()
        unknown = [a for a in scores if a not in active]
        if unknown:
            raise BadRequest("LIFE_WHEEL_INVALID_AREA_ID", "Some areas do not exist or are no longer used.",
                             fields={f"scores.{str(a)[:40]}": ["Unknown or inactive area"] for a in unknown})
        ordered = {a: scores[a] for a in active if a in scores}
        entry = LifeWheelEntry(id=uuid.uuid4(), user_id=user_id, scores=ordered, note=note,
                               area_notes={a: area_notes[a] for a in ordered if a in area_notes},
                               created_at=self.clock.now())
        # One reward a local day: the wheel is a check-in, refilling it in a loop earns nothing more.
        reward_day = self.clock.local_today(time_zone).isoformat() if time_zone is not None else None
        if reward_day is not None and self.gamification.known_paid(user_id, "wheel_completed", reward_day):
            # Today's reward is paid: the entry is the whole write.
            async with self.db.single_statement() as connection:
                return await WheelRepository(connection).insert(entry)
        async with self.db.transaction() as session:
            await WheelRepository(session).insert(entry)
            if reward_day is None:
                user = await UserRepository(session).get(user_id)
                if user is not None:
                    reward_day = self.clock.local_today(user.time_zone).isoformat()
            if reward_day is not None:
                await self.gamification.award(session, user_id=user_id, reason="wheel_completed", ref=reward_day)
            return entry

    async def latest(self, user_id: uuid.UUID) -> LifeWheelEntry | None:
        async with self.db.read() as session:
            return await WheelRepository(session).latest(user_id)

    async def previous(self, user_id: uuid.UUID, before_entry_id: uuid.UUID) -> LifeWheelEntry | None:
        """The user's entry just before `before_entry_id` (None for the first one)."""
        async with self.db.read() as session:
            repo = WheelRepository(session)
            entry = await repo.get(user_id, before_entry_id)
            if entry is None:
                raise NotFound("LIFE_WHEEL_NOT_FOUND", "Life wheel entry not found.")
            return await repo.before(entry)

    async def history(self, user_id: uuid.UUID, page: int = 1,
                      page_size: int = 20) -> tuple[list[LifeWheelEntry], int]:
        """One page of the user's entries, newest first, and the total count."""
        errors: dict[str, list[str]] = {}
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            errors["page"] = ["Must be 1 or more"]
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            errors["page_size"] = [f"Must be from 1 to {MAX_PAGE_SIZE}"]
        if errors:
            raise Unprocessable(fields=errors)
        async with self.db.read() as session:
            repo = WheelRepository(session)
            total = await repo.count(user_id)
            offset = (page - 1) * page_size
            # Past the last page there is nothing to read (and no absurd OFFSET reaches the database).
            items = await repo.page(user_id, offset=offset, limit=page_size) if offset < total else []
        return items, total


def _validate_input(scores: dict[Any, Any], note: str | None,
                    area_notes: dict[Any, Any]) -> tuple[str | None, dict[str, str]]:
    errors: dict[str, list[str]] = {}
    if len(scores) > MAX_SCORED_AREAS:
        raise Unprocessable(fields={"scores": [f"At most {MAX_SCORED_AREAS} areas"]})
    for area_id, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
            errors[f"scores.{str(area_id)[:40]}"] = [f"Must be a whole number from {MIN_SCORE} to {MAX_SCORE}"]
    if note is not None:
        if not isinstance(note, str):
            errors["note"] = ["Must be text"]
        else:
            note = note.strip() or None
            if note is not None and len(note) > NOTE_MAX_CHARS:
                errors["note"] = [f"At most {NOTE_MAX_CHARS} characters"]
    cleaned_notes: dict[str, str] = {}
    if len(area_notes) > MAX_SCORED_AREAS:
        errors["area_notes"] = [f"At most {MAX_SCORED_AREAS} notes"]
        area_notes = {}
    for area_id, text in area_notes.items():
        field = f"area_notes.{str(area_id)[:40]}"
        if area_id not in scores:
            errors[field] = ["Score this area to add a note to it"]
        elif not isinstance(text, str):
            errors[field] = ["Must be text"]
        elif len(text.strip()) > AREA_NOTE_MAX_CHARS:
            errors[field] = [f"At most {AREA_NOTE_MAX_CHARS} characters"]
        elif text.strip():
            cleaned_notes[area_id] = text.strip()
    if errors:
        raise Unprocessable(fields=errors)
    return note, cleaned_notes
