"""Calendar AI: a chat with the time-management coach and SMART goals (Mechta goals with SMART details)."""
from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.routes.gamification import event_out
from api.schemas.calendar_ai import ChatIn, ChatOut, SmartGoalCreated, SmartGoalIn, SmartGoalOut
from core.db.models import Goal
from core.services.goals import SMART_FIELDS

router = APIRouter(prefix="/calendar/ai", tags=["calendar"], route_class=EdgeRoute)


def smart_goal_out(goal: Goal) -> SmartGoalOut:
    smart = goal.smart or {}
    return SmartGoalOut(
        id=goal.id, title=goal.title, description=goal.description,
        **{name: smart.get(name, "") for name in SMART_FIELDS},
        time_bound=goal.time_bound_at, priority=goal.priority or 2, horizon=goal.horizon, status=goal.status,
        is_completed=goal.status == "done", created_at=goal.created_at, updated_at=goal.updated_at)


@router.post("/chat", response_model=Envelope[ChatOut],
             summary="Ask the coach; it knows your goals, steps, calendar, wheel and mood (one text-quota unit)")
async def chat(body: ChatIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    answer = await container.coach.chat(
        user, [message.model_dump() for message in body.messages],
        max_tokens=body.max_tokens, temperature=body.temperature)
    return Envelope.success(ChatOut(
        content=answer.content, tokens_used=answer.tokens_used, model=answer.model,
        created=int(answer.created.timestamp()), generated_by=answer.generated_by, notice=answer.notice))


@router.post("/goals", response_model=Envelope[SmartGoalCreated], status_code=201, summary="Save a SMART goal")
async def create_goal(body: SmartGoalIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    change = await container.goals.create_smart(user.id, body.model_dump())
    return Envelope.success(SmartGoalCreated(**smart_goal_out(change.goal).model_dump(),
                                             gamification_event=event_out(change.gamification_event)))


@router.get("/goals", response_model=Envelope[list[SmartGoalOut]], summary="Your SMART goals, most important first")
async def list_goals(user: CurrentUser, container: ContainerDep,
                     include_completed: bool = Query(False, description="Also list goals marked done")) -> Envelope:
    goals = await container.goals.list_smart(user.id, include_completed=include_completed)
    return Envelope.success([smart_goal_out(goal) for goal in goals])
