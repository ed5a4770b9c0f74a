"""A local Telegram Bot API emulator and a browser chat page to talk to the bot without Telegram."""

from playground.app import BOT_API_PREFIX, PAGE_PREFIX, create_playground_app, create_playground_router
from playground.emulator import BotApiEmulator, BotApiError, PlaygroundError, UnknownUserError

__all__ = [
    "BOT_API_PREFIX",
    "PAGE_PREFIX",
    "BotApiEmulator",
    "BotApiError",
    "PlaygroundError",
    "UnknownUserError",
    "create_playground_app",
    "create_playground_router",
]
