"""Which calendar a person's blocks go to: Google when the app has Google credentials and the person connected a
calendar, Mechta's own calendar otherwise."""
from __future__ import annotations

from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.repositories.calendar import CalendarRepository
from core.services.calendar.google_sync import GoogleApi, GoogleCalendarProvider, TokenCipher
from core.services.calendar.mechta_provider import MechtaCalendarProvider
from core.services.calendar.provider import CalendarProvider


class CalendarProviders:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache, google_api: GoogleApi,
                 cipher: TokenCipher) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.google_api = google_api
        self.cipher = cipher

    @property
    def google_configured(self) -> bool:
        return bool(self.settings.google_client_id and self.settings.google_client_secret.get_secret_value())

    async def for_user(self, user: User) -> CalendarProvider:
        if self.google_configured:
            async with self.db.read() as session:
                connection = await CalendarRepository(session).connection(user.id)
            if connection is not None:
                return self.google(user)
        return MechtaCalendarProvider(self.db, self.clock, user.id, user.time_zone)

    def google(self, user: User) -> GoogleCalendarProvider:
        return GoogleCalendarProvider(self.db, self.clock, self.settings, self.cache, self.google_api, self.cipher,
                                      user)
