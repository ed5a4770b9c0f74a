"""Google Calendar: the API client (googleapiclient, static discovery, every call in a worker thread), tokens
encrypted at rest, refresh on expiry or 401, and the provider with its local cache and incremental sync."""
from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from core import metrics
from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarEvent, GoogleConnection
from core.errors import ConfigurationError, Conflict, DomainError, NotFound
from core.repositories.calendar import CalendarRepository
from core.services.calendar import steps_bridge
from core.services.calendar.notifications import record_notification
from core.services.calendar.planning import Interval
from core.services.calendar.provider import CalendarInfo, EventInput, EventSaved, SyncResult

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet
    from google.oauth2.credentials import Credentials


@cache
def google_client() -> SimpleNamespace:
    """Google's client libraries, imported on first use: they weigh tens of MiB, and a bot or API process that
    never talks to Google (no Google settings, or nobody connected yet) should not carry them."""
    import google.auth.transport.requests
    import httplib2
    from google.auth.exceptions import RefreshError, TransportError
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError

    return SimpleNamespace(Request=google.auth.transport.requests.Request, httplib2=httplib2, RefreshError=RefreshError,
                           TransportError=TransportError, Credentials=Credentials, AuthorizedHttp=AuthorizedHttp,
                           build=build, HttpError=HttpError)

log = logging.getLogger("mechta.calendar.google")

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
STEP_PROPERTY = "mechta_step_id"
PAGE_SIZE = 250
MAX_PAGES = 200
HTTP_TIMEOUT_SECONDS = 30
REFRESH_MARGIN = timedelta(seconds=60)
STATS_TTL_SECONDS = 90 * 24 * 3600

T = TypeVar("T")


class TokenCipher:
    """Fernet encryption of OAuth tokens; keys are comma-separated, newest first, so a new key can be prepended
    and old ciphertexts still decrypt (and `rotate` re-encrypts them with the newest key)."""

    def __init__(self, keys: str) -> None:
        self._keys = [k.strip() for k in (keys or "").split(",") if k.strip()]
        if not self._keys:
            raise ConfigurationError("TOKEN_ENCRYPTION_KEYS must hold at least one Fernet key")
        # Fernet's own rule (32 url-safe base64 bytes), checked here so a bad key still fails at start-up.
        if not all(_is_fernet_key(k) for k in self._keys):
            raise ConfigurationError("TOKEN_ENCRYPTION_KEYS holds a key that is not a Fernet key")

    @cached_property
    def _fernet(self) -> MultiFernet:
        # cryptography (~9 MiB) loads with the first token encrypted or decrypted, not in every process whose
        # calendar service is built (the bot's /today builds it, and most people never connect Google).
        from cryptography.fernet import Fernet, MultiFernet

        return MultiFernet([Fernet(k.encode()) for k in self._keys])

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        return self._fernet.decrypt(value.encode()).decode()

    def rotate(self, value: str) -> str:
        return self._fernet.rotate(value.encode()).decode()


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def calendar_api_base(settings: Settings) -> str | None:
    """GOOGLE_API_URL may be a server root or the Calendar v3 base; googleapiclient wants the latter."""
    url = settings.google_api_url.strip().rstrip("/")
    if not url:
        return None
    if not url.endswith("/calendar/v3"):
        url += "/calendar/v3"
    return url + "/"


class FullSyncRequired(Exception):
    """Google answered 410: the sync token is no longer valid."""


def google_error(exc: Exception) -> DomainError:
    status = getattr(getattr(exc, "resp", None), "status", None)
    if status == 404 or status == 410:
        return NotFound("CALENDAR_EVENT_NOT_FOUND", "Calendar event not found.")
    if status == 429 or status == 403:
        return DomainError("GOOGLE_RATE_LIMITED", "Google Calendar is limiting requests; try again in a minute.",
                           http_status=429)
    return DomainError("GOOGLE_API_ERROR", "Google Calendar did not accept the request; try again later.",
                       http_status=502)


class GoogleApi:
    """Synchronous calls to Google; callers run them in a thread. A fresh client per call keeps httplib2 (which
    is not thread-safe) to one thread, and batch requests are never used (they always go to Google's host)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def credentials(self, access_token: str, refresh_token: str | None) -> Credentials:
        return google_client().Credentials(token=access_token, refresh_token=refresh_token,
                                           token_uri=self.settings.google_token_uri,
                                           client_id=self.settings.google_client_id,
                                           client_secret=self.settings.google_client_secret.get_secret_value(),
                                           scopes=[CALENDAR_SCOPE])

    def refresh(self, creds: Credentials) -> None:
        creds.refresh(google_client().Request())

    def _service(self, creds: Credentials):
        base = calendar_api_base(self.settings)
        client = google_client()
        http = client.AuthorizedHttp(creds, http=client.httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS))
        return client.build("calendar", "v3", http=http, static_discovery=True, cache_discovery=False,
                     client_options={"api_endpoint": base} if base else None)

    def calendar_list(self, creds: Credentials) -> list[dict[str, Any]]:
        calendars = self._service(creds).calendarList()
        items, page_token = [], None
        for _ in range(MAX_PAGES):
            page = calendars.list(pageToken=page_token, maxResults=PAGE_SIZE).execute()
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return items

    def events_page(self, creds: Credentials, calendar_id: str, *, sync_token: str | None,
                    page_token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"calendarId": calendar_id, "maxResults": PAGE_SIZE, "singleEvents": True}
        if sync_token:
            params["syncToken"] = sync_token
        if page_token:
            params["pageToken"] = page_token
        try:
            return self._service(creds).events().list(**params).execute()
        except google_client().HttpError as exc:
            if exc.resp.status == 410:
                raise FullSyncRequired() from exc
            raise

    def get(self, creds: Credentials, calendar_id: str, event_id: str) -> dict[str, Any]:
        return self._service(creds).events().get(calendarId=calendar_id, eventId=event_id).execute()

    def insert(self, creds: Credentials, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._service(creds).events().insert(calendarId=calendar_id, body=body).execute()

    def patch(self, creds: Credentials, calendar_id: str, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._service(creds).events().patch(calendarId=calendar_id, eventId=event_id, body=body).execute()

    def delete(self, creds: Credentials, calendar_id: str, event_id: str) -> None:
        self._service(creds).events().delete(calendarId=calendar_id, eventId=event_id).execute()

    def free_busy(self, creds: Credentials, calendar_id: str, start: datetime, end: datetime) -> list[dict[str, str]]:
        body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": calendar_id}]}
        answer = self._service(creds).freebusy().query(body=body).execute()
        return answer.get("calendars", {}).get(calendar_id, {}).get("busy", [])

    def watch(self, creds: Credentials, calendar_id: str, *, channel_id: str, token: str, address: str,
              ttl_seconds: int) -> dict[str, Any]:
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token,
                "params": {"ttl": str(ttl_seconds)}}
        return self._service(creds).events().watch(calendarId=calendar_id, body=body).execute()

    def stop(self, creds: Credentials, channel_id: str, resource_id: str) -> None:
        self._service(creds).channels().stop(body={"id": channel_id, "resourceId": resource_id}).execute()


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(node: dict[str, Any], zone: ZoneInfo) -> tuple[datetime, bool]:
    if node.get("dateTime"):
        moment = datetime.fromisoformat(node["dateTime"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(node.get("timeZone") or "UTC"))
        return moment.astimezone(UTC), False
    day = date.fromisoformat(node["date"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), True


def step_id_of(item: dict[str, Any]) -> uuid.UUID | None:
    raw = item.get("extendedProperties", {}).get("private", {}).get(STEP_PROPERTY)
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def event_fields(item: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    start, all_day = _parse_time(item["start"], zone)
    end, _ = _parse_time(item["end"], zone)
    updated = item.get("updated")
    return {
        "title": (item.get("summary") or "")[:500],
        "description": item.get("description") or "",
        "location": (item.get("location") or "")[:500],
        "start_at": start, "end_at": max(end, start), "all_day": all_day,
        "busy": not all_day and item.get("transparency") != "transparent",
        "status": item.get("status") or "confirmed",
        "step_id": step_id_of(item),
        "etag": (item.get("etag") or "")[:255] or None,
        "remote_updated_at": datetime.fromisoformat(updated).astimezone(UTC) if updated else None,
    }


def event_body(data: EventInput | dict[str, Any], time_zone: str) -> dict[str, Any]:
    """The Google event resource for a new event (EventInput) or for changes (a dict of EVENT_CHANGE_FIELDS)."""
    values = data if isinstance(data, dict) else {
        "title": data.title, "description": data.description, "location": data.location,
        "start": data.start, "end": data.end, "all_day": data.all_day}
    body: dict[str, Any] = {}
    if "title" in values:
        body["summary"] = values["title"]
    for name in ("description", "location"):
        if name in values:
            body[name] = values[name]
    zone = ZoneInfo(time_zone)
    for name in ("start", "end"):
        if name in values:
            if values.get("all_day"):
                body[name] = {"date": values[name].astimezone(zone).date().isoformat()}
            else:
                body[name] = {"dateTime": _rfc3339(values[name]), "timeZone": time_zone}
    if isinstance(data, EventInput) and data.step_id is not None:
        body["extendedProperties"] = {"private": {STEP_PROPERTY: str(data.step_id)}}
    return body


class GoogleCalendarProvider:
    """Reads come from the local cache (kept fresh by incremental sync and push notifications); writes go to
    Google first and then to the cache. Event ids are Mechta's cache-row ids."""

    name = "google"

    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache, api: GoogleApi,
                 cipher: TokenCipher, user: User) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.api = api
        self.cipher = cipher
        self.user = user
        self.zone = ZoneInfo(user.time_zone)

    # tokens
    async def connection(self) -> GoogleConnection:
        async with self.db.read() as session:
            connection = await CalendarRepository(session).connection(self.user.id)
        if connection is None:
            raise Conflict("GOOGLE_NOT_CONNECTED", "Google Calendar is not connected.")
        return connection

    async def credentials(self, connection: GoogleConnection | None = None) -> tuple[Credentials, GoogleConnection]:
        """Decrypted credentials, refreshed first when the stored access token is (nearly) expired."""
        from cryptography.fernet import InvalidToken

        connection = connection or await self.connection()
        try:
            refresh = self.cipher.decrypt(connection.refresh_token_enc) if connection.refresh_token_enc else None
            creds = self.api.credentials(self.cipher.decrypt(connection.access_token_enc), refresh)
        except InvalidToken as exc:
            raise await self._access_lost("stored tokens cannot be decrypted") from exc
        expires = connection.token_expires_at
        if expires is not None and expires <= self.clock.now() + REFRESH_MARGIN:
            await self.refresh(creds)
        return creds, connection

    async def refresh(self, creds: Credentials) -> datetime | None:
        if not creds.refresh_token:
            raise await self._access_lost("no refresh token")
        try:
            await asyncio.to_thread(self.api.refresh, creds)
        except google_client().RefreshError as exc:
            raise await self._access_lost(str(exc)) from exc
        except google_client().TransportError as exc:
            raise DomainError("GOOGLE_API_ERROR", "Google could not be reached; try again later.",
                              http_status=502) from exc
        return await self._save_token(creds)

    async def _save_token(self, creds: Credentials) -> datetime | None:
        expires_at = None
        if creds.expiry is not None:
            # google-auth keeps a naive UTC expiry from the real clock; re-base the lifetime on ours.
            lifetime = creds.expiry.replace(tzinfo=UTC) - datetime.now(UTC)
            expires_at = self.clock.now() + lifetime
        async with self.db.transaction() as session:
            connection = await CalendarRepository(session).connection(self.user.id, for_update=True)
            if connection is not None:
                connection.access_token_enc = self.cipher.encrypt(creds.token)
                if creds.refresh_token:
                    connection.refresh_token_enc = self.cipher.encrypt(creds.refresh_token)
                connection.token_expires_at = expires_at
        return expires_at

    async def _access_lost(self, reason: str) -> DomainError:
        """Google refused our refresh token (revoked in the Google account): forget the grant, tell the user."""
        log.warning("Google access lost for user %s: %s", self.user.id, reason)
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(self.user.id, for_update=True)
            if connection is not None:
                await session.delete(connection)
                await repo.delete_channels(self.user.id)
                await repo.delete_events(self.user.id, self.name)
                record_notification(session, self.user.id, "google_access_lost", {}, self.clock.now())
        return Conflict("GOOGLE_ACCESS_REVOKED",
                        "Google no longer accepts Mechta's access; connect the calendar again.")

    async def call(self, fn: Callable[..., T], *args: Any, creds: Credentials | None = None) -> T:
        """Run one Google call in a thread; a 401 makes the client refresh and retry, and a new token is saved."""
        if creds is None:
            creds, _ = await self.credentials()
        token = creds.token
        try:
            return await asyncio.to_thread(fn, creds, *args)
        except google_client().RefreshError as exc:
            raise await self._access_lost(str(exc)) from exc
        except google_client().HttpError as exc:
            raise google_error(exc) from exc
        except (google_client().TransportError, google_client().httplib2.HttpLib2Error, OSError) as exc:
            raise DomainError("GOOGLE_API_ERROR", "Google could not be reached; try again later.",
                              http_status=502) from exc
        finally:
            if creds.token != token:
                await self._save_token(creds)

    async def _hit(self, kind: str) -> None:
        await self.cache.incr(f"calendar:cache:{self.user.id}:{kind}", STATS_TTL_SECONDS)

    # CalendarProvider
    async def list_calendars(self) -> list[CalendarInfo]:
        items = await self.call(self.api.calendar_list)
        return [CalendarInfo(id=i["id"], summary=i.get("summaryOverride") or i.get("summary", ""),
                             primary=bool(i.get("primary")), access_role=i.get("accessRole", "reader"),
                             time_zone=i.get("timeZone"), description=i.get("description"),
                             selected=bool(i.get("selected", True))) for i in items]

    async def list_events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        connection = await self.connection()
        ttl = timedelta(seconds=self.settings.calendar_cache_ttl_seconds)
        if connection.last_sync_at is not None and self.clock.now() - connection.last_sync_at < ttl:
            await self._hit("hits")
        else:
            await self._hit("misses")
            await self.sync()
        async with self.db.read() as session:
            return await CalendarRepository(session).events_between(self.user.id, self.name,
                                                                    connection.calendar_id, start, end)

    async def get_event(self, event_id: uuid.UUID) -> CalendarEvent:
        async with self.db.read() as session:
            event = await CalendarRepository(session).event(self.user.id, event_id, source=self.name)
        if event is None:
            raise NotFound("CALENDAR_EVENT_NOT_FOUND", "Calendar event not found.")
        return event

    async def create_event(self, data: EventInput) -> CalendarEvent:
        connection = await self.connection()
        item = await self.call(self.api.insert, connection.calendar_id, event_body(data, self.user.time_zone))
        return await self._store(connection.calendar_id, item)

    async def create_many(self, inputs: list[EventInput], *,
                          on_saved: EventSaved | None = None) -> list[CalendarEvent | DomainError]:
        """Insert events with bounded concurrency; each item ends as its cached event or its error. Google has
        no transaction to share, so `on_saved` runs for the saved ones in one transaction after the inserts."""
        creds, connection = await self.credentials()
        gate = asyncio.Semaphore(max(1, self.settings.google_bulk_concurrency))

        async def one(data: EventInput) -> CalendarEvent | DomainError:
            async with gate:
                try:
                    item = await self.call(self.api.insert, connection.calendar_id,
                                           event_body(data, self.user.time_zone), creds=creds)
                except DomainError as exc:
                    return exc
            return await self._store(connection.calendar_id, item)

        created = list(await asyncio.gather(*(one(data) for data in inputs)))
        if on_saved is not None:
            async with self.db.transaction() as session:
                for data, outcome in zip(inputs, created, strict=True):
                    if isinstance(outcome, CalendarEvent):
                        await on_saved(session, data, outcome)
        return created

    async def patch_event(self, event_id: uuid.UUID, changes: dict[str, Any]) -> CalendarEvent:
        current = await self.get_event(event_id)
        body = event_body({**changes, "all_day": changes.get("all_day", current.all_day)}, self.user.time_zone)
        if "all_day" in changes and "start" not in changes:
            body.update(event_body({"start": current.start_at, "end": current.end_at,
                                    "all_day": changes["all_day"]}, self.user.time_zone))
        item = await self.call(self.api.patch, current.calendar_id, current.external_id, body)
        return await self._store(current.calendar_id, item)

    async def delete_event(self, event_id: uuid.UUID) -> None:
        current = await self.get_event(event_id)
        with contextlib.suppress(NotFound):  # already gone at Google: the cache simply catches up
            await self.call(self.api.delete, current.calendar_id, current.external_id)
        async with self.db.transaction() as session:
            row = await CalendarRepository(session).event(self.user.id, event_id, source=self.name, for_update=True)
            if row is not None:
                await session.delete(row)

    async def free_busy(self, start: datetime, end: datetime) -> list[Interval]:
        connection = await self.connection()
        busy = await self.call(self.api.free_busy, connection.calendar_id, start, end)
        return [Interval(datetime.fromisoformat(b["start"]).astimezone(UTC),
                         datetime.fromisoformat(b["end"]).astimezone(UTC)) for b in busy]

    async def _store(self, calendar_id: str, item: dict[str, Any]) -> CalendarEvent:
        fields = event_fields(item, self.zone)
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            row = (await repo.by_external_ids(self.user.id, self.name, calendar_id, [item["id"]])).get(item["id"])
            if row is None:
                row = CalendarEvent(user_id=self.user.id, source=self.name, calendar_id=calendar_id,
                                    external_id=item["id"], **fields)
                session.add(row)
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
        return row

    # sync
    @metrics.google_sync_run
    async def sync(self, *, force_full: bool = False) -> SyncResult:
        """Incremental sync from the stored syncToken (all pages); a 410 from Google means a full resync."""
        creds, connection = await self.credentials()
        token = None if force_full else connection.sync_token
        try:
            items, next_token = await self._fetch_all(creds, connection.calendar_id, token)
        except FullSyncRequired:
            log.info("sync token expired for user %s, doing a full sync", self.user.id)
            token = None
            items, next_token = await self._fetch_all(creds, connection.calendar_id, None)
        moved = await self._apply(connection.calendar_id, items, full=token is None, next_token=next_token)
        return SyncResult(synced_count=len(items), full_sync=token is None, changed_step_blocks=moved)

    async def _fetch_all(self, creds: Credentials, calendar_id: str,
                         sync_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        items: list[dict[str, Any]] = []
        page_token = None
        for _ in range(MAX_PAGES):
            page = await self._page(creds, calendar_id, sync_token, page_token)
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page.get("nextSyncToken")
        raise DomainError("GOOGLE_API_ERROR", "Google returned too many pages.", http_status=502)

    async def _page(self, creds: Credentials, calendar_id: str, sync_token: str | None,
                    page_token: str | None) -> dict[str, Any]:
        def fetch(c: Credentials) -> dict[str, Any]:
            return self.api.events_page(c, calendar_id, sync_token=sync_token, page_token=page_token)
        return await self.call(fetch, creds=creds)

    async def _apply(self, calendar_id: str, items: list[dict[str, Any]], *, full: bool,
                     next_token: str | None) -> int:
        """Write the changes to the cache; a block Mechta planned that moved or vanished takes its step along."""
        now = self.clock.now()
        moved = 0
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(self.user.id, for_update=True)
            if connection is None:
                return 0
            existing = await repo.by_external_ids(self.user.id, self.name, calendar_id, [i["id"] for i in items])
            if full:
                seen = {i["id"] for i in items if i.get("status") != "cancelled"}
                for row in await repo.events_between(self.user.id, self.name, calendar_id,
                                                     datetime.min.replace(tzinfo=UTC),
                                                     datetime.max.replace(tzinfo=UTC)):
                    if row.external_id not in seen:
                        moved += await self._follow(session, row, None, now)
                        await session.delete(row)
            for item in items:
                row = existing.get(item["id"])
                if item.get("status") == "cancelled":
                    if row is not None:
                        moved += await self._follow(session, row, None, now)
                        await session.delete(row)
                    continue
                fields = event_fields(item, self.zone)
                if row is None:
                    session.add(CalendarEvent(user_id=self.user.id, source=self.name, calendar_id=calendar_id,
                                              external_id=item["id"], **fields))
                    continue
                if fields["start_at"] != row.start_at:
                    moved += await self._follow(session, row, fields["start_at"], now)
                for name, value in fields.items():
                    setattr(row, name, value)
            connection.sync_token = next_token
            connection.last_sync_at = now
            if full:
                connection.last_full_sync_at = now
        return moved

    async def _follow(self, session, row: CalendarEvent, new_start: datetime | None, now: datetime) -> int:
        if row.step_id is None:
            return 0
        if new_start is None:
            step = await steps_bridge.follow_block(session, self.user.id, row.step_id, now=now, skip=True)
            if step is not None:
                record_notification(session, self.user.id, "step_skipped",
                                    {"step_id": str(step.id), "event_id": str(row.id), "title": step.title}, now)
            return 1 if step is not None else 0
        planned = new_start.astimezone(self.zone).date()
        step = await steps_bridge.follow_block(session, self.user.id, row.step_id, now=now, planned_date=planned)
        if step is not None:
            record_notification(session, self.user.id, "step_moved", {
                "step_id": str(step.id), "event_id": str(row.id), "title": step.title,
                "old_start": row.start_at.isoformat(), "new_start": new_start.isoformat(),
                "planned_date": planned.isoformat()}, now)
        return 1 if step is not None else 0
