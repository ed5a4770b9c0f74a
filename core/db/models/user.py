from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, Time
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey

PLANS = ("free", "pro")
LOCALES = ("ru", "en")


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"

    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(20))
    life_format: Mapped[str | None] = mapped_column(String(50))
    locale: Mapped[str] = mapped_column(String(8), default="ru", nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", nullable=False)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    morning_time: Mapped[time] = mapped_column(Time, default=time(8, 0), nullable=False)
    evening_time: Mapped[time] = mapped_column(Time, default=time(21, 0), nullable=False)
    onboarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan: Mapped[str] = mapped_column(String(10), default="free", nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Rituals and gamification (migration 0004): 0 = Monday … 6 = Sunday; leaderboard shows opted-in users only.
    weekly_review_weekday: Mapped[int] = mapped_column(Integer, default=6, server_default="6", nullable=False)
    leaderboard_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false(), nullable=False)
    # Ritual prompt schedule (migration 0005, core/services/prompts_delivery.py): the next UTC instants of the
    # morning and evening prompts, a pause up to a local date, local weekdays without prompts (0 = Monday), and
    # when Telegram reported that the user blocked the bot (no prompts until they come back).
    next_morning_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    next_evening_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    rituals_paused_until: Mapped[date | None] = mapped_column(Date)
    quiet_weekdays: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]", nullable=False)
    bot_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        return self.display_name or " ".join(p for p in (self.first_name, self.last_name) if p) or ""


__all__ = ["LOCALES", "PLANS", "User"]
