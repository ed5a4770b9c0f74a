from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UUIDPrimaryKey


class FutureStoryDraft(UUIDPrimaryKey, Timestamps, Base):
    """The user's answer to the interview question of one life area (one row per user and area)."""

    __tablename__ = "future_story_drafts"
    __table_args__ = (UniqueConstraint("user_id", "area_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    area_id: Mapped[str] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)


class FutureStory(UUIDPrimaryKey, Timestamps, Base):
    """A generated story of the user's life in 3 and 5 years, paragraphs by area and picture prompts."""

    __tablename__ = "future_stories"
    __table_args__ = (Index("ix_future_stories_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    full_text_3y: Mapped[str] = mapped_column(Text, nullable=False)
    full_text_5y: Mapped[str] = mapped_column(Text, nullable=False)
    by_area_3y: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    by_area_5y: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    # {image_key: {"title": ..., "dall_e_prompt": ...}}
    images: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    generated_by: Mapped[str] = mapped_column(String(16), nullable=False)
