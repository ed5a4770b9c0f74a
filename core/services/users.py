"""Users: profile reads and changes, Telegram users resolved on first contact."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time as monotonic_time
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.db.models.user import LOCALES
from core.errors import NotFound, Unprocessable
from core.repositories.users import UserRepository
from core.services.prompts_delivery import recompute_next_runs

log = logging.getLogger("mechta.users")


@dataclass(frozen=True)
class TelegramProfile:
    telegram_id: int
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language_code: str | None = None


def locale_from_language_code(language_code: str | None) -> str:
    """Russian for ru/uk/be/kk speakers, English for everyone else."""
    code = (language_code or "").split("-")[0].lower()
    return "ru" if code in {"ru", "uk", "be", "kk"} else "en"


def validate_time_zone(name: str) -> str:
    name = (name or "").strip()
    if name.upper() == "UTC":
        return "UTC"
    if name not in _zones():
        raise Unprocessable("USER_INVALID_TIME_ZONE", "Unknown time zone; use an IANA name like Europe/Moscow.",
                            fields={"time_zone": ["Unknown IANA time zone"]})
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable("USER_INVALID_TIME_ZONE", "Unknown time zone.", fields={"time_zone": [str(exc)]}) from exc
    return name


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


# Column lengths of the short text fields that are not 100 characters long (see core/db/models/user.py).
TEXT_FIELD_LENGTHS = {"gender": 20, "life_format": 50}

RITUAL_TIMING_FIELDS = {"time_zone", "morning_time", "evening_time"}

# Fields a user may change on their own profile (bot settings and PUT /me share this list).
PROFILE_FIELDS = {"first_name", "last_name", "display_name", "gender", "life_format", "locale", "time_zone",
                  "date_of_birth", "morning_time", "evening_time"}


# While the replicas' change announcements are heard (`UserChanges`), a change made elsewhere is forgotten at once, and
# a user is kept this long (at least): the lifetime then only bounds a change whose announcement got lost.
ANNOUNCED_SECONDS = 60.0
# People kept at most: about a minute's worth of distinct chats on a busy bot, a few MiB.
RECENT_USERS_MAX = 20_000


class RecentUsers:
    """Users resolved by Telegram id in the last `seconds`: the bot resolves its person on every update, and most
    updates come from people who wrote a moment ago. Any change to a user row made through this process's sessions
    forgets that user at once (`_forget_changed_users` below); a change made by another process shows at once while
    the replicas' announcements are heard (users are then kept `ANNOUNCED_SECONDS`), else within `seconds`. The
    cached objects are detached and shared: read them, change users through the services.

    At most `maxsize` people are kept (the longest kept go first), and forgetting costs the same however
    many are kept: users are found by id through an index, not by a walk over the cache (a walk on every change made
    each new person cost the whole cache, three times: 10,000 new chats took minutes of CPU)."""

    def __init__(self, seconds: float, maxsize: int = RECENT_USERS_MAX) -> None:
        self.seconds = seconds
        self.maxsize = maxsize
        self._by_telegram_id: OrderedDict[int, tuple[float, User]] = OrderedDict()  # oldest put first
        self._telegram_id_of: dict[uuid.UUID, int] = {}
        self.changes: UserChanges | None = None

    def get(self, telegram_id: int) -> User | None:
        entry = self._by_telegram_id.get(telegram_id)
        if entry is None:
            return None
        if entry[0] <= monotonic_time.monotonic():
            self._drop(telegram_id)
            return None
        return entry[1]

    def put(self, user: User) -> None:
        if self.seconds > 0 and user.telegram_id is not None:
            heard = self.changes is not None and self.changes.heard
            lifetime = max(self.seconds, ANNOUNCED_SECONDS) if heard else self.seconds
            self._drop(user.telegram_id)
            if (previous := self._telegram_id_of.get(user.id)) is not None:  # the person's Telegram id changed
                self._drop(previous)
            while len(self._by_telegram_id) >= self.maxsize:
                self._drop(next(iter(self._by_telegram_id)))
            self._by_telegram_id[user.telegram_id] = (monotonic_time.monotonic() + lifetime, user)
            self._telegram_id_of[user.id] = user.telegram_id

    def forget(self, user_ids: set[uuid.UUID], telegram_ids: set[int]) -> None:
        for user_id in user_ids:
            telegram_id = self._telegram_id_of.get(user_id)
            if telegram_id is not None:
                self._drop(telegram_id)
        for telegram_id in telegram_ids:
            self._drop(telegram_id)

    def _drop(self, telegram_id: int) -> None:
        entry = self._by_telegram_id.pop(telegram_id, None)
        if entry is not None and self._telegram_id_of.get(entry[1].id) == telegram_id:
            del self._telegram_id_of[entry[1].id]

    def __len__(self) -> int:
        return len(self._by_telegram_id)

    def clear(self) -> None:
        self._by_telegram_id.clear()
        self._telegram_id_of.clear()

    def changed(self, user_ids: set[uuid.UUID], telegram_ids: set[int] | None) -> None:
        """Forget changed users here and tell the other processes (None: every user may have changed)."""
        if telegram_ids is None:
            self.clear()
        else:
            self.forget(user_ids, telegram_ids)
        if self.changes is not None:
            self.changes.publish(telegram_ids)


class UserChanges:
    """Replicas tell each other which users changed, through Redis pub/sub, so each forgets them at once instead of
    after the cache's lifetime. Publishing never holds up the change; with Redis down, the lifetime is the bound."""

    def __init__(self, redis_url: str, channel: str, recent: RecentUsers) -> None:
        self.redis = Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=5)
        self.channel = channel
        self.recent = recent
        self._listening: asyncio.Task | None = None
        self._publishing: set[asyncio.Task] = set()
        # Subscribed, so other replicas' changes reach this one; what was cached before is not trusted longer.
        self.heard = False

    def publish(self, telegram_ids: set[int] | None) -> None:
        if telegram_ids is not None and not telegram_ids:
            return
        message = "*" if telegram_ids is None else ",".join(map(str, sorted(telegram_ids)))
        with contextlib.suppress(RuntimeError):  # no running loop: a synchronous script, nobody to tell
            task = asyncio.get_running_loop().create_task(self._publish(message))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def _publish(self, message: str) -> None:
        try:
            await self.redis.publish(self.channel, message)
        except Exception as error:  # Redis down: the other replicas' caches expire on their own
            log.warning("could not announce changed users: %s", error)

    def listen(self) -> None:
        if self._listening is None or self._listening.done():
            self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.heard = True
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._apply(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis down: forget everything we may have missed, then retry
                self.heard = False
                log.warning("listening for changed users failed: %s", error)
                self.recent.clear()
                await asyncio.sleep(5)
            finally:
                self.heard = False

    def _apply(self, data: str) -> None:
        if data == "*":
            self.recent.clear()
            return
        telegram_ids = {int(part) for part in data.split(",") if part.strip().lstrip("-").isdigit()}
        self.recent.forget(set(), telegram_ids)

    async def close(self) -> None:
        tasks = [*self._publishing, *([self._listening] if self._listening else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.redis.aclose()


# The RecentUsers of each database engine, so session events find the cache of the container they belong to.
_RECENT_USERS: weakref.WeakKeyDictionary[Engine, RecentUsers] = weakref.WeakKeyDictionary()


def _recent_users_of(session: Session) -> RecentUsers | None:
    bind = session.bind
    return _RECENT_USERS.get(getattr(bind, "engine", bind)) if bind is not None else None


@event.listens_for(Session, "after_flush")
def _forget_flushed_users(session: Session, _flush: UOWTransaction) -> None:
    recent = _recent_users_of(session)
    if recent is None:
        return
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, User)]
    if changed:
        user_ids = {user.id for user in changed}
        telegram_ids = {user.telegram_id for user in changed if user.telegram_id is not None}
        recent.forget(user_ids, telegram_ids)
        # Forgotten again on commit: an update reading the row before this commit may have cached the old one.
        session.info.setdefault("changed_users", []).append((user_ids, telegram_ids))


@event.listens_for(Session, "after_commit")
def _forget_committed_users(session: Session) -> None:
    recent = _recent_users_of(session)
    for user_ids, telegram_ids in session.info.pop("changed_users", []):
        if recent is not None:
            recent.changed(user_ids, telegram_ids)


@event.listens_for(Session, "do_orm_execute")
def _forget_bulk_changed_users(state: ORMExecuteState) -> None:
    # ORM statements (update(User)) and table ones (delete(users) when a person is erased) alike.
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == User.__tablename__:
        recent = _recent_users_of(state.session)
        if recent is not None:
            recent.changed(set(), None)


class UserService:
    def __init__(self, db: Database, clock: Clock, *, cache_seconds: float = 0, redis_url: str = "",
                 redis_prefix: str = "") -> None:
        self.db = db
        self.clock = clock
        self.recent = RecentUsers(cache_seconds)
        if redis_url and cache_seconds > 0:
            self.recent.changes = UserChanges(redis_url, f"{redis_prefix}users:changed", self.recent)
        _RECENT_USERS[db.engine.sync_engine] = self.recent

    async def close(self) -> None:
        if self.recent.changes is not None:
            await self.recent.changes.close()

    async def get(self, user_id: uuid.UUID) -> User:
        async with self.db.read() as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "User not found.")
        return user

    async def resolve_telegram_user(self, profile: TelegramProfile) -> tuple[User, bool]:
        """The Mechta user behind a Telegram account, created on first contact. Returns (user, created).
        A known person costs no write (and, seen a moment ago, no query): only a changed username is written."""
        if self.recent.changes is not None:
            self.recent.changes.listen()  # the other replicas' changes, from the first person on
        user = self.recent.get(profile.telegram_id)
        if user is not None and user.telegram_username == profile.username:
            return user, False
        async with self.db.read() as session:
            user = await UserRepository(session).by_telegram_id(profile.telegram_id)
        if user is not None:
            if user.telegram_username != profile.username:
                async with self.db.transaction() as session:
                    user = await UserRepository(session).get(user.id, for_update=True) or user
                    user.telegram_username = profile.username
            self.recent.put(user)
            return user, False
        try:
            async with self.db.transaction() as session:
                user = UserRepository(session).add(User(
                    telegram_id=profile.telegram_id,
                    telegram_username=profile.username,
                    first_name=(profile.first_name or "")[:100] or None,
                    last_name=(profile.last_name or "")[:100] or None,
                    locale=locale_from_language_code(profile.language_code),
                    created_at=self.clock.now(),
                ))
            self.recent.put(user)
            return user, True
        except IntegrityError:
            # Two updates from a new user raced; the other one created the row.
            async with self.db.read() as session:
                user = await UserRepository(session).by_telegram_id(profile.telegram_id)
            assert user is not None
            return user, False

    async def update_profile(self, user_id: uuid.UUID, changes: dict[str, Any]) -> User:
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise Unprocessable(fields={name: ["This field cannot be changed"] for name in sorted(unknown)})
        cleaned = _validate_profile(changes, today=self.clock.now().date())
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id, for_update=True)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            for name, value in cleaned.items():
                setattr(user, name, value)
            if cleaned.keys() & RITUAL_TIMING_FIELDS:
                # Ritual times are local: a new zone or time moves the next prompts, in this same transaction.
                recompute_next_runs(user, self.clock.now())
        return user

    async def mark_onboarded(self, user_id: uuid.UUID) -> User:
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id, for_update=True)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            if user.onboarded_at is None:
                user.onboarded_at = self.clock.now()
        return user


def _validate_profile(changes: dict[str, Any], *, today: date) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name == "locale":
            if value not in LOCALES:
                errors[name] = [f"Use one of: {', '.join(LOCALES)}"]
                continue
        elif name == "time_zone":
            try:
                value = validate_time_zone(value)
            except Unprocessable:
                errors[name] = ["Unknown IANA time zone"]
                continue
        elif name == "date_of_birth" and value is not None:
            if not isinstance(value, date) or value > today or value.year < today.year - 120:
                errors[name] = ["Date of birth must be a real past date"]
                continue
        elif name in {"morning_time", "evening_time"}:
            if not isinstance(value, time):
                errors[name] = ["Use a time like 07:30"]
                continue
            value = value.replace(second=0, microsecond=0, tzinfo=None)
        elif isinstance(value, str):
            value = value.strip()[:TEXT_FIELD_LENGTHS.get(name, 100)] or None
        cleaned[name] = value
    if errors:
        raise Unprocessable(fields=errors)
    return cleaned
