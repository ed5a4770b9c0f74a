"""The user's own view of themselves: profile, plan and this month's AI usage (GET/PUT /me, the bot's settings)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.db.models import User
from core.services.quotas import QuotaService, ResourceUsage
from core.services.users import UserService


@dataclass(frozen=True)
class MeView:
    user: User
    plan: str
    usage: dict[str, ResourceUsage]


class ProfileService:
    def __init__(self, users: UserService, quotas: QuotaService) -> None:
        self.users = users
        self.quotas = quotas

    async def me(self, user: User) -> MeView:
        """`user` is the row the caller has just loaded (the API's auth does); only the counters come from cache."""
        return MeView(user=user, plan=user.plan, usage=await self.quotas.usage(user))

    async def update(self, user_id: uuid.UUID, changes: dict[str, Any]) -> MeView:
        user = await self.users.update_profile(user_id, changes)
        # The committed change dropped the identity everywhere, and the in-process counters with it.
        await self.quotas.forget_shared_usage(user_id)
        return await self.me(user)
