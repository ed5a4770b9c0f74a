"""Queries on future-story drafts, stories and their pictures. Never commits."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import FutureStory, FutureStoryDraft, VisualAsset


class StoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def draft(self, user_id: uuid.UUID, area_id: str) -> FutureStoryDraft | None:
        stmt = select(FutureStoryDraft).where(FutureStoryDraft.user_id == user_id, FutureStoryDraft.area_id == area_id)
        return (await self.session.scalars(stmt)).first()

    async def drafts(self, user_id: uuid.UUID) -> list[FutureStoryDraft]:
        stmt = select(FutureStoryDraft).where(FutureStoryDraft.user_id == user_id)
        return list((await self.session.scalars(stmt)).all())

    def add(self, row: FutureStoryDraft | FutureStory | VisualAsset):
        self.session.add(row)
        return row

    async def latest_story(self, user_id: uuid.UUID, *, for_update: bool = False) -> FutureStory | None:
        stmt = (select(FutureStory).where(FutureStory.user_id == user_id)
                .order_by(FutureStory.created_at.desc(), FutureStory.id.desc()).limit(1))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def story(self, user_id: uuid.UUID, story_id: uuid.UUID) -> FutureStory | None:
        stmt = select(FutureStory).where(FutureStory.id == story_id, FutureStory.user_id == user_id)
        return (await self.session.scalars(stmt)).first()

    async def asset(self, user_id: uuid.UUID, asset_id: uuid.UUID, *, for_update: bool = False) -> VisualAsset | None:
        stmt = select(VisualAsset).where(VisualAsset.id == asset_id, VisualAsset.user_id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def asset_by_id(self, asset_id: uuid.UUID) -> VisualAsset | None:
        return await self.session.get(VisualAsset, asset_id)

    async def gallery(self, user_id: uuid.UUID, story_id: uuid.UUID) -> list[VisualAsset]:
        stmt = (select(VisualAsset).where(VisualAsset.user_id == user_id, VisualAsset.story_id == story_id)
                .order_by(VisualAsset.created_at, VisualAsset.id))
        return list((await self.session.scalars(stmt)).all())
