from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime


class TelegramUpdateClaim(Base):
    """Who handles a webhook update, when Redis is not there to say it (core/services/update_claims.py).

    `token` names the replica's attempt while the update is in progress; `finished_at` marks it handled, and the
    row is kept a day so a late redelivery is still recognised, then pruned.
    """

    __tablename__ = "telegram_update_claims"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_telegram_update_claims_finished_at", "finished_at"),)
