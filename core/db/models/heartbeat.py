from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime


class ServiceHeartbeat(Base):
    """Last sign of life of a background process (scheduler, bot), shown on the status page."""

    __tablename__ = "service_heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    info: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
