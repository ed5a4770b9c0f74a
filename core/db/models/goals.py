from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey

# Horizon of a goal: three months, one, three or five years.
GOAL_HORIZONS = ("3m", "1y", "3y", "5y")
GOAL_STATUSES = ("active", "done", "dropped")
# Step levels from the widest to the narrowest: a step's parent must sit on a wider level of the same goal.
STEP_LEVELS = ("year", "quarter", "month", "week", "day")


class StepStatus(StrEnum):
    """Where a step stands. Change it only through the `Step` methods below, which keep the timestamps right."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"


STEP_STATUSES = tuple(StepStatus)
# Open steps are still to be done: they can be done, skipped or moved, they get calendar blocks and reminders.
OPEN_STEP_STATUSES = (StepStatus.PLANNED, StepStatus.IN_PROGRESS)
PRIORITIES = (1, 2, 3)  # 1 important, 2 normal, 3 can wait (goals and steps alike)
DEFAULT_PRIORITY = 2


class Goal(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_user_status", "user_id", "status"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    horizon: Mapped[str] = mapped_column(String(4), nullable=False)
    metric: Mapped[str | None] = mapped_column(String(300))
    why: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active", nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SMART details (specific, measurable, achievable, relevant texts); set only for goals written as SMART goals.
    smart: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    time_bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    priority: Mapped[int | None] = mapped_column(SmallInteger)


class Step(UUIDPrimaryKey, Timestamps, Base):
    """A planned action of a goal's cascade. Deleting the goal deletes its steps; deleting a parent step detaches
    its children (they keep their goal and level)."""

    __tablename__ = "steps"
    __table_args__ = (
        Index("ix_steps_user_planned_date", "user_id", "planned_date"),
        Index("ix_steps_goal_id", "goal_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(12), default=StepStatus.PLANNED, nullable=False)
    planned_date: Mapped[date | None] = mapped_column(Date)
    estimated_minutes: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The transitions: every change of status or date goes through these, so `updated_at` is the caller's clock
    # and `completed_at` is set exactly while the step is done.

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STEP_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == StepStatus.DONE

    def set_status(self, status: str, now: datetime) -> bool:
        """Move to `status`; True when the step became done just now (the moment that pays XP, once)."""
        became_done = status == StepStatus.DONE and not self.is_done
        self.status = StepStatus(status)
        self.updated_at = now
        if self.status != StepStatus.DONE:
            self.completed_at = None
        elif became_done:
            self.completed_at = now
        return became_done

    def complete(self, now: datetime) -> bool:
        return self.set_status(StepStatus.DONE, now)

    def skip(self, now: datetime) -> None:
        self.set_status(StepStatus.SKIPPED, now)

    def replan(self, day: date, now: datetime) -> None:
        """Plan the step for `day` again: planned from now on (callers decide whether a done step may be)."""
        self.planned_date = day
        self.set_status(StepStatus.PLANNED, now)

    def move_to(self, day: date | None, now: datetime) -> None:
        """Another day for the same work (its calendar block moved): the status stays."""
        self.planned_date = day
        self.updated_at = now
