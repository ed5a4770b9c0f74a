from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime, UUIDPrimaryKey, utcnow

ENTRY_TYPES = ("morning", "evening")
REVIEW_STATUSES = ("done", "archived")


class JournalEntry(UUIDPrimaryKey, Base):
    """A morning or evening ritual. `local_date` is the user's local day the entry counts for, computed when it is
    written (see RitualService.add_entry) and stored so the database enforces one entry per type and day."""

    __tablename__ = "journal_entries"
    __table_args__ = (UniqueConstraint("user_id", "type", "local_date"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(10), nullable=False)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    mood_score: Mapped[int | None] = mapped_column(Integer)
    energy_score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class WeeklyReview(UUIDPrimaryKey, Base):
    """The review of one ritual week (7 local days ending on the user's review weekday). `archived` marks a week
    whose review was skipped for more than three days (the "fresh start" rule)."""

    __tablename__ = "weekly_reviews"
    __table_args__ = (UniqueConstraint("user_id", "week_start"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    week_start: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    reflection: Mapped[str | None] = mapped_column(Text)
    ai_analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
