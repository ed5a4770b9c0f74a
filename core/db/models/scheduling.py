from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey

PROMPT_KINDS = ("morning", "evening", "weekly")
# claimed: a scheduler took it and is sending it; sent; snoozed / retry: waiting for `due_at`; skipped_late: the
# scheduler was down past the grace period; skipped_user: paused, a quiet weekday or "skip today"; failed: gave up.
PROMPT_STATUSES = ("claimed", "sent", "snoozed", "retry", "skipped_late", "skipped_user", "failed")
# The rows a claim comes back for (partial indexes below).
WAITING = "status IN ('snoozed', 'retry')"
CLAIMED = "status = 'claimed'"


class RitualPromptLog(UUIDPrimaryKey, Timestamps, Base):
    """One ritual prompt of one user for one local date: the unique key is what makes delivery happen once."""

    __tablename__ = "ritual_prompt_log"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "local_date"),
        # What a claim looks for among every prompt ever logged: snoozes and retries coming due, stale claims.
        # The queries spell these conditions out as literals (core/services/prompts_delivery.py).
        Index("ix_ritual_prompt_log_waiting_due_at", "due_at",
              sqlite_where=text(WAITING), postgresql_where=text(WAITING)),
        Index("ix_ritual_prompt_log_claimed_at", "claimed_at",
              sqlite_where=text(CLAIMED), postgresql_where=text(CLAIMED)),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # The occurrence it stands for, and when the next delivery attempt is due (moved by snoozes and retries).
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Fencing token of the current claim: only the claimer holding it may record the outcome.
    claim_token: Mapped[uuid.UUID | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    snoozes: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    detail: Mapped[str | None] = mapped_column(String(200))


__all__ = ["PROMPT_KINDS", "PROMPT_STATUSES", "RitualPromptLog"]
