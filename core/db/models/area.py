from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps


class Area(Timestamps, Base):
    """A life area of the wheel. The id is a stable slug (``health``), chosen by an admin."""

    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title_ru: Mapped[str] = mapped_column(String(100), nullable=False)
    title_en: Mapped[str] = mapped_column(String(100), nullable=False)
    description_ru: Mapped[str] = mapped_column(Text, default="", nullable=False)
    description_en: Mapped[str] = mapped_column(Text, default="", nullable=False)
    emoji: Mapped[str] = mapped_column(String(16), default="", nullable=False)
    order_index: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_ru
