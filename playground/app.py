"""Wiring: the Bot API emulator under /tg and the playground page under /playground."""

from pathlib import Path

from fastapi import APIRouter, FastAPI

from playground.bot_api import create_bot_api_router
from playground.emulator import BotApiEmulator
from playground.page import create_page_router

BOT_API_PREFIX = "/tg"
PAGE_PREFIX = "/playground"


def create_playground_router(emulator: BotApiEmulator) -> APIRouter:
    router = APIRouter()
    router.include_router(create_bot_api_router(emulator), prefix=BOT_API_PREFIX)
    router.include_router(create_page_router(emulator), prefix=PAGE_PREFIX)
    return router


def create_playground_app(state_dir: Path | str, **emulator_options) -> FastAPI:
    """A standalone app with only the playground; `app.state.emulator` is the emulator behind it."""
    emulator = BotApiEmulator(Path(state_dir), **emulator_options)
    app = FastAPI(title="Mechta playground (local Telegram emulator)", docs_url=None, redoc_url=None)
    app.include_router(create_playground_router(emulator))
    app.state.emulator = emulator
    return app
