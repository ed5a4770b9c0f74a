from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime, UUIDPrimaryKey, utcnow


class LifeWheelEntry(UUIDPrimaryKey, Base):
    __tablename__ = "life_wheel_entries"
    __table_args__ = (Index("ix_life_wheel_entries_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    scores: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)
    area_notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
