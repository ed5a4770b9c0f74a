from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UUIDPrimaryKey


class AIUsageCounter(UUIDPrimaryKey, Timestamps, Base):
    """Units of an AI resource (text, image) used by a user in one calendar month of their time zone."""

    __tablename__ = "ai_usage_counters"
    __table_args__ = (UniqueConstraint("user_id", "resource", "period"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    resource: Mapped[str] = mapped_column(String(16), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, local to the user
    used: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
