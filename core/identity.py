"""The identity behind an access token — the user row and their live sessions — cached, so a request that carries a
valid token costs no database query.

Two layers, both keyed by the user: the shared cache (Redis, `auth:identity:<user id>`, `auth_identity_cache_seconds`)
and a small in-process copy in front of it. Whatever can make an identity wrong drops it at once, everywhere:
a revoked session (logout, logout-all, refresh-token reuse, a session closed from the list, a password change or
reset), a committed change to the user row (the `Database` reports changed users after each commit), and the deletion
of the person. Dropping deletes the shared entry and publishes the user id on a Redis channel, on which every
process drops its in-process copy. The in-process layer is used only while that subscription is up (or when there is
no Redis at all, in a single-process setup); otherwise every lookup reads the shared entry, so no process can keep
accepting a revoked session.

Beside each identity the in-process layer keeps a user's companions: values other services derive for that user and
want dropped with the identity, everywhere (the /me usage counters: `recall` and `keep`).

The same channel carries named drops of other in-process copies that are not a user's (the list of life areas):
`on_copy_dropped` registers what to clear, `drop_copy` clears it in every process. Such a copy may be used only while
`hears_drops` holds, like the identities.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from datetime import time as time_of_day
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.types import TypeDecorator

from core.cache import Cache, RedisUnavailable
from core.db.models import AuthSession, User
from core.lru import BoundedDict

log = logging.getLogger("mechta.identity")

CHANNEL = "auth:identity-dropped"
COPY_PREFIX = "copy:"  # a message naming an in-process copy to drop; a user id is a drop of that user's identity
LOCAL_MAX_USERS = 10_000


def identity_key(user_id: uuid.UUID) -> str:
    """Names the user id, so deleting a person's cache entries (data rights) finds it too."""
    return f"auth:identity:{user_id}"


def dropped_key(user_id: uuid.UUID) -> str:
    return f"auth:identity-dropped:{user_id}"


# A lookup that read the database this close before a drop is not cached (clocks of two hosts may differ a little).
CLOCK_MARGIN_SECONDS = 1.0


def _decoder(column) -> Any:
    # A TypeDecorator (UTCDateTime) names no Python type itself: its implementation's is the one stored.
    column_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    if python_type is uuid.UUID:
        return uuid.UUID
    if python_type is datetime:
        return datetime.fromisoformat
    if python_type is date:
        return date.fromisoformat
    if python_type is time_of_day:
        return time_of_day.fromisoformat
    return None


def _columns(model) -> list[tuple[str, Any]]:
    return [(column.key, _decoder(column)) for column in model.__table__.columns]


_USER_COLUMNS = _columns(User)
_SESSION_COLUMNS = _columns(AuthSession)


def _decode(values: dict[str, Any], columns) -> dict[str, Any]:
    return {name: decode(values[name]) if decode is not None and values.get(name) is not None else values.get(name)
            for name, decode in columns}


def _detached(model, values: dict[str, Any]):
    """A fresh row object per request, detached (adding it to a session never INSERTs it again). Built the way
    the ORM builds a loaded row — values straight into its __dict__ — not through the constructor and its events."""
    row = model._sa_class_manager.new_instance()
    row.__dict__.update(values)
    make_transient_to_detached(row)
    return row


class Identity:
    """A user's row and the live sessions seen so far, as plain values (decoded once, shared read-only)."""

    __slots__ = ("sessions", "user")

    def __init__(self, user: dict[str, Any], sessions: dict[str, dict[str, Any]]) -> None:
        self.user = user
        self.sessions = sessions

    def principal_parts(self, session_id: uuid.UUID) -> tuple[User, AuthSession] | None:
        session = self.sessions.get(str(session_id))
        if session is None:
            return None
        return _detached(User, self.user), _detached(AuthSession, session)

    def user_of(self, session_id: uuid.UUID) -> User | None:
        """The user alone, when the session is live: for a request that needs no session object."""
        return _detached(User, self.user) if str(session_id) in self.sessions else None

    def dump(self) -> dict[str, Any]:
        return {"user": _encode_values(self.user, _USER_COLUMNS),
                "sessions": {sid: _encode_values(values, _SESSION_COLUMNS) for sid, values in self.sessions.items()}}

    @classmethod
    def load(cls, raw: Any) -> Identity | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("user"), dict) or not isinstance(raw.get("sessions"),
                                                                                                 dict):
            return None
        try:
            return cls(_decode(raw["user"], _USER_COLUMNS),
                       {sid: _decode(values, _SESSION_COLUMNS) for sid, values in raw["sessions"].items()})
        except (KeyError, TypeError, ValueError):
            return None


def _encode_values(values: dict[str, Any], columns) -> dict[str, Any]:
    return {name: (str(value) if isinstance(value, uuid.UUID)
                   else value.isoformat() if isinstance(value, datetime | date | time_of_day) else value)
            for name, value in ((name, values.get(name)) for name, _ in columns)}


def identity_of(user: User, session: AuthSession) -> Identity:
    return Identity({name: getattr(user, name) for name, _ in _USER_COLUMNS},
                    {str(session.id): {name: getattr(session, name) for name, _ in _SESSION_COLUMNS}})


class IdentityCache:
    def __init__(self, cache: Cache, *, ttl_seconds: int, redis_url: str = "", redis_prefix: str = "") -> None:
        self.cache = cache
        self.ttl = ttl_seconds
        self.redis_url = redis_url
        self.channel = redis_prefix + CHANNEL
        self._local: BoundedDict[uuid.UUID, tuple[float, Identity]] = BoundedDict(LOCAL_MAX_USERS)
        # user id → {name: (time.monotonic() it expires, value)}: the companions, dropped with the identity
        self._companions: BoundedDict[uuid.UUID, dict[str, tuple[float, Any]]] = BoundedDict(LOCAL_MAX_USERS)
        # user id → time.time() of the last drop
        self._dropped: BoundedDict[uuid.UUID, float] = BoundedDict(LOCAL_MAX_USERS)
        # Without Redis there is no other process to tell: the in-process layer is the only one.
        self._subscribed = not redis_url
        self._listener: asyncio.Task | None = None
        self._publisher: Redis | None = None
        self._copy_droppers: dict[str, list[Callable[[], None]]] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    # ---- lookups --------------------------------------------------------------------------------------------------

    @property
    def _blind(self) -> bool:
        """This process listens for drops but cannot hear them now (Redis unreachable, or not subscribed yet): a
        copy anywhere, even the cache's in-memory fallback, might miss a revocation, so nothing cached is used."""
        return self._listener is not None and not self._subscribed

    async def get(self, user_id: uuid.UUID) -> Identity | None:
        if not self.enabled or self._blind:
            return None
        if self._subscribed:
            item = self._local.get(user_id)
            if item is not None and item[0] > time.monotonic():
                return item[1]
        if not self.redis_url:
            return None
        try:
            identity = Identity.load(await self.cache.get_json(identity_key(user_id)))
        except (RedisError, OSError, ValueError):
            return None
        if identity is not None:
            self._remember(user_id, identity)
        return identity

    async def put(self, user_id: uuid.UUID, identity: Identity, *, checked_at: float,
                  known: Identity | None = None) -> None:
        """Store an identity the database showed at `checked_at` (time.time() before the read), keeping the other
        live sessions already known. Not stored when the user's identity was dropped since: the read may predate
        the revocation that caused the drop."""
        if not self.enabled or self._blind:
            return
        if known is not None:
            identity = Identity(identity.user, {**known.sessions, **identity.sessions})
        if self._dropped.get(user_id, 0.0) >= checked_at - CLOCK_MARGIN_SECONDS:
            return
        if self.redis_url:
            try:
                dropped = await self.cache.get_json(dropped_key(user_id))
                if isinstance(dropped, int | float) and dropped >= checked_at - CLOCK_MARGIN_SECONDS:
                    return
                await self.cache.set_json(identity_key(user_id), identity.dump(), self.ttl)
            except (RedisError, OSError) as error:
                log.warning("could not cache the identity of user %s (%s)", user_id, type(error).__name__)
                return
        self._remember(user_id, identity)

    def _remember(self, user_id: uuid.UUID, identity: Identity) -> None:
        if not self._subscribed:
            return
        self._local[user_id] = (time.monotonic() + self.ttl, identity)

    # ---- companions -------------------------------------------------------------------------------------------------

    def recall(self, user_id: uuid.UUID, name: str) -> Any | None:
        """A companion kept in this process, while it can hear drops; None when there is none (or it expired)."""
        if not self.enabled or not self._subscribed:
            return None
        item = self._companions.get(user_id, {}).get(name)
        return item[1] if item is not None and item[0] > time.monotonic() else None

    def keep(self, user_id: uuid.UUID, name: str, value: Any, *, checked_at: float, ttl_seconds: float) -> None:
        """Keep a companion read at `checked_at` (time.time() before the read) in this process, for `ttl_seconds`.
        Not kept when the user's identity was dropped since: the read may predate the change that caused the drop.
        Whatever changes a companion's source calls `forget` for the user after committing."""
        if not self.enabled or not self._subscribed:
            return
        if self._dropped.get(user_id, 0.0) >= checked_at - CLOCK_MARGIN_SECONDS:
            return
        companions = self._companions.get(user_id)
        if companions is None:
            companions = self._companions[user_id] = {}
        companions[name] = (time.monotonic() + ttl_seconds, value)

    def _drop_locally(self, user_id: uuid.UUID, at: float) -> None:
        self._local.pop(user_id, None)
        self._companions.pop(user_id, None)
        self._dropped[user_id] = at

    # ---- invalidation ---------------------------------------------------------------------------------------------

    async def forget(self, user_ids: Iterable[uuid.UUID]) -> None:
        """Drop the users' identities in this process, in the shared cache and (by a message) in every process."""
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return
        now = time.time()
        for user_id in ids:
            self._drop_locally(user_id, now)
        if not self.redis_url:
            return
        try:
            for user_id in ids:
                await self.cache.set_json(dropped_key(user_id), now, self.ttl + 1)
            await self.cache.delete(*(identity_key(user_id) for user_id in ids))
            for user_id in ids:
                await self._publish(str(user_id))
        except (RedisError, OSError, RedisUnavailable) as error:
            # The caller's change is committed: failing it now would help nobody. Local copies elsewhere expire
            # within the TTL; the shared entry may too, if the delete itself failed. Redis being away is expected
            # (the breaker logged the outage once): one line, no traceback, per request.
            log.warning("could not drop the cached identities of %s (%s); other processes' copies expire within %ss",
                        ids, type(error).__name__, self.ttl)

    async def _publish(self, message: str) -> None:
        resilient = getattr(self.cache, "resilient", None)
        if resilient is not None:
            # Through the cache's circuit breaker: a hanging Redis must not hold up the caller's request.
            await resilient.call(lambda redis: redis.publish(self.channel, message))
        else:
            publisher = self._publisher or Redis.from_url(self.redis_url, decode_responses=True,
                                                          socket_timeout=5, socket_connect_timeout=5)
            self._publisher = publisher
            await publisher.publish(self.channel, message)

    # ---- other in-process copies ------------------------------------------------------------------------------------

    @property
    def hears_drops(self) -> bool:
        """Whether an in-process copy can be trusted now: this process hears every drop (or is the only one)."""
        return self._subscribed

    def on_copy_dropped(self, name: str, drop: Callable[[], None]) -> None:
        """Call `drop` whenever the copy `name` is dropped, in this process or another, or drops may have been
        missed."""
        self._copy_droppers.setdefault(name, []).append(drop)

    async def drop_copy(self, name: str) -> None:
        """Drop the in-process copies called `name` here and (by a message) in every process. After the source
        changed and its shared cache entry is gone, as `forget`."""
        self._drop_copy_locally(name)
        if not self.redis_url:
            return
        try:
            await self._publish(COPY_PREFIX + name)
        except (RedisError, OSError, RedisUnavailable) as error:
            log.warning("could not drop the in-process copies of %s elsewhere (%s)", name, type(error).__name__)

    def _drop_copy_locally(self, name: str) -> None:
        for drop in self._copy_droppers.get(name, ()):
            drop()

    def _drop_every_copy_locally(self) -> None:
        for name in self._copy_droppers:
            self._drop_copy_locally(name)

    # ---- the subscription that keeps in-process copies honest ------------------------------------------------------

    def start(self) -> None:
        """Listen for dropped identities (a long-running process calls this once its loop runs)."""
        if self.redis_url and self.enabled and self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="identity-cache-listener")

    async def _listen(self) -> None:
        while True:
            client = Redis.from_url(self.redis_url, decode_responses=True, socket_connect_timeout=5,
                                    health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed = True
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None or message.get("type") != "message":
                        continue
                    data = message["data"]
                    if data.startswith(COPY_PREFIX):
                        self._drop_copy_locally(data.removeprefix(COPY_PREFIX))
                    else:
                        with contextlib.suppress(ValueError):
                            self._drop_locally(uuid.UUID(data), time.time())
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):
                log.warning("the identity cache lost its Redis subscription; retrying", exc_info=True)
            finally:
                # Messages may have been missed: nothing local can be trusted until subscribed again.
                self._subscribed = False
                self._local.clear()
                self._companions.clear()
                self._drop_every_copy_locally()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(1)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.aclose()
            self._publisher = None
