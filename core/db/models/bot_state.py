from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime, utcnow


class BotFSMRecord(Base):
    """One conversation's dialog state and data, kept so a bot restart resumes where the user stopped."""

    __tablename__ = "bot_fsm_states"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Zero and "" stand for "none": primary key columns cannot be NULL.
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, default=0)
    business_connection_id: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    destiny: Mapped[str] = mapped_column(String(32), primary_key=True, default="default")
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
