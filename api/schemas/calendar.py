"""Calendar, Google connection and push-channel shapes."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

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


class EventTimeIn(BaseModel):
    """Google's time object (seed 000): `{"dateTime": ..., "timeZone": ...}`."""

    model_config = ConfigDict(extra="forbid")

    dateTime: BoundedDateTime = Field(description="ISO 8601; without an offset, `timeZone` says where it is")
    timeZone: str | None = Field(None, max_length=64, description="IANA zone, e.g. Europe/Moscow")

    def resolve(self, field_name: str) -> datetime:
        if self.dateTime.tzinfo is not None or not self.timeZone:
            return self.dateTime
        try:
            return self.dateTime.replace(tzinfo=ZoneInfo(self.timeZone))
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError("time_zone", "Unknown time zone {zone} in {field}",
                                      {"zone": self.timeZone, "field": field_name}) from None


class AttendeeIn(BaseModel):
    """Accepted for seed 000 clients and not stored: Mechta's events are a person's own time, not invitations."""

    email: str = Field(max_length=320)
    displayName: str | None = Field(None, max_length=200)
    responseStatus: str | None = Field(None, max_length=40)


def _google_time(value: Any) -> Any:
    """Google's `{dateTime, timeZone}` becomes one aware time, so errors point at `start`/`end` themselves."""
    if isinstance(value, dict):
        return EventTimeIn.model_validate(value).resolve("time")
    return value


EventTime = Annotated[BoundedDateTime, BeforeValidator(_google_time)]

_EVENT_ALIASES = """Seed aliases (both names may be sent when they agree; different values are a 422):
`summary` → `title`, `start_datetime`/`end_datetime` (seed 002) → `start`/`end`;
`start`/`end` may be Google's `{dateTime, timeZone}`.
`attendees` and `calendar_id` are accepted and ignored (events go to the calendar in use)."""


class _EventFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=500)
    summary: str | None = Field(None, min_length=1, max_length=500, description="Seed 000's name for `title`")
    description: str | None = Field(None, max_length=5000)
    location: str | None = Field(None, max_length=500)
    start: EventTime | None = Field(None, description="ISO 8601 with offset, or Google's {dateTime, timeZone}")
    end: EventTime | None = Field(None, description="After `start`; ISO 8601 with offset, or {dateTime, timeZone}")
    start_datetime: BoundedDateTime | None = Field(None, description="Seed 002's name for `start`")
    end_datetime: BoundedDateTime | None = Field(None, description="Seed 002's name for `end`")
    is_all_day: bool | None = None
    attendees: list[AttendeeIn] | None = Field(None, max_length=100, description="Accepted, not stored")
    calendar_id: str | None = Field(None, max_length=200, description="Accepted, ignored: the calendar in use")

    def _merged(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, alias in (("title", "summary"), ("start", "start_datetime"), ("end", "end_datetime")):
            value, other = getattr(self, name), getattr(self, alias)
            if isinstance(value, EventTimeIn):
                value = value.resolve(name)
            if value is not None and other is not None and value != other:
                raise PydanticCustomError("alias_conflict", "{name} and {alias} disagree; send one of them",
                                          {"name": name, "alias": alias})
            merged = value if value is not None else other
            if merged is not None:
                data[name] = merged
        for name in ("description", "location"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.is_all_day is not None:
            data["all_day"] = self.is_all_day
        return data


class EventIn(_EventFields):
    __doc__ = "A new event: `title` (or `summary`), `start` and `end` are required.\n\n" + _EVENT_ALIASES

    @model_validator(mode="after")
    def _required(self) -> EventIn:
        missing = [name for name in ("title", "start", "end") if name not in self._merged()]
        if missing:
            raise PydanticCustomError("missing", "Send {fields}", {"fields": ", ".join(missing)})
        return self

    def to_service(self) -> dict[str, Any]:
        return {"description": "", "location": "", "all_day": False, **self._merged()}


class EventPatchIn(_EventFields):
    __doc__ = "Send only the fields to change.\n\n" + _EVENT_ALIASES

    @model_validator(mode="after")
    def _consistent(self) -> EventPatchIn:
        self._merged()
        return self

    def to_service(self) -> dict[str, Any]:
        return self._merged()


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


class GoogleCodeIn(BaseModel):
    """Seed 000's POST /calendar/code: an authorization code from a Google consent the client ran itself with this
    server's client id. In the bot, the connect link (POST /google/connect-link) does the same in one tap."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=2048)
    redirect_uri: str | None = Field(None, max_length=500,
                                     description="The redirect URI the code was issued for: this server's "
                                                 "/api/v1/google/callback (default) or `postmessage`")


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
    """Seed 000's `analysis_period_days` is `days`; its `calendar_events` and `user_goals` are accepted and not used:
    the analysis reads your own calendar and goals, so a client cannot make it reason about someone else's week."""

    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(None, ge=1, le=30, description="How many days ahead to analyse (default 7)")
    analysis_period_days: int | None = Field(None, ge=1, le=30, description="Seed 000's name for `days`")
    calendar_events: list[dict[str, Any]] | None = Field(None, max_length=100, description="Accepted, not used")
    user_goals: list[dict[str, Any]] | None = Field(None, max_length=50, description="Accepted, not used")

    @model_validator(mode="after")
    def _one_period(self) -> AnalyzeIn:
        if None not in (self.days, self.analysis_period_days) and self.days != self.analysis_period_days:
            raise PydanticCustomError("alias_conflict", "days and analysis_period_days disagree; send one of them")
        return self

    @property
    def period_days(self) -> int:
        return self.days or self.analysis_period_days or 7


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


class DescribedGoalIn(BaseModel):
    """Seed 000's SMART goal sent inline to plan-goal; it is not saved (save it with POST /calendar/ai/goals)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    specific: str = Field("", max_length=1000)
    measurable: str = Field("", max_length=300)
    achievable: str = Field("", max_length=1000)
    relevant: str = Field("", max_length=1000)
    time_bound: BoundedDateTime | None = None
    priority: int | None = Field(None, ge=1, le=5)


class PlanGoalIn(BaseModel):
    """Either `goal_id` (a saved goal: its open week/day steps are placed into this week) or seed 000's inline
    `goal` (words only: when and how often, over the next seven days' free time; no blocks). `free_time_slots` is
    accepted and not used: free time comes from your calendar and working hours."""

    model_config = ConfigDict(extra="forbid")

    goal_id: uuid.UUID | None = None
    goal: DescribedGoalIn | None = None
    free_time_slots: list[dict[str, Any]] | None = Field(None, max_length=50, description="Accepted, not used")
    context: str = Field("", max_length=1000, description="Wishes, e.g. 'I prefer evenings'")

    @model_validator(mode="after")
    def _one_goal(self) -> PlanGoalIn:
        if (self.goal_id is None) == (self.goal is None):
            raise PydanticCustomError("one_goal", "Send goal_id or goal (one of them)")
        return self


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
