from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UUIDPrimaryKey


class VisualAsset(UUIDPrimaryKey, Timestamps, Base):
    """A picture made for one scene (image_key) of a future story. The file lives under
    UPLOADS_DIR/<user_id>/story_images/<file_name>; the name is random and never comes from user input."""

    __tablename__ = "visual_assets"
    __table_args__ = (Index("ix_visual_assets_user_story", "user_id", "story_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    story_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("future_stories.id", ondelete="CASCADE"), nullable=False)
    image_key: Mapped[str] = mapped_column(String(64), nullable=False)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    file_name: Mapped[str] = mapped_column(String(64), nullable=False)
