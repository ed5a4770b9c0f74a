"""Gamification: an append-only XP ledger, levels derived from it, streaks of ritual days, achievements, leaderboard.

XP per reason is fixed in `XP_REWARDS`. Other services award inside their own transaction:

    event = await container.gamification.award(session, user_id=user.id, reason="step_done", ref=str(step.id))

`ref` identifies what was rewarded (a step id, a local date…): the ledger is unique on (user, reason, ref), so the
same thing is never paid twice — `award` then returns None. Without a ref every call pays.

Levels: level L is reached at 25·(L−1)·L total XP (0, 50, 150, 300, 500, … — each level costs 50 XP more than the
previous one); everyone starts at level 1. Streaks count consecutive LOCAL days with at least one ritual entry; the
current streak is alive while the last such day is today or yesterday in the user's time zone.
"""
from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db.engine import Database
from core.db.models import User, UserAchievement, XPEvent
from core.errors import NotFound, Unprocessable
from core.lru import BoundedDict
from core.repositories.gamification import GamificationRepository
from core.repositories.users import UserRepository

XP_REWARDS: dict[str, int] = {
    "wheel_completed": 20,        # ref: local date — at most once a day
    "wants_analyzed": 30,         # ref: analysis id
    "future_story_created": 40,   # ref: story id
    "story_image_created": 10,    # ref: asset id
    "goals_created": 15,          # ref: local date — at most once a day
    "goal_done": 100,             # ref: goal id
    "steps_planned": 10,          # ref: local date — at most once a day
    "step_done": 10,              # ref: step id
    "ritual_morning": 10,         # ref: local date
    "ritual_evening": 10,         # ref: local date
    "weekly_review": 50,          # ref: week start date
}

LEVEL_STEP_XP = 50
PAID_MEMO_SIZE = 10_000
DISPLAY_NAME_MAX = 40


def xp_for_level(level: int) -> int:
    """Total XP at which `level` (≥ 1) is reached."""
    return LEVEL_STEP_XP * (level - 1) * level // 2


def level_for_xp(xp: int) -> int:
    # Solve 25·(L−1)·L ≤ xp for the largest integer L, then correct any floating-point edge.
    level = max(1, int((1 + math.sqrt(1 + 8 * max(xp, 0) / LEVEL_STEP_XP)) / 2))
    while xp_for_level(level + 1) <= xp:
        level += 1
    while level > 1 and xp_for_level(level) > xp:
        level -= 1
    return level


def streaks(days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, best) runs of consecutive days. The current run counts if it ends today or yesterday."""
    ordered = sorted(set(days))
    best = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = run if previous is not None and (today - previous).days in (0, 1) else 0
    return current, best


@dataclass(frozen=True)
class Stats:
    counts: dict[str, int]
    total_xp: int
    best_streak: int

    def count(self, *reasons: str) -> int:
        return sum(self.counts.get(reason, 0) for reason in reasons)


@dataclass(frozen=True)
class Achievement:
    code: str
    title_ru: str
    title_en: str
    description_ru: str
    description_en: str
    rule: Callable[[Stats], bool]

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_ru

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_ru


ACHIEVEMENTS: tuple[Achievement, ...] = (
    Achievement("first_wheel", "Точка отсчёта", "Starting point", "Заполнить колесо жизни",
                "Fill in the life wheel", lambda s: s.count("wheel_completed") >= 1),
    Achievement("first_wants", "Услышать себя", "Listening in", "Получить разбор своих желаний",
                "Get your wants analysed", lambda s: s.count("wants_analyzed") >= 1),
    Achievement("first_story", "Письмо из будущего", "Letter from the future", "Написать историю своего будущего",
                "Write your future story", lambda s: s.count("future_story_created") >= 1),
    Achievement("first_goal", "Курс проложен", "Course set", "Сохранить первые цели",
                "Save your first goals", lambda s: s.count("goals_created") >= 1),
    Achievement("first_ritual", "Первый ритуал", "First ritual", "Пройти утренний или вечерний ритуал",
                "Complete a morning or evening ritual", lambda s: s.count("ritual_morning", "ritual_evening") >= 1),
    Achievement("streak_3", "Три дня подряд", "Three in a row", "Ритуалы три дня подряд",
                "Rituals three days in a row", lambda s: s.best_streak >= 3),
    Achievement("streak_7", "Неделя в ритме", "A week in rhythm", "Ритуалы семь дней подряд",
                "Rituals seven days in a row", lambda s: s.best_streak >= 7),
    Achievement("streak_30", "Месяц привычки", "A month of habit", "Ритуалы тридцать дней подряд",
                "Rituals thirty days in a row", lambda s: s.best_streak >= 30),
    Achievement("first_step_done", "Первый шаг", "First step", "Выполнить первый шаг плана",
                "Finish the first step of your plan", lambda s: s.count("step_done") >= 1),
    Achievement("steps_25", "Двадцать пять шагов", "Twenty-five steps", "Выполнить 25 шагов",
                "Finish 25 steps", lambda s: s.count("step_done") >= 25),
    Achievement("first_goal_done", "Мечта сбывается", "A dream comes true", "Достичь первой цели",
                "Reach your first goal", lambda s: s.count("goal_done") >= 1),
    Achievement("first_weekly_review", "Взгляд назад", "Looking back", "Провести первый обзор недели",
                "Do your first weekly review", lambda s: s.count("weekly_review") >= 1),
    Achievement("level_5", "Пятый уровень", "Level five", "Достичь пятого уровня",
                "Reach level five", lambda s: level_for_xp(s.total_xp) >= 5),
)
ACHIEVEMENT_CODES = frozenset(a.code for a in ACHIEVEMENTS)


@dataclass(frozen=True)
class GamificationEvent:
    reason: str
    xp: int
    total_xp: int
    level: int
    level_up: bool
    new_achievements: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GamificationProfile:
    level: int
    xp: int
    xp_to_next_level: int
    streak_days: int
    best_streak: int


@dataclass(frozen=True)
class AchievementStatus:
    code: str
    title: str
    description: str
    is_obtained: bool
    obtained_at: datetime | None


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    display_name: str
    level: int
    xp: int
    is_me: bool


@dataclass(frozen=True)
class LeaderboardSettings:
    opt_in: bool
    display_name: str | None


class GamificationService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # (user, reason, ref) seen committed in the ledger. The ledger only grows (its rows go only with the person),
        # so once paid is paid for good: a repeated check-in costs no query.
        self._paid: BoundedDict[tuple[uuid.UUID, str, str | None], None] = BoundedDict(PAID_MEMO_SIZE)

    def known_paid(self, user_id: uuid.UUID, reason: str, ref: str) -> bool:
        """Whether this (reason, ref) is seen paid already, from memory (no query): `award` would then pay nothing."""
        return (user_id, reason, ref) in self._paid

    async def award(self, session: AsyncSession, *, user_id: uuid.UUID, reason: str,
                    ref: str | None = None) -> GamificationEvent | None:
        """Add an XP event inside the caller's transaction. None when this (reason, ref) was already paid."""
        if reason not in XP_REWARDS:
            raise ValueError(f"unknown XP reason {reason!r}; add it to XP_REWARDS")
        xp = XP_REWARDS[reason]
        await session.flush()  # the caller's pending rows (a ritual entry, a done step) count for achievements
        repo = GamificationRepository(session)
        paid = (user_id, reason, ref)
        if ref is not None and paid in self._paid:
            return None
        event = XPEvent(user_id=user_id, reason=reason, xp=xp, ref=ref, created_at=self.clock.now())
        if not await repo.add_event_once(event):
            self._paid[paid] = None
            return None  # paid before, or by a concurrent request that got there first
        total = await repo.total_xp(user_id)  # this event included
        before = total - xp
        new_codes = await self._grant_achievements(repo, user_id, total)
        return GamificationEvent(reason=reason, xp=xp, total_xp=total, level=level_for_xp(total),
                                 level_up=level_for_xp(total) > level_for_xp(before), new_achievements=new_codes)

    async def _grant_achievements(self, repo: GamificationRepository, user_id: uuid.UUID, total: int) -> list[str]:
        owned = await repo.achievements(user_id)
        pending = [a for a in ACHIEVEMENTS if a.code not in owned]
        if not pending:
            return []
        _, best = streaks(await repo.ritual_days(user_id), date.min)
        stats = Stats(counts=await repo.event_counts(user_id), total_xp=total, best_streak=best)
        granted: list[str] = []
        for achievement in pending:
            if not achievement.rule(stats):
                continue
            try:
                async with repo.session.begin_nested():
                    repo.add_achievement(UserAchievement(user_id=user_id, code=achievement.code,
                                                         obtained_at=self.clock.now()))
            except IntegrityError:
                continue  # granted by a concurrent award
            granted.append(achievement.code)
        return granted

    async def profile(self, user_id: uuid.UUID) -> GamificationProfile:
        async with self.db.read() as session:
            user = await self._user(session, user_id)
            repo = GamificationRepository(session)
            xp = await repo.total_xp(user_id)
            current, best = streaks(await repo.ritual_days(user_id), self.clock.local_today(user.time_zone))
        level = level_for_xp(xp)
        return GamificationProfile(level=level, xp=xp, xp_to_next_level=xp_for_level(level + 1) - xp,
                                   streak_days=current, best_streak=best)

    async def achievements(self, user_id: uuid.UUID) -> list[AchievementStatus]:
        async with self.db.read() as session:
            user = await self._user(session, user_id)
            owned = await GamificationRepository(session).achievements(user_id)
        return [
            AchievementStatus(code=a.code, title=a.title(user.locale), description=a.description(user.locale),
                              is_obtained=a.code in owned,
                              obtained_at=owned[a.code].obtained_at if a.code in owned else None)
            for a in ACHIEVEMENTS
        ]

    async def leaderboard(self, user_id: uuid.UUID, *, limit: int = 20) -> list[LeaderboardEntry]:
        if not 1 <= limit <= 100:
            raise Unprocessable(fields={"limit": ["Use a number from 1 to 100"]})
        async with self.db.read() as session:
            rows = await GamificationRepository(session).leaderboard(limit)
        return [LeaderboardEntry(rank=index, display_name=name, level=level_for_xp(xp), xp=xp, is_me=uid == user_id)
                for index, (uid, name, xp) in enumerate(rows, start=1)]

    async def set_leaderboard_opt_in(self, user_id: uuid.UUID, *, opt_in: bool,
                                     display_name: str | None = None) -> LeaderboardSettings:
        """Join or leave the leaderboard. Joining needs a display name (given here or already on the profile):
        the board never shows e-mails, Telegram ids or real names the user did not choose to show."""
        name = " ".join((display_name or "").split())[:DISPLAY_NAME_MAX] or None
        if display_name is not None and name is None:
            raise Unprocessable("GAMIFICATION_DISPLAY_NAME_INVALID", "The display name cannot be blank.",
                                fields={"display_name": ["Must contain visible characters"]})
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id, for_update=True)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            if name is not None:
                user.display_name = name
            if opt_in and not user.display_name:
                raise Unprocessable("GAMIFICATION_DISPLAY_NAME_REQUIRED",
                                    "Choose a display name to appear on the leaderboard.",
                                    fields={"display_name": ["Required to join the leaderboard"]})
            user.leaderboard_opt_in = opt_in
        return LeaderboardSettings(opt_in=user.leaderboard_opt_in, display_name=user.display_name)

    @staticmethod
    async def _user(session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await UserRepository(session).get(user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "User not found.")
        return user
