from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

WANTS_DRAFT = "draft"
WANTS_COMPLETED = "completed"


class WantsRaw(UUIDPrimaryKey, Timestamps, Base):
    """The three wants exercises of one round: a draft while in progress, then completed and immutable."""

    __tablename__ = "wants_raw"
    __table_args__ = (
        Index("ix_wants_raw_user_status_completed", "user_id", "status", "completed_at"),
        # At most one draft per user, even when two "create draft" requests race.
        Index("uq_wants_raw_one_draft_per_user", "user_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=WANTS_DRAFT, nullable=False)
    stream_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stream_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stream_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the timer closed the stream while nobody was writing: the writer is owed a "time's up" notice from
    # then on; a sender holding the notice moves it into the future, and it is cleared once the person was told.
    stream_notice_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    raw_wants_stream: Mapped[str] = mapped_column(Text, default="", nullable=False)
    future_me: Mapped[str] = mapped_column(Text, default="", nullable=False)
    future_me_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_envy: Mapped[str | None] = mapped_column(Text)
    raw_regrets: Mapped[str | None] = mapped_column(Text)
    raw_what_to_do_5y: Mapped[str | None] = mapped_column(Text)
    reverse_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_completed(self) -> bool:
        return self.status == WANTS_COMPLETED


class WantsAnalysis(UUIDPrimaryKey, Base):
    """An AI (or offline) reading of one completed wants record."""

    __tablename__ = "wants_analysis"
    __table_args__ = (Index("ix_wants_analysis_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    raw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wants_raw.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    generated_by: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
