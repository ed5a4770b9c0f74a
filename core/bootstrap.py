"""Composition root: settings → engine, cache, clients → services. Used by the API, the bot and the scheduler."""
from __future__ import annotations

import logging
from functools import cached_property

from core import logs
from core.cache import Cache, RedisCache, ResilientRedis, create_cache
from core.clients.ai import create_ai_provider
from core.clients.mail import Mailer, create_mailer
from core.clock import Clock
from core.config import Settings, get_settings
from core.db.engine import Database
from core.identity import IdentityCache
from core.metrics import MeteredAIProvider
from core.rate_limits import RateLimits
from core.services.ai import AIService
from core.services.areas import AreaService
from core.services.auth import AuthService
from core.services.calendar import CalendarService
from core.services.coach import CoachService
from core.services.data_rights import DataRightsService
from core.services.esoterics import EsotericsService
from core.services.future_story import FutureStoryService
from core.services.gamification import GamificationService
from core.services.goals import GoalService
from core.services.health import HealthService
from core.services.profile import ProfileService
from core.services.prompts_delivery import PromptDeliveryService
from core.services.quotas import QuotaService
from core.services.rituals import RitualService
from core.services.steps import StepService
from core.services.timezones import TimeZoneResolver
from core.services.users import UserService
from core.services.visuals import VisualsService
from core.services.voice import VoiceNotes
from core.services.wants import WantsService
from core.services.wheel import WheelService

log = logging.getLogger("mechta")


class Container:
    """Holds long-lived resources; every service is built once, on first use."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, cache: Cache | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock()
        self.db = Database(settings.database_url, echo=settings.database_echo,
                           connect_timeout=settings.database_connect_timeout_seconds,
                           pool_timeout=settings.database_pool_timeout_seconds)
        self.cache = cache or create_cache(settings.redis_url, settings.redis_prefix,
                                                  timeout=settings.redis_timeout_seconds,
                                                  open_seconds=settings.redis_breaker_seconds)
        # A MemoryCache given by a caller (tests, benches) means: no Redis, whatever the settings say.
        shared = settings.redis_url if self.cache.backend == "redis" else ""
        self.identities = IdentityCache(self.cache, ttl_seconds=settings.auth_identity_cache_seconds,
                                        redis_url=shared, redis_prefix=settings.redis_prefix)
        self.db.users_changed.append(self.identities.forget)

    @property
    def redis(self) -> ResilientRedis | None:
        """The shared Redis client behind its circuit breaker (None without Redis): for parts with a fallback."""
        return self.cache.resilient if isinstance(self.cache, RedisCache) else None

    @cached_property
    def health(self) -> HealthService:
        return HealthService(self.db, self.cache, self.clock, redis_configured=bool(self.settings.redis_url))

    @cached_property
    def rate_limits(self) -> RateLimits:
        return RateLimits(self.settings, self.redis)

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.db, self.clock, self.settings, cache=self.cache, mailer=self.mail,
                           users=self.users, rate_limits=self.rate_limits, identities=self.identities)


    @cached_property
    def mail(self) -> Mailer:
        return create_mailer(self.settings)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db, self.clock, cache_seconds=self.settings.user_cache_seconds,
                           redis_url=self.settings.redis_url, redis_prefix=self.settings.redis_prefix)

    @cached_property
    def quotas(self) -> QuotaService:
        return QuotaService(self.db, self.clock, self.cache, self.identities)

    @cached_property
    def profile(self) -> ProfileService:
        return ProfileService(self.users, self.quotas)

    @cached_property
    def areas(self) -> AreaService:
        return AreaService(self.db, self.clock, self.cache, self.identities)

    @cached_property
    def wheel(self) -> WheelService:
        return WheelService(self.db, self.clock, self.gamification, self.areas)

    @cached_property
    def gamification(self) -> GamificationService:
        return GamificationService(self.db, self.clock)

    @cached_property
    def goals(self) -> GoalService:
        return GoalService(self.db, self.clock, self.ai, self.gamification)

    @cached_property
    def steps(self) -> StepService:
        service = StepService(self.db, self.clock, self.ai, self.gamification)
        service.on_rescheduled.append(self.calendar.follow_step)
        return service

    @cached_property
    def rituals(self) -> RitualService:
        return RitualService(self.db, self.clock, self.ai, self.gamification)

    @cached_property
    def esoterics(self) -> EsotericsService:
        return EsotericsService(self.db, self.clock, self.cache, self.ai)

    @cached_property
    def timezones(self) -> TimeZoneResolver:
        return TimeZoneResolver(self.clock)

    @cached_property
    def ai(self) -> AIService:
        return AIService(self.db, self.clock, self.settings, MeteredAIProvider(create_ai_provider(self.settings)),
                         self.quotas)

    @cached_property
    def voice(self) -> VoiceNotes:
        return VoiceNotes(self.ai, self.settings)

    @cached_property
    def wants(self) -> WantsService:
        return WantsService(self.db, self.clock, self.ai, self.areas, self.gamification)

    @cached_property
    def prompt_delivery(self) -> PromptDeliveryService:
        return PromptDeliveryService(self.db, self.clock, self.settings)

    @cached_property
    def calendar(self) -> CalendarService:
        return CalendarService(self.db, self.clock, self.settings, self.cache, ai=self.ai)

    @cached_property
    def coach(self) -> CoachService:
        return CoachService(self.db, self.clock, self.settings, self.ai, self.calendar, self.goals, self.steps,
                            self.wheel, self.gamification)

    @cached_property
    def future_story(self) -> FutureStoryService:
        return FutureStoryService(self.db, self.clock, self.ai, self.areas, self.gamification)

    @cached_property
    def visuals(self) -> VisualsService:
        return VisualsService(self.db, self.clock, self.settings, self.ai, self.gamification)

    @cached_property
    def data_rights(self) -> DataRightsService:
        return DataRightsService(self.db, self.clock, self.settings, self.cache, self.calendar)

    async def close(self) -> None:
        await self.identities.close()
        if "users" in self.__dict__:  # built: it may be listening for other replicas' user changes
            await self.users.close()
        await self.cache.close()
        await self.db.dispose()


def build_container(settings: Settings | None = None, **overrides) -> Container:
    return Container(settings or get_settings(), **overrides)


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Text lines by default, JSON lines with LOG_FORMAT=json (core/logs.py)."""
    logs.configure_logging(level, log_format)
