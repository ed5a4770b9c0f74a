"""Composition root: settings → engine, cache, clients → services. Used by the API, the bot and the scheduler."""
from __future__ import annotations

import logging
from functools import cached_property

from core.cache import Cache, create_cache
from core.clock import Clock
from core.config import Settings, get_settings
from core.db.engine import Database
from core.services.auth import AuthService
from core.services.health import HealthService
from core.services.users import UserService

log = logging.getLogger("mechta")


class Container:
    """Holds long-lived resources; every service is built once, on first use."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, cache: Cache | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.db = Database(settings.database_url, echo=settings.database_echo)
        self.cache = cache or create_cache(settings.redis_url, settings.redis_prefix)

    @cached_property
    def health(self) -> HealthService:
        return HealthService(self.db, self.cache, self.clock, redis_configured=bool(self.settings.redis_url))

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.db, self.clock, self.settings)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db, self.clock)

    async def close(self) -> None:
        await self.cache.close()
        await self.db.dispose()


def build_container(settings: Settings | None = None, **overrides) -> Container:
    return Container(settings or get_settings(), **overrides)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "aiogram.event", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
