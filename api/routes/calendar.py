"""Calendar: calendars, events (two-way with Google when connected), sync, free slots, plan-week preview and
commit, today's blocks, the ICS feed, cache stats, push setup and the AI helpers — always the caller's own."""
from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Query, Response

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.schemas.calendar import (
    AlternativesIn,
    AlternativesOut,
    AnalysisOut,
    AnalyzeIn,
    BulkItemIn,
    BulkOut,
    CacheClearOut,
    CacheStatsOut,
    CalendarList,
    CalendarOut,
    CalendarStatusOut,
    ChannelOut,
    CommitItemOut,
    CommitWeekIn,
    CommitWeekOut,
    EventChangeOut,
    EventIn,
    EventList,
    EventOut,
    EventPatchIn,
    FeedOut,
    GoalPlanOut,
    GoogleCodeIn,
    GoogleStatusOut,
    PlanGoalIn,
    PlannedBlockOut,
    PlanWeekIn,
    ScheduleChangeOut,
    ScheduledOut,
    SlotList,
    SlotOut,
    SyncOut,
    UnplacedOut,
    WeekPlanOut,
    WeekWordingOut,
)
from core.services.calendar.advice import WeekWording
from core.services.calendar.ics import ICS_MEDIA_TYPE
from core.services.calendar.week_planner import BlockChoice, WeekPlan
from core.validation import BoundedDateTime

router = APIRouter(prefix="/calendar", tags=["calendar"], route_class=EdgeRoute)


def week_plan_out(plan: WeekPlan, wording: WeekWording | None = None) -> WeekPlanOut:
    reasons = wording.reasons if wording is not None else {}
    return WeekPlanOut(
        week_start=plan.week_start, time_zone=plan.time_zone,
        items=[PlannedBlockOut(step_id=b.step.id, goal_id=b.step.goal_id, title=b.step.title,
                               priority=b.step.priority, start=b.start, end=b.end, local_date=b.local_date,
                               minutes=b.minutes, reason=reasons.get(b.step.id)) for b in plan.placement.blocks],
        unplaced=[UnplacedOut(step_id=u.step.id, title=u.step.title, reason=u.reason)
                  for u in plan.placement.unplaced],
        already_scheduled=[ScheduledOut(step_id=e.step_id, event_id=e.id, start=e.start_at, end=e.end_at)
                           for e in plan.already_scheduled],
        free_minutes=plan.free_minutes, planned_minutes=sum(b.minutes for b in plan.placement.blocks),
        daily_cap_minutes=plan.daily_cap_minutes,
        wording=None if wording is None else WeekWordingOut(source=wording.source, summary=wording.summary,
                                                            notice=wording.notice, error_code=wording.error_code),
    )


@router.get("/status", response_model=Envelope[CalendarStatusOut],
            summary="Which calendar is in use (Mechta or Google) and the ICS feed URL")
async def status(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(CalendarStatusOut(**vars(await container.calendar.status(user))))


@router.get("/calendars", response_model=Envelope[CalendarList], summary="The caller's calendars")
@router.get("/list", response_model=Envelope[CalendarList], summary="Alias of GET /calendar/calendars (seed 000)")
async def calendars(user: CurrentUser, container: ContainerDep) -> Envelope:
    items = await container.calendar.list_calendars(user)
    return Envelope.success(CalendarList(calendars=[CalendarOut(**vars(c)) for c in items], count=len(items)))


@router.get("/events", response_model=Envelope[EventList], summary="Events between start and end (≤ 62 days)")
async def list_events(user: CurrentUser, container: ContainerDep,
                      start: BoundedDateTime | None = Query(None, description="ISO 8601 with offset; default now"),
                      end: BoundedDateTime | None = Query(None,
                                                          description="ISO 8601 with offset; default start + 7 days"),
                      force_sync: bool = Query(False, description="Sync with Google first"),
                      forcefullsync: bool = Query(False, description="Seed 000: re-read everything from Google "
                                                                     "first (a full sync)")) -> Envelope:
    start = start or container.clock.now()
    end = end or start + timedelta(days=7)
    events = await container.calendar.list_events(user, start, end, force_sync=force_sync, full_sync=forcefullsync)
    return Envelope.success(EventList(items=[EventOut.of(e) for e in events]))


@router.post("/events", response_model=Envelope[EventOut], status_code=201, summary="Create an event")
async def create_event(body: EventIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(EventOut.of(await container.calendar.create_event(user, body.to_service())))


@router.patch("/events/bulk", response_model=Envelope[BulkOut],
              summary="Update up to 100 events; every item gets its own result")
async def bulk_update(body: list[BulkItemIn], user: CurrentUser, container: ContainerDep) -> Envelope:
    results = await container.calendar.bulk_patch(user, [(i.event_id, i.update_data.to_service()) for i in body])
    return Envelope.success(BulkOut(items=[
        EventChangeOut(status=r.status, event_id=r.event_id, updated_fields=r.updated_fields, message=r.message,
                       code=r.code, event=EventOut.of(r.event) if r.event is not None else None) for r in results]))


@router.get("/events/{event_id}", response_model=Envelope[EventOut], summary="One event")
@router.get("/event/{event_id}", response_model=Envelope[EventOut], summary="Alias of GET /calendar/events/{event_id} "
                                                                            "(seed 000)")
async def get_event(event_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(EventOut.of(await container.calendar.get_event(user, event_id)))


@router.patch("/events/{event_id}", response_model=Envelope[EventChangeOut],
              summary="Change an event (a planned block takes its step along)")
@router.patch("/event/{event_id}", response_model=Envelope[EventChangeOut],
              summary="Alias of PATCH /calendar/events/{event_id} (seed 000)")
async def patch_event(event_id: uuid.UUID, body: EventPatchIn, user: CurrentUser,
                      container: ContainerDep) -> Envelope:
    event, fields = await container.calendar.patch_event(user, event_id, body.to_service())
    return Envelope.success(EventChangeOut(status="success", event_id=str(event.id), updated_fields=fields,
                                           message="Event updated." if fields else "Nothing to change.",
                                           event=EventOut.of(event)))


@router.put("/events/{event_id}", response_model=Envelope[EventOut],
            summary="Change an event, answering with the event (seed 002; partial bodies allowed, like PATCH)")
async def put_event(event_id: uuid.UUID, body: EventPatchIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    event, _fields = await container.calendar.patch_event(user, event_id, body.to_service())
    return Envelope.success(EventOut.of(event))


@router.delete("/events/{event_id}", response_model=Envelope[Success], summary="Delete an event")
async def delete_event(event_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    await container.calendar.delete_event(user, event_id)
    return Envelope.success(Success())


@router.post("/sync", response_model=Envelope[SyncOut], summary="Sync with Google now (incremental)")
async def sync(user: CurrentUser, container: ContainerDep,
               full: bool = Query(False, description="Ignore the sync token and read everything")) -> Envelope:
    result = await container.calendar.sync(user, force_full=full)
    return Envelope.success(SyncOut(synced_count=result.synced_count, full_sync=result.full_sync,
                                    changed_step_blocks=result.changed_step_blocks,
                                    message=f"Synced {result.synced_count} events."))


@router.get("/free-slots", response_model=Envelope[SlotList],
            summary="Free time within your working and personal hours (≤ 31 days)")
async def free_slots(user: CurrentUser, container: ContainerDep, start: BoundedDateTime | None = Query(None),
                     end: BoundedDateTime | None = Query(None)) -> Envelope:
    start = start or container.clock.now()
    end = end or start + timedelta(days=7)
    slots = await container.calendar.planner.free_slots(user, start, end)
    return Envelope.success(SlotList(time_zone=user.time_zone, items=[
        SlotOut(start=s.start, end=s.end, duration_minutes=s.minutes) for s in slots]))


@router.post("/plan-week/preview", response_model=Envelope[WeekPlanOut],
             summary="Place the week's steps into free time (nothing is saved)")
async def plan_week_preview(user: CurrentUser, container: ContainerDep, body: PlanWeekIn | None = None) -> Envelope:
    body = body or PlanWeekIn()
    plan = await container.calendar.planner.preview_week(user, week_start=body.week_start, step_ids=body.step_ids)
    wording = await container.calendar.advisor.explain_week(user, plan) if body.explain else None
    return Envelope.success(week_plan_out(plan, wording))


@router.post("/plan-week/commit", response_model=Envelope[CommitWeekOut],
             summary="Write the plan's blocks to the calendar in one operation")
async def plan_week_commit(user: CurrentUser, container: ContainerDep, body: CommitWeekIn | None = None) -> Envelope:
    body = body or CommitWeekIn()
    choices = [BlockChoice(i.step_id, i.start, i.end) for i in body.items] if body.items is not None else None
    items = await container.calendar.planner.commit_week(user, week_start=body.week_start, choices=choices,
                                                         step_ids=body.step_ids)
    return Envelope.success(CommitWeekOut(items=[CommitItemOut(**vars(i)) for i in items],
                                          created=sum(1 for i in items if i.status == "created")))


@router.post("/plan-week/alternatives", response_model=Envelope[AlternativesOut],
             summary="Other free times for one block of the plan (by the rules a commit checks)")
async def plan_week_alternatives(body: AlternativesIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    choices = [BlockChoice(i.step_id, i.start, i.end) for i in body.items]
    times = await container.calendar.planner.alternatives(user, blocks=choices, step_id=body.step_id,
                                                          week_start=body.week_start, limit=body.limit)
    return Envelope.success(AlternativesOut(step_id=body.step_id, items=[
        SlotOut(start=t.start, end=t.end, duration_minutes=t.minutes) for t in times]))


@router.get("/today", response_model=Envelope[EventList], summary="Today's events in your time zone")
async def today(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(EventList(items=[EventOut.of(e) for e in await container.calendar.today_blocks(user)]))


@router.get("/feed", response_model=Envelope[FeedOut], summary="Your secret ICS feed URL (created on first use)")
async def feed(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(FeedOut(url=await container.calendar.feed(user)))


@router.post("/feed/rotate", response_model=Envelope[FeedOut], summary="Retire the old feed URL, get a new one")
async def rotate_feed(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(FeedOut(url=await container.calendar.feed(user, rotate=True)))


@router.get("/feed/{token}.ics", response_class=Response, summary="ICS feed (no sign-in; the token is the secret)",
            responses={200: {"content": {"text/calendar": {}}}})
async def feed_ics(token: str, container: ContainerDep) -> Response:
    body = await container.calendar.feed_ics(token)
    return Response(body, media_type=ICS_MEDIA_TYPE, headers={"Cache-Control": "private, max-age=300"})


@router.get("/cache/stats", response_model=Envelope[CacheStatsOut],
            summary="Cached events, hit ratio and last sync")
async def cache_stats(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(CacheStatsOut(**vars(await container.calendar.google.cache_stats(user))))


@router.delete("/cache/clear", response_model=Envelope[CacheClearOut],
               summary="Drop cached Google events (the next read syncs everything again)")
async def cache_clear(user: CurrentUser, container: ContainerDep) -> Envelope:
    removed = await container.calendar.google.clear_cache(user)
    return Envelope.success(CacheClearOut(removed_events=removed, message="Calendar cache cleared."))


@router.post("/code", response_model=Envelope[GoogleStatusOut],
             summary="Connect Google Calendar with an authorization code the client obtained (seed 000)")
async def google_code(body: GoogleCodeIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    connection = await container.calendar.google.connect_with_code(user, body.code, body.redirect_uri)
    return Envelope.success(GoogleStatusOut(
        configured=True, connected=True, google_email=connection.google_email,
        token_expires_at=connection.token_expires_at, connected_at=connection.connected_at,
        last_sync=connection.last_sync_at))


@router.post("/webhook-setup", response_model=Envelope[ChannelOut],
             summary="Subscribe to Google push notifications for your calendar")
async def webhook_setup(user: CurrentUser, container: ContainerDep) -> Envelope:
    channel = await container.calendar.google.watch(user)
    return Envelope.success(ChannelOut(channel_id=channel.channel_id, resource_id=channel.resource_id,
                                       expiration=channel.expires_at))


def _changes(advice, plan: WeekPlan) -> list[ScheduleChangeOut]:
    notes = {n.step_id: n.note for n in advice.block_notes}
    return [ScheduleChangeOut(step_id=b.step.id, title=b.step.title, start_time=b.start, end_time=b.end,
                              priority=b.step.priority, reason=notes.get(str(b.step.id), ""))
            for b in plan.placement.blocks]


@router.post("/analyze", response_model=Envelope[AnalysisOut],
             summary="AI reading of your week; proposed blocks come from the planner (one text-quota unit)")
@router.post("/ai/analyze-calendar", response_model=Envelope[AnalysisOut],
             summary="Alias of POST /calendar/analyze (seed 000's /ai/analyze-calendar)")
async def analyze(user: CurrentUser, container: ContainerDep, body: AnalyzeIn | None = None) -> Envelope:
    advice, plan = await container.calendar.advisor.analyze_calendar(user, days=(body or AnalyzeIn()).period_days)
    return Envelope.success(AnalysisOut(
        analysis=advice.analysis, recommendations=advice.recommendations, goal_alignment=advice.goal_alignment,
        productivity_score=advice.productivity_score, schedule_changes=_changes(advice, plan),
        generated_by=advice.generated_by, notice=advice.notice))


@router.post("/plan-goal", response_model=Envelope[GoalPlanOut],
             summary="This week's blocks for one goal, with AI wording (one text-quota unit)")
@router.post("/ai/plan-goal", response_model=Envelope[GoalPlanOut],
             summary="Alias of POST /calendar/plan-goal (seed 000's /ai/plan-goal)")
async def plan_goal(body: PlanGoalIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    advisor = container.calendar.advisor
    if body.goal is not None:
        goal = body.goal
        advice = await advisor.plan_described_goal(user, title=goal.title,
                                                   description=goal.description or goal.specific,
                                                   metric=goal.measurable or None, context=body.context)
        events: list[ScheduleChangeOut] = []
    else:
        advice, plan = await advisor.plan_goal(user, body.goal_id, context=body.context)
        events = _changes(advice, plan)
    return Envelope.success(GoalPlanOut(
        suggested_time=advice.suggested_time, duration=advice.duration, frequency=advice.frequency,
        reasoning=advice.reasoning, suggested_events=events, generated_by=advice.generated_by, notice=advice.notice))
