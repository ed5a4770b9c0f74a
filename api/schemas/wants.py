"""Shapes of the wants exercises and their analysis."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification_event import GamificationEventPublic
from core.services.wants import MAX_CHUNK_CHARS, MAX_FUTURE_ME_CHARS, MAX_REVERSE_CHARS, WantsAnalysisOutput


class WantsTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_CHUNK_CHARS,
                      description="A chunk of text; in the stream, `стоп`/`stop` (alone or as the last line) ends it")


class WantsFutureMeSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_FUTURE_ME_CHARS)


class WantsReverseUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    raw_envy: str | None = Field(None, max_length=MAX_REVERSE_CHARS)
    raw_regrets: str | None = Field(None, max_length=MAX_REVERSE_CHARS)
    raw_what_to_do_5y: str | None = Field(None, max_length=MAX_REVERSE_CHARS)


class WantsRawPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: Literal["draft", "completed"]
    stream_started_at: datetime | None
    stream_deadline_at: datetime | None
    stream_completed_at: datetime | None
    raw_wants_stream: str
    future_me: str
    future_me_completed_at: datetime | None
    raw_envy: str | None
    raw_regrets: str | None
    raw_what_to_do_5y: str | None
    reverse_completed_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WantsStreamStartPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    raw_id: uuid.UUID
    stream_started_at: datetime | None
    stream_deadline_at: datetime | None
    stream_completed_at: datetime | None
    stream_timer_seconds: int = Field(description="Recommended timer for the UI (600 s)")
    remaining_seconds: int | None = Field(description="Seconds left on the timer; null when not running")
    is_completed: bool


class WantsStreamAppendPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    raw_id: uuid.UUID
    is_completed: bool
    raw_wants_stream_preview: str = Field(description="The last ~500 characters of the stream")
    stream_chars: int
    stream_deadline_at: datetime | None
    remaining_seconds: int | None


class WantsFutureMePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    future_me: str
    future_me_completed_at: datetime | None
    updated_at: datetime


class WantsReversePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    raw_envy: str | None
    raw_regrets: str | None
    raw_what_to_do_5y: str | None
    reverse_completed_at: datetime | None
    updated_at: datetime


class WantsProgressPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    raw_id: uuid.UUID | None = Field(description="The current draft, null when there is none")
    status: Literal["draft"] | None
    stream_started: bool
    stream_completed: bool
    stream_started_at: datetime | None
    stream_deadline_at: datetime | None
    stream_completed_at: datetime | None
    stream_remaining_seconds: int | None
    stream_chars: int
    future_me_chars: int
    future_me_completed: bool
    future_me_completed_at: datetime | None
    reverse_envy_filled: bool
    reverse_regrets_filled: bool
    reverse_what_to_do_5y_filled: bool
    reverse_completed: bool
    reverse_completed_at: datetime | None
    ready_to_complete: bool
    missing: list[str] = Field(description="Fields still missing before POST /wants/complete")
    has_completed_before: bool


class WantsAnalysisPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    raw_id: uuid.UUID
    generated_by: Literal["openai", "offline"]
    payload: WantsAnalysisOutput = Field(description="Themes, top wants by area, contradictions, focus, summary; "
                                                     "`notice` says when it is an offline draft")
    created_at: datetime
    gamification_event: GamificationEventPublic | None = None
