"""Calendar, Google connection and push-channel shapes."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.validation import BoundedDate, BoundedDateTime


class CalendarOut(BaseModel):
    id: str
    summary: str
    description: str | None = None
    time_zone: str | None = None
    access_role: str
    primary: bool
    selected: bool = True


class CalendarList(BaseModel):
    calendars: list[CalendarOut]
    count: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str
    calendar_id: str
    external_id: str
    title: str
    description: str
    location: str
    start: datetime
    end: datetime
    is_all_day: bool
    status: str
    step_id: uuid.UUID | None
    synced_with_google: bool
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, event) -> EventOut:
        return cls(id=event.id, provider=event.source, calendar_id=event.calendar_id, external_id=event.external_id,
                   title=event.title, description=event.description, location=event.location,
                   start=event.start_at, end=event.end_at, is_all_day=event.all_day, status=event.status,
                   step_id=event.step_id, synced_with_google=event.source == "google",
                   last_synced_at=event.updated_at if event.source == "google" else None,
                   created_at=event.created_at, updated_at=event.updated_at)


class EventList(BaseModel):
    items: list[EventOut]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    description: str = Field("", max_length=5000)
    location: str = Field("", max_length=500)
    start: BoundedDateTime
    end: BoundedDateTime
    is_all_day: bool = False

    def to_service(self) -> dict[str, Any]:
        data = self.model_dump()
        data["all_day"] = data.pop("is_all_day")
        return data


class EventPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, max_length=5000)
    location: str | None = Field(None, max_length=500)
    start: BoundedDateTime | None = None
    end: BoundedDateTime | None = None
    is_all_day: bool | None = None

    def to_service(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True)
        if "is_all_day" in data:
            data["all_day"] = data.pop("is_all_day")
        return data


class EventChangeOut(BaseModel):
    status: Literal["success", "error"]
    event_id: str
    updated_fields: list[str] = Field(default_factory=list)
    message: str = ""
    code: str | None = None
    event: EventOut | None = None


class BulkItemIn(BaseModel):
    event_id: uuid.UUID
    update_data: EventPatchIn


class BulkOut(BaseModel):
    items: list[EventChangeOut]


class SyncOut(BaseModel):
    synced_count: int
    full_sync: bool
    changed_step_blocks: int
    message: str


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    duration_minutes: int


class SlotList(BaseModel):
    time_zone: str
    items: list[SlotOut]


class PlanWeekIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week_start: BoundedDate | None = Field(None, description="Any day of the week to plan (default: this week)")
    step_ids: list[uuid.UUID] | None = Field(None, max_length=50,
                                             description="Only these steps (default: the week's open steps)")
    explain: bool = Field(True, description="Say why each block sits where it does and sum the week up (one AI "
                                            "text unit when the AI is on; the same plan again is not charged)")


class WeekWordingOut(BaseModel):
    source: Literal["ai", "offline", "placer"] = Field(
        description="ai: worded by the AI; offline: no AI configured, the placer's reasons (see notice); placer: "
                    "the AI failed or the quota is spent, the placer's reasons")
    summary: list[str] = Field(description="The week in at most two lines")
    notice: str | None = None
    error_code: str | None = Field(None, description="Why the AI's words are missing, when source is placer")


class PlannedBlockOut(BaseModel):
    step_id: uuid.UUID
    goal_id: uuid.UUID | None
    title: str
    priority: int
    start: datetime
    end: datetime
    local_date: date
    minutes: int
    reason: str | None = Field(None, description="Why the block sits there (with explain)")


class UnplacedOut(BaseModel):
    step_id: uuid.UUID
    title: str
    reason: str


class ScheduledOut(BaseModel):
    step_id: uuid.UUID
    event_id: uuid.UUID
    start: datetime
    end: datetime


class WeekPlanOut(BaseModel):
    week_start: date
    time_zone: str
    items: list[PlannedBlockOut]
    unplaced: list[UnplacedOut]
    already_scheduled: list[ScheduledOut]
    free_minutes: int
    planned_minutes: int
    daily_cap_minutes: int
    wording: WeekWordingOut | None = Field(None, description="With explain: the plan in words")


class BlockChoiceIn(BaseModel):
    step_id: uuid.UUID
    start: BoundedDateTime
    end: BoundedDateTime


class CommitWeekIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week_start: BoundedDate | None = None
    items: list[BlockChoiceIn] | None = Field(
        None, max_length=50, description="The preview's blocks as accepted (moved or removed); omit to accept all")
    step_ids: list[uuid.UUID] | None = Field(None, max_length=50)


class CommitItemOut(BaseModel):
    step_id: uuid.UUID
    title: str
    status: Literal["created", "already_scheduled", "rejected", "failed"]
    start: datetime | None
    end: datetime | None
    event_id: uuid.UUID | None
    code: str | None
    message: str


class CommitWeekOut(BaseModel):
    items: list[CommitItemOut]
    created: int


class FeedOut(BaseModel):
    url: str
    content_type: str = "text/calendar"


class CalendarStatusOut(BaseModel):
    provider: Literal["mechta", "google"]
    google_configured: bool
    google_connected: bool
    google_email: str | None
    feed_url: str | None


class CacheStatsOut(BaseModel):
    provider: str
    cached_events: int
    cache_hits: int
    cache_misses: int
    cache_hit_ratio: float | None
    last_sync: datetime | None
    last_full_sync: datetime | None
    sync_pending: bool


class CacheClearOut(BaseModel):
    success: bool = True
    removed_events: int
    message: str


class ConnectLinkOut(BaseModel):
    url: str
    expires_at: datetime


class GoogleStatusOut(BaseModel):
    configured: bool
    connected: bool
    google_email: str | None = None
    token_expires_at: datetime | None = None
    connected_at: datetime | None = None
    last_sync: datetime | None = None


class TokenRefreshOut(BaseModel):
    token_expires_at: datetime | None
    message: str


class ChannelOut(BaseModel):
    channel_id: str
    resource_id: str
    expiration: datetime
    message_count: int = 0
    last_message_at: datetime | None = None


class WebhookStatusOut(BaseModel):
    connected: bool
    channels: list[ChannelOut]
    sync_pending: bool
    last_sync: datetime | None


class WebhookAck(BaseModel):
    accepted: bool
    sync_scheduled: bool


class AnalyzeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(7, ge=1, le=30, description="How many days ahead to analyse")


class ScheduleChangeOut(BaseModel):
    action: Literal["create"] = "create"
    step_id: uuid.UUID
    title: str
    start_time: datetime
    end_time: datetime
    priority: int
    reason: str


class AnalysisOut(BaseModel):
    analysis: str
    recommendations: list[str]
    goal_alignment: str
    productivity_score: int
    schedule_changes: list[ScheduleChangeOut]
    generated_by: str
    notice: str | None


class PlanGoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal_id: uuid.UUID
    context: str = Field("", max_length=1000, description="Wishes, e.g. 'I prefer evenings'")


class GoalPlanOut(BaseModel):
    suggested_time: str
    duration: str
    frequency: str
    reasoning: str
    suggested_events: list[ScheduleChangeOut]
    generated_by: str
    notice: str | None


class AlternativesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week_start: BoundedDate | None = Field(None, description="Any day of the plan's week (default: this week)")
    items: list[BlockChoiceIn] = Field(min_length=1, max_length=50,
                                       description="The plan's blocks as they stand now (moved, skipped ones left out)")
    step_id: uuid.UUID = Field(description="The block to find other times for (one of `items`)")
    limit: int = Field(3, ge=1, le=10, description="At most this many times, the earliest in each free slot")


class AlternativesOut(BaseModel):
    step_id: uuid.UUID
    items: list[SlotOut] = Field(description="Other times of the same length, earliest first")
