from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime, UUIDPrimaryKey, utcnow


class XPEvent(UUIDPrimaryKey, Base):
    """Append-only XP ledger. A set `ref` makes an award idempotent: (user, reason, ref) is unique,
    so a double tap on "done" never pays twice. Levels and totals are derived from this table."""

    __tablename__ = "xp_events"
    __table_args__ = (
        UniqueConstraint("user_id", "reason", "ref"),
        Index("ix_xp_events_user_created", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    xp: Mapped[int] = mapped_column(Integer, nullable=False)
    ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class UserAchievement(UUIDPrimaryKey, Base):
    """An achievement of the static catalogue (core.services.gamification.ACHIEVEMENTS) a user has obtained."""

    __tablename__ = "user_achievements"
    __table_args__ = (UniqueConstraint("user_id", "code"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    obtained_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
