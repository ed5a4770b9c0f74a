"""Your data, yours: export everything Mechta holds about a person, or delete the person completely.

The tables come from the schema (core.repositories.personal_data): deletion reaches every table with a foreign-key
path to the user, so a table added later is deleted without anyone remembering to. PERSONAL_TABLES gives each one a
name in the export and the summary, and says which columns are secrets that never leave the server; the tests fail
for a personal table missing there.

Deletion order: one transaction removes every row, then — outside it — the uploaded files, the Google grant (push
channels stopped, then the grant revoked with the token kept in memory) and the Redis keys (dialog state, caches).
The rows go first because they are what the person asked us to forget: when the database fails nothing has changed
and the person can simply try again with a working account, and when Google or Redis fails afterwards the data is
already gone and the summary says what is left to do.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from core.cache import Cache, redis_client
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.errors import BadRequest, Forbidden, NotFound
from core.repositories.calendar import CalendarRepository
from core.repositories.personal_data import USERS_TABLE, PersonalDataRepository
from core.security import verify_password
from core.services.auth import FailureLimiter
from core.services.calendar import CalendarService
from core.services.calendar.ics import build_feed

log = logging.getLogger("mechta.data_rights")

EXPORT_FORMAT = "mechta-export"
EXPORT_VERSION = 1
# Deleting the account without the password needs a sign-in this recent (a refreshed token does not count: it
# proves someone holds a refresh token, not that the person is at the keyboard).
FRESH_SIGN_IN = timedelta(minutes=5)
# aiogram's Redis FSM keys are "<REDIS_PREFIX>fsm:<bot>:<chat>[:<thread>]:<user>:<destiny>:<part>" (bot/storage.py
# builds them; tests/services/test_data_rights.py pins the two together).
FSM_REDIS_PREFIX = "fsm"

GOOGLE_REVOKED = "revoked"
GOOGLE_REVOKE_FAILED = "revoke_failed"
GOOGLE_NOT_CONNECTED = "not_connected"


@dataclass(frozen=True)
class PersonalTable:
    kind: str  # the section in the export and the name in the deletion summary
    secrets: tuple[str, ...] = ()  # columns that never leave the server
    exported: bool = True  # False: the table holds nothing of the person's but secrets


# In the order the export shows them.
PERSONAL_TABLES: dict[str, PersonalTable] = {
    "users": PersonalTable("profile", secrets=("password_hash",)),
    "life_wheel_entries": PersonalTable("life_wheels"),
    "wants_raw": PersonalTable("wants"),
    "wants_analysis": PersonalTable("wants_analyses"),
    "future_story_drafts": PersonalTable("story_drafts"),
    "future_stories": PersonalTable("stories"),
    "visual_assets": PersonalTable("pictures"),
    "goals": PersonalTable("goals"),
    "steps": PersonalTable("steps"),
    "journal_entries": PersonalTable("journal_entries"),
    "weekly_reviews": PersonalTable("weekly_reviews"),
    "ritual_prompt_log": PersonalTable("ritual_prompts", secrets=("claim_token",)),
    "xp_events": PersonalTable("xp_events"),
    "user_achievements": PersonalTable("achievements"),
    "calendar_events": PersonalTable("calendar_events"),
    "google_connections": PersonalTable("calendar_connections",
                                        secrets=("access_token_enc", "refresh_token_enc", "sync_token")),
    "calendar_channels": PersonalTable("calendar_push_channels", secrets=("token_hash",)),
    "calendar_feeds": PersonalTable("calendar_feeds", secrets=("token",)),
    "google_oauth_requests": PersonalTable("calendar_connect_requests", exported=False),
    "calendar_notifications": PersonalTable("notifications"),
    "coach_turns": PersonalTable("coach_conversation"),
    "ai_usage_counters": PersonalTable("ai_usage"),
    "ai_usage_log": PersonalTable("ai_requests"),
    "auth_sessions": PersonalTable("sessions", secrets=("refresh_jti",)),
    "email_verifications": PersonalTable("email_verifications", exported=False),
    "password_resets": PersonalTable("password_resets", exported=False),
    "bot_fsm_states": PersonalTable("dialog_states"),
}
_ORDER = {name: index for index, name in enumerate(PERSONAL_TABLES)}


def personal_table(name: str) -> PersonalTable:
    """The declaration of a table; one added later without a declaration is still deleted, under its own name,
    and exported without its `*_hash`/`*_enc`/`*token*` columns until someone declares it."""
    declared = PERSONAL_TABLES.get(name)
    if declared is not None:
        return declared
    return PersonalTable(name, exported=True)


def _looks_secret(column: str) -> bool:
    return column.endswith(("_hash", "_enc")) or "token" in column or "secret" in column


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a column value."""
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _public(row: dict[str, Any], table: PersonalTable, declared: bool) -> dict[str, Any]:
    return {column: _plain(value) for column, value in row.items()
            if column not in table.secrets and (declared or not _looks_secret(column))}


@dataclass(frozen=True)
class PlannedBlocksCalendar:
    ics: bytes
    count: int


@dataclass(frozen=True)
class DeletionSummary:
    deleted: dict[str, int]  # rows per kind, only kinds that had rows
    files: int
    google: str  # GOOGLE_REVOKED | GOOGLE_REVOKE_FAILED | GOOGLE_NOT_CONNECTED
    leftovers: tuple[str, ...] = field(default=())  # "files", "redis": what could not be cleaned right now

    @property
    def sessions_ended(self) -> int:
        return self.deleted.get(PERSONAL_TABLES["auth_sessions"].kind, 0)


@dataclass(frozen=True)
class _GoogleGrant:
    """What the Google clean-up needs once the rows are gone: the decrypted tokens and the push channels."""

    access_token: str | None
    refresh_token: str | None
    channels: tuple[tuple[str, str], ...]


class DataRightsService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache,
                 calendar: CalendarService) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.password_limiter = FailureLimiter(cache, max_failures=settings.signin_max_failures,
                                               window_seconds=settings.signin_failure_window_seconds)

    # ----- export ----------------------------------------------------------------------------------------------

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Everything held about the person, one section per kind, secrets left out."""
        now = self.clock.now()
        document: dict[str, Any] = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
                                    "exported_at": now.isoformat(), "user_id": str(user_id)}
        async with self.db.read() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            repo = PersonalDataRepository(session, user.id, user.telegram_id)
            tables = sorted(repo.tables(), key=lambda table: (_ORDER.get(table.name, len(_ORDER)), table.name))
            for table in tables:
                spec = personal_table(table.name)
                if not spec.exported:
                    continue
                declared = table.name in PERSONAL_TABLES
                rows = [_public(row, spec, declared) for row in await repo.rows(table)]
                document[spec.kind] = (rows[0] if rows else None) if table.name == USERS_TABLE else rows
        return document

    async def planned_blocks_ics(self, user_id: uuid.UUID) -> PlannedBlocksCalendar:
        """An .ics file of the calendar blocks planned for the person's steps (past and future)."""
        async with self.db.read() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            blocks = await PersonalDataRepository(session, user.id, user.telegram_id).planned_blocks()
        ics = build_feed(blocks, locale=user.locale, time_zone=user.time_zone, now=self.clock.now())
        return PlannedBlocksCalendar(ics=ics, count=len(blocks))

    # ----- deletion --------------------------------------------------------------------------------------------

    async def delete_account(self, user_id: uuid.UUID, *, signed_in_at: datetime, password: str | None) -> \
            DeletionSummary:
        """The API's deletion: proven by the current password, or by a sign-in in the last five minutes (the only
        way for a Telegram account without a password). Wrong passwords count like failed sign-ins."""
        async with self.db.read() as session:
            user = await session.get(User, user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "User not found.")
        if password and user.password_hash:
            limiter_key = f"auth:account-delete-failures:{user_id}"
            await self.password_limiter.ensure_allowed(limiter_key)
            if not await asyncio.to_thread(verify_password, password, user.password_hash):
                await self.password_limiter.record_failure(limiter_key)
                raise BadRequest("AUTH_INVALID_CURRENT_PASSWORD", "The password is wrong.",
                                 fields={"password": ["Wrong password"]})
        elif signed_in_at < self.clock.now() - FRESH_SIGN_IN:
            minutes = int(FRESH_SIGN_IN.total_seconds() // 60)
            how = ("send your password, or sign in again" if user.password_hash else "sign in again")
            raise Forbidden("AUTH_REAUTH_REQUIRED",
                            f"Deleting the account needs proof it is you: {how} and delete within {minutes} minutes.",
                            details={"max_sign_in_age_seconds": int(FRESH_SIGN_IN.total_seconds()),
                                     "password_accepted": bool(user.password_hash)})
        return await self.delete_person(user_id)

    async def delete_person(self, user_id: uuid.UUID) -> DeletionSummary:
        """Forget the person: every row, every file, the Google grant, the dialog state and cached entries.
        A second call (a double press, a parallel request) finds nobody and raises USER_NOT_FOUND."""
        async with self.db.transaction() as session:
            locked = await PersonalDataRepository(session, user_id, None).lock_user()
            if locked is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            telegram_id = locked.telegram_id
            # Read under the lock, so a Google calendar connected a moment ago is revoked too.
            grant = await self._google_grant(session, user_id)
            per_table = await PersonalDataRepository(session, user_id, telegram_id).delete_all()
        await self.db.report_users_changed({user_id})
        deleted: dict[str, int] = {}
        for table, count in per_table.items():
            if count:
                kind = personal_table(table).kind
                deleted[kind] = deleted.get(kind, 0) + count
        log.info("deleted user %s: %s", user_id, deleted)
        leftovers: list[str] = []
        files = await asyncio.to_thread(self._remove_uploads, user_id)
        if files is None:
            leftovers.append("files")
        google = await self._release_google(user_id, grant)
        if not await self._forget_in_redis(user_id, telegram_id):
            leftovers.append("redis")
        return DeletionSummary(deleted=deleted, files=files or 0, google=google, leftovers=tuple(leftovers))

    async def _google_grant(self, session: AsyncSession, user_id: uuid.UUID) -> _GoogleGrant | None:
        repo = CalendarRepository(session)
        connection = await repo.connection(user_id)
        if connection is None:
            return None
        channels = await repo.channels_of(user_id)
        cipher = self.calendar.cipher
        from cryptography.fernet import InvalidToken  # here, not at import: see TokenCipher

        try:
            access = cipher.decrypt(connection.access_token_enc) if connection.access_token_enc else None
            refresh = cipher.decrypt(connection.refresh_token_enc) if connection.refresh_token_enc else None
        except InvalidToken:
            log.warning("cannot decrypt the Google tokens of user %s; they are deleted without a revoke", user_id)
            access = refresh = None
        return _GoogleGrant(access, refresh, tuple((c.channel_id, c.resource_id) for c in channels))

    async def _release_google(self, user_id: uuid.UUID, grant: _GoogleGrant | None) -> str:
        """Stop the push channels, then revoke the grant (in that order: a revoked token cannot stop anything)."""
        if grant is None:
            return GOOGLE_NOT_CONNECTED
        token = grant.refresh_token or grant.access_token
        if token is None:
            return GOOGLE_REVOKE_FAILED
        api = self.calendar.google_api
        credentials = api.credentials(grant.access_token, grant.refresh_token)
        for channel_id, resource_id in grant.channels:
            try:
                await asyncio.to_thread(api.stop, credentials, channel_id, resource_id)
            except Exception as exc:  # an expired or already stopped channel ends by itself
                log.info("could not stop Google channel %s of deleted user %s: %s", channel_id, user_id,
                         type(exc).__name__)
        if await self.calendar.oauth.revoke(token):
            return GOOGLE_REVOKED
        log.warning("Google did not confirm the revoke for deleted user %s", user_id)
        return GOOGLE_REVOKE_FAILED

    def _remove_uploads(self, user_id: uuid.UUID) -> int | None:
        """Files removed from UPLOADS_DIR/<user id>/ (pictures); None when the folder could not be removed."""
        folder = Path(self.settings.uploads_dir) / str(user_id)
        if not folder.exists():
            return 0
        files = sum(1 for path in folder.rglob("*") if path.is_file())
        try:
            shutil.rmtree(folder)
        except OSError:
            log.exception("could not remove the uploads of deleted user %s", user_id)
            return None
        return files

    async def _forget_in_redis(self, user_id: uuid.UUID, telegram_id: int | None) -> bool:
        """Delete the person's cache entries (keys naming their id) and Telegram dialog state. False when Redis
        could not be reached: the keys stay until they expire or an operator removes them (the log says whose)."""
        if not self.settings.redis_url:
            return True
        prefix = self.settings.redis_prefix
        redis = redis_client(self.settings.redis_url, timeout=self.settings.redis_timeout_seconds)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{_glob_escape(prefix)}*{user_id}*", count=500)]
            if telegram_id is not None:
                fsm = f"{prefix}{FSM_REDIS_PREFIX}:"
                async for key in redis.scan_iter(match=f"{_glob_escape(fsm)}*{telegram_id}*", count=500):
                    if _fsm_key_belongs(key.removeprefix(fsm), telegram_id):
                        keys.append(key)
            for start in range(0, len(keys), 500):
                await redis.delete(*keys[start:start + 500])
            return True
        except (RedisError, OSError) as exc:
            log.warning("could not clear Redis keys of deleted user %s (telegram %s): %s", user_id, telegram_id,
                        type(exc).__name__)
            return False
        finally:
            await redis.aclose()


def _fsm_key_belongs(rest: str, telegram_id: int) -> bool:
    """`rest` is "<bot>:<chat>[:<thread>]:<user>:<destiny>:<part>"; the person is the user, or the private chat."""
    parts = rest.split(":")
    if len(parts) not in (5, 6):
        return False
    person = str(telegram_id)
    return parts[-3] == person or parts[1] == person


def _glob_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
