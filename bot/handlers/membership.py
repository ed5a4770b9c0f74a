"""The person blocked or unblocked the bot: ritual prompts stop, or resume from now on."""
from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.types import ChatMemberUpdated

from core.bootstrap import Container
from core.db.models import User

BLOCKED_STATUSES = {"kicked", "left"}


def create_router() -> Router:
    router = Router(name="membership")

    @router.my_chat_member()
    async def membership_changed(event: ChatMemberUpdated, container: Container, user: User) -> None:
        if event.chat.type != ChatType.PRIVATE:
            return
        blocked = event.new_chat_member.status in BLOCKED_STATUSES
        await container.prompt_delivery.set_bot_blocked(user.id, blocked)

    return router
