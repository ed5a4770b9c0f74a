"""Ritual prompt delivery: who is due, claiming them exactly once, sending outside the transaction, recording it.

How a prompt travels
--------------------
Every user with a Telegram chat carries `next_morning_at` / `next_evening_at`: the UTC instant of the next local
occurrence (core/services/schedule.py). A scheduler tick repeats `claim_batch` → `send_claimed` until nothing is due:

1. **Claim** (one short transaction). Re-deliveries first — `ritual_prompt_log` rows that are `snoozed`/`retry`
   with `due_at <= now`, or `claimed` longer ago than the lease —, then users with `next_<kind>_at <= now`, each with
   `FOR UPDATE SKIP LOCKED LIMIT batch` on PostgreSQL (SQLite starts every transaction with BEGIN IMMEDIATE, so a
   claim holds the only write lock and the semantics are the same). For each due user the occurrence owed is the
   latest one at or before now under the user's *current* zone and time; it gets a log row, unique on
   (user, kind, local_date), inserted with ON CONFLICT DO NOTHING, and `next_<kind>_at` advances past now in the same
   transaction. The row's status is decided right there: `claimed` (to send), `skipped_late` (more than
   `ritual_grace_minutes` late: the process was down — no prompt at 3 a.m.), or `skipped_user` (paused until a date
   ≥ that local date, a quiet weekday, or a "skip today" row already present). On the user's weekly review weekday
   the evening occurrence also owes a `weekly` prompt, sent right after the evening one.
2. **Send** outside any transaction, through the `PromptSender` port, at most `telegram_send_rate` messages per
   second across all processes (the adapter's limiter).
3. **Record** each outcome in its own tiny transaction, fenced by the claim's random `claim_token`: `sent`;
   `retry` with a later `due_at` (Telegram's RetryAfter, a network error); `failed` (the message was refused, the
   user blocked the bot — which also sets `users.bot_blocked_at` and stops their prompts —, or the third attempt).

Why nothing is sent twice and nothing is lost
---------------------------------------------
* Two schedulers: SKIP LOCKED hands them disjoint users; even if both saw the same user, only one INSERT of
  (user, kind, local_date) succeeds and only the inserter sends. Re-delivery rows are claimed under a row lock and
  get a fresh claim token, so a late outcome from an earlier claimer changes nothing.
* A crash after the claim and before the send leaves the row `claimed`; once it is older than the lease
  (`scheduler_claim_lease_seconds`, 2 min) any tick claims it again (attempt + 1) and sends it, unless it is by then
  past the grace period. A live claimer never holds a row that long: each send is cut off at half the lease, and a
  batch is claimed only when it is about to be sent.
* What no database can close is a crash in the few milliseconds between Telegram accepting the message and the
  `sent` commit (the Bot API has no idempotency key): that prompt is sent again after the lease. A send that times
  out after Telegram accepted it is the same case. Everything else is exactly once.

Changing the zone or a ritual time must call `recompute_next_runs(user, now)` in the same transaction. The tick also
heals on its own: users without `next_*_at` get them, and a stored instant that no longer matches the user's
settings is never delivered (the owed occurrence is always computed from the current settings).
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import String, and_, bindparam, cast, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.clock import Clock
from core.config import Settings
from core.db.base import utcnow
from core.db.engine import Database
from core.db.models import RitualPromptLog, User
from core.db.models.scheduling import CLAIMED, PROMPT_KINDS, WAITING
from core.errors import Conflict, NotFound, Unprocessable
from core.services.schedule import (
    local_date_of,
    next_occurrence,
    occurrence_on,
    previous_occurrence,
    zone_named,
)

log = logging.getLogger("mechta.prompts")

SCHEDULED_KINDS = ("morning", "evening")
WEEKLY = "weekly"
SNOOZE_DELAY = timedelta(minutes=30)
# A snooze button on a prompt older than this is stale (the day has moved on).
SNOOZE_WINDOW = timedelta(hours=24)
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=1)


class RecipientBlocked(Exception):
    """The user blocked the bot (Telegram answered 403): stop prompting them."""


class RetryAfter(Exception):
    """Telegram asked to wait before sending again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class PromptRejected(Exception):
    """Telegram refused this message for good (bad request, chat not found): retrying would not help."""


class PromptSender(Protocol):
    """The port the scheduler sends through; scheduler/telegram_sender.py is the Telegram adapter."""

    async def send(self, user: User, kind: str, local_date: date) -> None: ...


@dataclass(frozen=True)
class Delivery:
    log_id: uuid.UUID
    claim_token: uuid.UUID
    attempt: int
    user_id: uuid.UUID
    kind: str
    local_date: date
    # The full row the sender renders from; a claim leaves it out (its transaction holds row locks, and loading
    # whole users there was most of its time), `send_claimed` loads it in one read just before sending.
    user: User | None = None


@dataclass
class DeliveryReport:
    """What one or more batches did; shown in the scheduler's heartbeat."""

    scheduled: int = 0       # users whose missing next_*_at were computed
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    skipped_late: int = 0
    skipped_user: int = 0
    already_handled: int = 0  # the (user, kind, local date) row existed: another claimer or "skip today" was first
    rescheduled: int = 0      # a stored next run no longer matched the user's settings: moved, nothing owed

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def recompute_next_runs(user: User, now: datetime) -> None:
    """Set the user's next morning and evening instants after `now` from their current zone and ritual times.

    Call it inside the transaction that changes `time_zone`, `morning_time` or `evening_time`.
    """
    zone = _zone(user)
    for kind in SCHEDULED_KINDS:
        setattr(user, _next_attr(kind), next_occurrence(_local_time(user, kind), zone, now))


class PromptDeliveryService:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.batch_size = settings.scheduler_batch_size
        self.lease = timedelta(seconds=settings.scheduler_claim_lease_seconds)
        self.grace = timedelta(minutes=settings.ritual_grace_minutes)
        self.send_timeout = self.lease.total_seconds() / 2
        self.send_concurrency = max(1, int(settings.telegram_send_rate))

    # ---- the tick -------------------------------------------------------------------------------------------------

    async def deliver_due(self, sender: PromptSender, *, stop: asyncio.Event | None = None,
                          on_batch: Callable[[DeliveryReport], Awaitable[None]] | None = None) -> DeliveryReport:
        """Schedule users without next runs, then claim and send batches until nothing is due (or `stop` is set)."""
        report = DeliveryReport()
        report.scheduled = await self.schedule_missing()
        while stop is None or not stop.is_set():
            deliveries, processed = await self.claim_batch(report)
            if not processed:
                break
            await self.send_claimed(sender, deliveries, report)
            if on_batch is not None:
                await on_batch(report)
        return report

    async def schedule_missing(self) -> int:
        """Compute next runs for reachable users that have none (new users, users back after blocking the bot)."""
        total = 0
        while True:
            now = self.clock.now()
            async with self.db.transaction() as session:
                users = (await session.scalars(
                    select(User)
                    .where(or_(User.next_morning_at.is_(None), User.next_evening_at.is_(None)), *_reachable())
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )).all()
                for user in users:
                    for kind in SCHEDULED_KINDS:
                        if getattr(user, _next_attr(kind)) is None:
                            setattr(user, _next_attr(kind), next_occurrence(_local_time(user, kind), _zone(user), now))
            total += len(users)
            if len(users) < self.batch_size:
                return total

    async def claim_batch(self, report: DeliveryReport | None = None) -> tuple[list[Delivery], int]:
        """Claim up to one batch of due prompts. Returns (prompts to send now, rows and users processed)."""
        report = report if report is not None else DeliveryReport()
        now = self.clock.now()
        deliveries: list[Delivery] = []
        async with self.db.transaction() as session:
            if session.bind.dialect.name == "postgresql":
                await session.execute(_WALK_INDEXES_IN_ORDER)
            processed = await self._claim_redeliveries(session, now, self.batch_size, deliveries, report)
            for kind in SCHEDULED_KINDS:
                if processed >= self.batch_size:
                    break
                processed += await self._claim_due_users(session, kind, now, self.batch_size - processed,
                                                         deliveries, report)
        report.claimed += len(deliveries)
        return deliveries, processed

    async def send_claimed(self, sender: PromptSender, deliveries: Iterable[Delivery],
                           report: DeliveryReport | None = None) -> DeliveryReport:
        """Send claimed prompts (a user's prompts in order, users concurrently) and record each outcome."""
        report = report if report is not None else DeliveryReport()
        deliveries = await self._with_users(list(deliveries), report)
        by_user: dict[uuid.UUID, list[Delivery]] = {}
        for delivery in deliveries:
            by_user.setdefault(delivery.user_id, []).append(delivery)
        gate = asyncio.Semaphore(self.send_concurrency)

        async def send_group(group: list[Delivery]) -> None:
            async with gate:
                for index, delivery in enumerate(group):
                    outcome = await self._deliver_one(sender, delivery)
                    _count(report, outcome)
                    if outcome == "blocked":
                        for rest in group[index + 1:]:
                            await self._finish(rest, "failed", detail="the user blocked the bot")
                            _count(report, "failed")
                        return

        await asyncio.gather(*(send_group(group) for group in by_user.values()))
        return report

    async def _with_users(self, deliveries: list[Delivery], report: DeliveryReport) -> list[Delivery]:
        """Attach the full user rows (one read). A user deleted since the claim gets nothing (their log rows went
        with them)."""
        missing = {delivery.user_id for delivery in deliveries if delivery.user is None}
        if not missing:
            return deliveries
        async with self.db.read() as session:
            users = {user.id: user for user in (await session.scalars(
                select(User).where(User.id.in_(missing)))).all()}
        ready = []
        for delivery in deliveries:
            user = delivery.user or users.get(delivery.user_id)
            if user is None:
                log.info("the %s prompt of user %s is not sent: the user was deleted", delivery.kind,
                         delivery.user_id)
                _count(report, "failed")
            else:
                ready.append(replace(delivery, user=user))
        return ready

    # ---- the user's side: snooze, skip today, pause, quiet weekdays, blocked --------------------------------------

    async def snooze(self, user_id: uuid.UUID, kind: str, *, local_date: date | None = None) -> datetime:
        """Deliver a prompt again in 30 minutes (the latest one of that kind, or the one of `local_date`).

        The prompt keeps its local date, so answering it still counts for that day and the send log stays unique.
        """
        _check_kind(kind)
        now = self.clock.now()
        async with self.db.transaction() as session:
            stmt = select(RitualPromptLog).where(RitualPromptLog.user_id == user_id, RitualPromptLog.kind == kind)
            if local_date is not None:
                stmt = stmt.where(RitualPromptLog.local_date == local_date)
            row = (await session.scalars(
                stmt.order_by(RitualPromptLog.local_date.desc()).limit(1).with_for_update()
            )).first()
            if row is None:
                raise NotFound("RITUALS_PROMPT_NOT_FOUND", "There is no such ritual prompt.")
            if row.status not in ("sent", "snoozed"):
                raise Conflict("RITUALS_PROMPT_NOT_SNOOZABLE", "This prompt was skipped or is not delivered yet.",
                               details={"status": row.status})
            if now - row.scheduled_at > SNOOZE_WINDOW:
                raise Conflict("RITUALS_PROMPT_EXPIRED", "This prompt is from an earlier day.")
            row.status = "snoozed"
            row.due_at = now + SNOOZE_DELAY
            row.snoozes += 1
            row.attempt = 0
            row.claim_token = None
            row.detail = None
        return row.due_at

    async def skip_today(self, user_id: uuid.UUID, kind: str, *, local_date: date | None = None) -> str:
        """No (more) prompt of this kind for the user's local today (or `local_date`). Returns the row's status:
        `skipped_user`, or `sent` when it had already been delivered (a pending snooze is cancelled either way)."""
        _check_kind(kind)
        now = self.clock.now()
        async with self.db.transaction() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            zone = _zone(user)
            day = local_date or now.astimezone(zone).date()
            when = occurrence_on(day, _local_time(user, kind), zone)
            inserted = await _insert_rows(session, [_new_row(user.id, kind, day, when, "skipped_user",
                                                             "skipped by the user", now)])
            if inserted:
                return "skipped_user"
            row = (await session.scalars(
                select(RitualPromptLog)
                .where(RitualPromptLog.user_id == user_id, RitualPromptLog.kind == kind,
                       RitualPromptLog.local_date == day)
                .with_for_update()
            )).one()
            if row.status in ("snoozed", "retry"):
                row.status = "skipped_user"
                row.detail = "skipped by the user"
            return row.status

    async def pause(self, user_id: uuid.UUID, until: date | None) -> User:
        """No prompts up to and including local date `until`; None resumes them."""
        async with self.db.transaction() as session:
            user = await _user_for_update(session, user_id)
            if until is not None and until < self.clock.now().astimezone(_zone(user)).date():
                raise Unprocessable(fields={"rituals_paused_until": ["The pause must end today or later"]})
            user.rituals_paused_until = until
        return user

    async def set_quiet_weekdays(self, user_id: uuid.UUID, weekdays: Iterable[int]) -> User:
        """Local weekdays without prompts, 0 = Monday … 6 = Sunday."""
        values = list(weekdays)
        if any(not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in values):
            raise Unprocessable(fields={"quiet_weekdays": ["Use weekday numbers from 0 (Monday) to 6 (Sunday)"]})
        async with self.db.transaction() as session:
            user = await _user_for_update(session, user_id)
            user.quiet_weekdays = sorted(set(values))
        return user

    async def set_bot_blocked(self, user_id: uuid.UUID, blocked: bool) -> User:
        """Telegram told us the user blocked (or unblocked) the bot; prompts stop (or resume from now on)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            user = await _user_for_update(session, user_id)
            if blocked:
                user.bot_blocked_at = user.bot_blocked_at or now
            elif user.bot_blocked_at is not None:
                user.bot_blocked_at = None
                recompute_next_runs(user, now)
        return user

    # ---- claiming -------------------------------------------------------------------------------------------------

    async def _claim_redeliveries(self, session: AsyncSession, now: datetime, limit: int,
                                  deliveries: list[Delivery], report: DeliveryReport) -> int:
        # Two reads, each walking its partial index (its condition spelled out, so a prepared plan can use it):
        # snoozes and retries by due time, then stale claims.
        rows: list = []
        for due, order in (
            (and_(text(WAITING), RitualPromptLog.due_at <= now), RitualPromptLog.due_at),
            (and_(text(CLAIMED), RitualPromptLog.claimed_at <= now - self.lease), RitualPromptLog.claimed_at),
        ):
            if len(rows) >= limit:
                break
            rows += (await session.execute(
                select(RitualPromptLog, User)
                .join(User, User.id == RitualPromptLog.user_id)
                .where(due)
                .order_by(order)
                .limit(limit - len(rows))
                .with_for_update(skip_locked=True, of=RitualPromptLog)
            )).all()
        for row, user in rows:
            if not user.is_active or user.bot_blocked_at is not None or user.telegram_id is None:
                row.status, row.detail = "skipped_user", "the user cannot receive prompts"
                report.skipped_user += 1
            elif row.attempt >= MAX_ATTEMPTS:
                row.status, row.detail = "failed", f"gave up after {row.attempt} attempts"
                report.failed += 1
            elif now - row.due_at > self.grace:
                row.status, row.detail = "skipped_late", _lateness(now - row.due_at)
                report.skipped_late += 1
            else:
                row.status, row.claimed_at, row.claim_token = "claimed", now, uuid.uuid4()
                row.attempt += 1
                deliveries.append(Delivery(row.id, row.claim_token, row.attempt, user.id, row.kind, row.local_date,
                                           user))
        return len(rows)

    async def _claim_due_users(self, session: AsyncSession, kind: str, now: datetime, limit: int,
                               deliveries: list[Delivery], report: DeliveryReport) -> int:
        """Claim due users of one kind: only the columns the decision needs, the occurrence math once per
        (zone, local time) in the batch, one UPDATE advancing everyone and one INSERT of the log rows."""
        users = User.__table__.c
        next_at = users[_next_attr(kind)]
        due = (await session.execute(
            # Quiet weekdays as their JSON text: almost always "[]", parsed only when there is something in it.
            select(users.id, users.time_zone, users.morning_time if kind == "morning" else users.evening_time,
                   next_at, users.rituals_paused_until, cast(users.quiet_weekdays, String),
                   users.weekly_review_weekday)
            .where(next_at <= now, users.is_active.is_(True), users.bot_blocked_at.is_(None),
                   users.telegram_id.is_not(None))
            .order_by(next_at).limit(limit)
            .with_for_update(skip_locked=True)
        )).all()
        if not due:
            return 0
        occurrences: dict[tuple[str, time], _Occurrence] = {}
        outcomes: Counter[tuple[str, float]] = Counter()
        owed_rows: list[_OwedRow] = []
        advanced: list[tuple[uuid.UUID, datetime]] = []
        for user_id, zone_name, local_time, stored, paused_until, quiet_weekdays, review_weekday in due:
            occurrence = occurrences.get((zone_name, local_time))
            if occurrence is None:
                occurrence = occurrences[(zone_name, local_time)] = self._occurrence(
                    _zone_named_or_utc(zone_name, user_id), local_time, now)
            advanced.append((user_id, occurrence.next))
            if occurrence.owed < stored:
                # The stored instant was computed under other settings and the new time has not come yet today.
                report.rescheduled += 1
                continue
            day = occurrence.day
            status, detail = occurrence.late or _user_verdict(paused_until, _weekdays(quiet_weekdays), day)
            outcomes[(status, occurrence.lag_seconds)] += 1
            kinds = [kind, WEEKLY] if kind == "evening" and day.weekday() == review_weekday else [kind]
            for owed_kind in kinds:
                owed_rows.append((user_id, owed_kind, day, occurrence.owed, status, detail))
        for (status, lag_seconds), count in outcomes.items():
            metrics.prompt_outcome(kind, status, lag_seconds=lag_seconds, count=count)
        inserted = await _advance_and_log(session, _next_attr(kind), advanced, owed_rows, now)
        report.already_handled += len(owed_rows) - len(inserted)
        for log_id, claim_token, user_id, owed_kind, day, status in inserted:
            if status == "claimed":
                deliveries.append(Delivery(log_id, claim_token, 1, user_id, owed_kind, day))
            else:
                setattr(report, status, getattr(report, status) + 1)
        return len(due)

    def _occurrence(self, zone: ZoneInfo, local_time: time, now: datetime) -> _Occurrence:
        owed = previous_occurrence(local_time, zone, now)
        lateness = now - owed
        late = ("skipped_late", _lateness(lateness)) if lateness > self.grace else None
        return _Occurrence(owed=owed, next=next_occurrence(local_time, zone, now), day=local_date_of(owed, zone),
                           late=late, lag_seconds=lateness.total_seconds())


    # ---- sending and recording ------------------------------------------------------------------------------------

    async def _deliver_one(self, sender: PromptSender, delivery: Delivery) -> str:
        try:
            async with asyncio.timeout(self.send_timeout):
                await sender.send(delivery.user, delivery.kind, delivery.local_date)
        except RecipientBlocked:
            await self._finish(delivery, "failed", detail="the user blocked the bot", block_user=True)
            return "blocked"
        except RetryAfter as exc:
            return await self._retry_later(delivery, timedelta(seconds=exc.seconds), "Telegram asked to retry later")
        except PromptRejected as exc:
            await self._finish(delivery, "failed", detail=str(exc))
            return "failed"
        except Exception as exc:  # the network, Telegram's 5xx, a renderer bug: try again later
            log.warning("sending the %s prompt to user %s failed: %r", delivery.kind, delivery.user_id, exc)
            return await self._retry_later(delivery, RETRY_DELAY, type(exc).__name__)
        await self._finish(delivery, "sent")
        return "sent"

    async def _retry_later(self, delivery: Delivery, delay: timedelta, reason: str) -> str:
        if delivery.attempt >= MAX_ATTEMPTS:
            await self._finish(delivery, "failed", detail=f"{reason}; gave up after {delivery.attempt} attempts")
            return "failed"
        await self._finish(delivery, "retry", detail=reason, due_at=self.clock.now() + delay)
        return "retried"

    async def _finish(self, delivery: Delivery, status: str, *, detail: str | None = None,
                      due_at: datetime | None = None, block_user: bool = False) -> None:
        now = self.clock.now()
        metrics.prompt_outcome(delivery.kind, status)
        values: dict[str, Any] = {"status": status, "detail": detail[:200] if detail else None,
                                  "claim_token": None, "updated_at": now}
        if status == "sent":
            values["sent_at"] = now
        if due_at is not None:
            values["due_at"] = due_at
        async with self.db.transaction() as session:
            result = await session.execute(
                update(RitualPromptLog)
                .where(RitualPromptLog.id == delivery.log_id, RitualPromptLog.claim_token == delivery.claim_token)
                .values(**values)
            )
            if block_user:
                await session.execute(
                    update(User).where(User.id == delivery.user_id, User.bot_blocked_at.is_(None))
                    .values(bot_blocked_at=now)
                )
        if result.rowcount == 0:
            log.warning("the %s prompt of user %s was claimed again before its outcome (%s) was recorded",
                        delivery.kind, delivery.user_id, status)


@dataclass(frozen=True)
class _Occurrence:
    """One (zone, local time)'s answer for a claim: shared by every due user with those settings."""

    owed: datetime
    next: datetime
    day: date
    late: tuple[str, str] | None
    lag_seconds: float


# A claim reads the rows it is about to lock in index order and stops after one batch. Right after a bulk load, or
# at the minute that 100 000 users come due, the statistics still say few rows are due, and the planner would read
# and sort every due row for each batch (seconds per batch at that size); these two settings last one transaction.
_WALK_INDEXES_IN_ORDER = text("SELECT set_config('enable_seqscan', 'off', true), "
                              "set_config('enable_bitmapscan', 'off', true)")


def _weekdays(stored: str | None) -> list[int]:
    return [] if stored in (None, "[]") else json.loads(stored)


def _user_verdict(paused_until: date | None, quiet_weekdays: list[int] | None, day: date) -> tuple[str, str | None]:
    if paused_until is not None and paused_until >= day:
        return "skipped_user", "paused"
    if day.weekday() in (quiet_weekdays or ()):
        return "skipped_user", "quiet weekday"
    return "claimed", None


async def _advance(session: AsyncSession, column: str, advanced: list[tuple[uuid.UUID, datetime]]) -> None:
    """Move each user's next run of one kind (SQLite: an executemany; PostgreSQL does it in `_advance_and_log`)."""
    users_table = User.__table__
    await session.execute(
        update(users_table).where(users_table.c.id == bindparam("advanced_id"))
        .values({users_table.c[column]: bindparam("advanced_to")}),
        [{"advanced_id": user_id, "advanced_to": instant} for user_id, instant in advanced],
    )


def _count(report: DeliveryReport, outcome: str) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)


def _reachable() -> tuple:
    return User.is_active.is_(True), User.bot_blocked_at.is_(None), User.telegram_id.is_not(None)


def _next_attr(kind: str) -> str:
    return f"next_{kind}_at"


def _local_time(user: User, kind: str) -> time:
    """The wall-clock time of a prompt kind: the weekly review comes with the evening prompt."""
    return user.morning_time if kind == "morning" else user.evening_time


def _zone(user: User) -> ZoneInfo:
    return _zone_named_or_utc(user.time_zone, user.id)


def _zone_named_or_utc(name: str, user_id: uuid.UUID) -> ZoneInfo:
    try:
        return zone_named(name)
    except (ZoneInfoNotFoundError, ValueError):
        # Zones are validated on write; one that later vanished from tzdata must not stop everyone's prompts.
        log.warning("user %s has an unknown time zone %r; using UTC", user_id, name)
        return zone_named("UTC")


def _check_kind(kind: str) -> None:
    if kind not in PROMPT_KINDS:
        raise Unprocessable(fields={"kind": [f"Use one of: {', '.join(PROMPT_KINDS)}"]})


def _lateness(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min late"


def _new_row(user_id: uuid.UUID, kind: str, day: date, owed: datetime, status: str, detail: str | None,
             now: datetime) -> dict[str, Any]:
    claimed = status == "claimed"
    return {
        "id": uuid.uuid4(), "user_id": user_id, "kind": kind, "local_date": day, "status": status,
        "scheduled_at": owed, "due_at": owed, "claimed_at": now if claimed else None,
        "claim_token": uuid.uuid4() if claimed else None, "sent_at": None, "attempt": 1 if claimed else 0,
        "snoozes": 0, "detail": detail, "created_at": now, "updated_at": now,
    }


_LOG_COLUMNS = (("id", "uuid"), ("user_id", "uuid"), ("kind", "varchar"), ("local_date", "date"),
                ("status", "varchar"), ("scheduled_at", "timestamptz"), ("due_at", "timestamptz"),
                ("claimed_at", "timestamptz"), ("claim_token", "uuid"), ("sent_at", "timestamptz"), ("attempt", "int"),
                ("snoozes", "int"), ("detail", "varchar"), ("created_at", "timestamptz"), ("updated_at", "timestamptz"))
_INSERT_LOG_ROWS_PG = text(
    f"INSERT INTO ritual_prompt_log ({', '.join(name for name, _ in _LOG_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{name} AS {kind}[])' for name, kind in _LOG_COLUMNS)}) "
    "ON CONFLICT (user_id, kind, local_date) DO NOTHING RETURNING id"
)


# (user_id, kind, local_date, owed instant, status, detail): a log row a claim owes; the rest follows from the status.
_OwedRow = tuple[uuid.UUID, str, date, datetime, str, str | None]
# What an inserted owed row came back as: (id, claim_token, user_id, kind, local_date, status).
_InsertedRow = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID, str, date, str]

# PostgreSQL: one statement moves the users' next runs (UPDATE … FROM unnest, in a CTE) and inserts the log rows;
# the columns that differ per row travel as arrays, ids and claim tokens are made by the server, and it returns only
# the rows it inserted. One per next-run column.
_ADVANCE_AND_LOG_PG = {column: text(
    f"WITH advanced AS (UPDATE users SET {column} = moved.next_at, updated_at = :updated_at "
    "FROM unnest(CAST(:advanced_ids AS uuid[]), CAST(:next_ats AS timestamptz[])) AS moved(id, next_at) "
    "WHERE users.id = moved.id) "
    "INSERT INTO ritual_prompt_log (id, user_id, kind, local_date, status, scheduled_at, due_at, claimed_at, "
    "claim_token, sent_at, attempt, snoozes, detail, created_at, updated_at) "
    "SELECT gen_random_uuid(), owed.user_id, owed.kind, owed.local_date, owed.status, owed.owed_at, owed.owed_at, "
    "CASE WHEN owed.status = 'claimed' THEN CAST(:now AS timestamptz) END, "
    "CASE WHEN owed.status = 'claimed' THEN gen_random_uuid() END, NULL, "
    "CASE WHEN owed.status = 'claimed' THEN 1 ELSE 0 END, 0, owed.detail, :now, :now "
    "FROM unnest(CAST(:user_ids AS uuid[]), CAST(:kinds AS varchar[]), CAST(:local_dates AS date[]), "
    "CAST(:owed_ats AS timestamptz[]), CAST(:statuses AS varchar[]), CAST(:details AS varchar[])) "
    "AS owed(user_id, kind, local_date, owed_at, status, detail) "
    "ON CONFLICT (user_id, kind, local_date) DO NOTHING "
    "RETURNING id, claim_token, user_id, kind, local_date, status"
) for column in (_next_attr(kind) for kind in SCHEDULED_KINDS)}


async def _advance_and_log(session: AsyncSession, column: str, advanced: list[tuple[uuid.UUID, datetime]],
                           owed_rows: list[_OwedRow], now: datetime) -> list[_InsertedRow]:
    """Move each claimed user's next run of one kind, and insert the log rows the claim owes in the order given,
    skipping those whose (user, kind, local_date) exists. Returns the inserted ones in that order (a weekly prompt
    stays after its evening one)."""
    if session.bind.dialect.name == "postgresql":
        advanced_ids, next_ats = zip(*advanced, strict=True)
        user_ids, kinds, days, owed_ats, statuses, details = zip(*owed_rows, strict=True) if owed_rows else [()] * 6
        returned = (await session.execute(_ADVANCE_AND_LOG_PG[column], {
            "advanced_ids": advanced_ids, "next_ats": next_ats, "updated_at": utcnow(),
            "user_ids": user_ids, "kinds": kinds, "local_dates": days, "owed_ats": owed_ats, "statuses": statuses,
            "details": details, "now": now})).all()
        by_key = {(row[2], row[3]): row for row in returned}
        return [by_key[key] for key in ((row[0], row[1]) for row in owed_rows) if key in by_key]
    await _advance(session, column, advanced)
    if not owed_rows:
        return []
    rows = [_new_row(user_id, kind, day, owed, status, detail, now)
            for user_id, kind, day, owed, status, detail in owed_rows]
    inserted = await _insert_rows(session, rows)
    return [(row["id"], row["claim_token"], row["user_id"], row["kind"], row["local_date"], row["status"])
            for row in rows if row["id"] in inserted]


async def _insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert log rows, skipping those whose (user, kind, local_date) exists. Returns the ids actually inserted.
    PostgreSQL gets one statement whatever the count (INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING)."""
    if not rows:
        return set()
    if session.bind.dialect.name == "postgresql":
        columns = {name: [row[name] for row in rows] for name, _ in _LOG_COLUMNS}
        return set((await session.scalars(_INSERT_LOG_ROWS_PG, columns)).all())
    # SQLite from here on (PostgreSQL took the statement above).
    stmt = (sqlite.insert(RitualPromptLog.__table__)
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "local_date"])
            .returning(RitualPromptLog.__table__.c.id))
    # An executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues").
    return set((await session.scalars(stmt, rows)).all())


async def _user_for_update(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = (await session.scalars(select(User).where(User.id == user_id).with_for_update())).first()
    if user is None:
        raise NotFound("USER_NOT_FOUND", "User not found.")
    return user
