"""A person with a row in every personal table (and a picture file), and a check that reads every table of the
schema for any trace of a person: the data-rights tests use both, so "nothing is left" is checked generically."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.bootstrap import Container
from core.db.base import Base
from core.db.models import (
    AIUsageCounter,
    AIUsageLog,
    AuthSession,
    BotFSMRecord,
    CalendarChannel,
    CalendarEvent,
    CalendarFeed,
    CalendarNotification,
    CoachTurn,
    EmailVerification,
    FutureStory,
    FutureStoryDraft,
    Goal,
    GoogleConnection,
    GoogleOAuthRequest,
    JournalEntry,
    LifeWheelEntry,
    PasswordReset,
    RitualPromptLog,
    Step,
    User,
    UserAchievement,
    VisualAsset,
    WantsAnalysis,
    WantsRaw,
    WeeklyReview,
    XPEvent,
)
from core.repositories.personal_data import PersonalDataRepository

BOT_ID = 100000  # the playground bot's id (its token is "100000:playground")


@dataclass(frozen=True)
class Seeded:
    user: User
    marker: str  # a word written into the person's texts, found nowhere else
    goal_title: str
    journal_text: str
    wheel_health: int
    picture: Path


async def seed_everything(container: Container, user: User, *, marker: str | None = None,
                          with_google: bool = True, wheel_health: int = 7) -> Seeded:
    """One row of the person in every table that can hold one, written straight to the database."""
    marker = marker or f"mark{secrets.token_hex(4)}"
    now = container.clock.now()
    today = now.date()
    goal_title = f"Run a half marathon {marker}"
    journal_text = f"Slept well and walked {marker}"
    raw = WantsRaw(id=uuid.uuid4(), user_id=user.id, status="completed", raw_wants_stream=f"sea {marker}",
                   completed_at=now)
    story = FutureStory(id=uuid.uuid4(), user_id=user.id, full_text_3y=f"In three years {marker}",
                        full_text_5y=f"In five years {marker}", generated_by="offline")
    picture_name = f"{secrets.token_hex(16)}.png"
    goal = Goal(id=uuid.uuid4(), user_id=user.id, title=goal_title, horizon="1y")
    step = Step(id=uuid.uuid4(), user_id=user.id, goal_id=goal.id, title=f"Buy shoes {marker}", level="week",
                planned_date=today, estimated_minutes=30)
    start = now.replace(microsecond=0) + timedelta(days=1)
    rows: list[Any] = [
        LifeWheelEntry(user_id=user.id, scores={"health": wheel_health, "career": 5}, note=f"wheel {marker}"),
        raw,
        WantsAnalysis(user_id=user.id, raw_id=raw.id, payload={"summary": marker}, generated_by="offline"),
        FutureStoryDraft(user_id=user.id, area_id="health", question="How do you feel?", answer=f"Strong {marker}"),
        story,
        VisualAsset(user_id=user.id, story_id=story.id, image_key="run", prompt=f"runner {marker}",
                    file_name=picture_name),
        goal,
        step,
        JournalEntry(user_id=user.id, type="evening", local_date=today, answers={"reflection": journal_text},
                     mood_score=4, energy_score=3),
        WeeklyReview(user_id=user.id, week_start=today - timedelta(days=today.weekday()), status="done",
                     reflection=f"good week {marker}"),
        RitualPromptLog(user_id=user.id, kind="morning", local_date=today, status="sent", scheduled_at=now,
                        due_at=now, claim_token=uuid.uuid4()),
        XPEvent(user_id=user.id, reason="wheel_completed", xp=20, ref=marker),
        UserAchievement(user_id=user.id, code="first_wheel"),
        CalendarEvent(user_id=user.id, source="mechta", calendar_id="mechta", external_id=uuid.uuid4().hex,
                      title=f"Buy shoes {marker}", start_at=start, end_at=start + timedelta(minutes=30),
                      step_id=step.id),
        CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24)),
        CalendarNotification(user_id=user.id, kind="google_connected", payload={"note": marker}),
        CoachTurn(user_id=user.id, role="user", content=f"What should I drop this week? {marker}"),
        AIUsageCounter(user_id=user.id, resource="text", period=f"{today:%Y-%m}", used=2),
        AIUsageLog(user_id=user.id, feature="wants", provider="offline", model="offline", ok=True),
        AuthSession(user_id=user.id, refresh_jti=uuid.uuid4().hex, expires_at=now + timedelta(days=30),
                    user_agent=f"agent {marker}"),
        EmailVerification(user_id=user.id, token_hash=secrets.token_hex(32), code_hash=secrets.token_hex(32),
                          expires_at=now + timedelta(minutes=30)),
        PasswordReset(user_id=user.id, token_hash=secrets.token_hex(32), expires_at=now + timedelta(hours=1)),
        GoogleOAuthRequest(user_id=user.id, link_token_hash=secrets.token_hex(32),
                           link_expires_at=now + timedelta(minutes=30)),
    ]
    if with_google:
        cipher = container.calendar.cipher
        rows += [
            GoogleConnection(user_id=user.id, google_email=f"{marker}@example.com",
                             access_token_enc=cipher.encrypt(f"ya29.{marker}"),
                             refresh_token_enc=cipher.encrypt(f"1//{marker}")),
            CalendarChannel(user_id=user.id, channel_id=uuid.uuid4().hex, token_hash=secrets.token_hex(32),
                            calendar_id="primary", expires_at=now + timedelta(days=7)),
        ]
    if user.telegram_id is not None:
        rows.append(BotFSMRecord(bot_id=BOT_ID, chat_id=user.telegram_id, user_id=user.telegram_id,
                                 state="WantsForm:stream", data={"draft": f"half typed {marker}"}))
    async with container.db.transaction() as session:
        session.add(story)
        session.add(raw)
        session.add(goal)
        await session.flush()
        session.add_all([row for row in rows if row not in (story, raw, goal)])
    picture = Path(container.settings.uploads_dir) / str(user.id) / "story_images" / picture_name
    picture.parent.mkdir(parents=True, exist_ok=True)
    picture.write_bytes(b"\x89PNG fake picture")
    return Seeded(user, marker, goal_title, journal_text, wheel_health, picture)


async def rows_per_table(container: Container, user: User) -> dict[str, int]:
    """How many rows of the person each personal table holds (found through the schema)."""
    counts = {}
    async with container.db.read() as session:
        repo = PersonalDataRepository(session, user.id, user.telegram_id)
        for table in repo.tables():
            statement = select(func.count()).select_from(table).where(repo.owned(table))
            counts[table.name] = await session.scalar(statement)
    return counts


async def traces_of(container: Container, user: User, marker: str) -> list[str]:
    """Every cell of every table in the schema that names the person (their id, their Telegram id) or holds
    the marker word of their texts: 'table.column = value' lines, empty when the person is gone."""
    needles = {str(user.id), user.id.hex, marker}
    telegram = user.telegram_id
    found = []
    async with container.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    text = str(value)
                    if any(needle in text for needle in needles) or (telegram is not None and value == telegram):
                        found.append(f"{table.name}.{column} = {text[:80]}")
    return found
