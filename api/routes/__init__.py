"""Every /api/v1 router, in the order they appear in the docs, with the core modules its use cases live in (the
source of the error codes its operations document). Add a feature's router to both."""
from fastapi import APIRouter

from api.routes.areas import router as areas_router
from api.routes.auth import router as auth_router
from api.routes.calendar import router as calendar_router
from api.routes.calendar_ai import router as calendar_ai_router
from api.routes.esoterics import router as esoterics_router
from api.routes.future_story import router as future_story_router
from api.routes.gamification import router as gamification_router
from api.routes.goals import router as goals_router
from api.routes.google import router as google_router
from api.routes.life_wheel import router as life_wheel_router
from api.routes.me import router as me_router
from api.routes.me_data import router as me_data_router
from api.routes.me_password import router as me_password_router
from api.routes.rituals import router as rituals_router
from api.routes.steps import router as steps_router
from api.routes.system import router as system_router
from api.routes.visuals import router as visuals_router
from api.routes.wants import router as wants_router
from api.routes.webhook import router as webhook_router
from api.schemas.errors import AUTHENTICATED, document_errors

API_V1_ROUTERS: list[APIRouter] = [
    auth_router,
    me_router,
    me_password_router,
    me_data_router,
    areas_router,
    life_wheel_router,
    wants_router,
    future_story_router,
    visuals_router,
    goals_router,
    steps_router,
    rituals_router,
    gamification_router,
    esoterics_router,
    calendar_router,
    calendar_ai_router,
    google_router,
    webhook_router,
]

_AI = ("services/ai.py", "services/quotas.py")
_CALENDAR = ("services/calendar", "services/users.py")
ROUTER_CORE_MODULES: dict[int, tuple[str, ...]] = {
    id(auth_router): ("services/auth.py", "services/users.py"),
    id(me_router): ("services/profile.py", "services/users.py", "services/timezones.py"),
    id(me_password_router): ("services/auth.py",),
    id(me_data_router): ("services/data_rights.py", "services/auth.py"),
    id(areas_router): ("services/areas.py",),
    id(life_wheel_router): ("services/wheel.py",),
    id(wants_router): ("services/wants.py", *_AI),
    id(future_story_router): ("services/future_story.py", *_AI),
    id(visuals_router): ("services/visuals.py", *_AI),
    id(goals_router): ("services/goals.py", *_AI),
    id(steps_router): ("services/steps.py", *_AI),
    id(rituals_router): ("services/rituals.py", *_AI),
    id(gamification_router): ("services/gamification.py",),
    id(esoterics_router): ("services/esoterics.py",),
    id(calendar_router): (*_CALENDAR, *_AI),
    id(calendar_ai_router): ("services/coach.py", "services/goals.py", *_CALENDAR, *_AI),
    id(google_router): _CALENDAR,
    id(webhook_router): _CALENDAR,
}
_documented = False


def document_route_errors() -> None:
    """Fill every operation's error `responses=` (once per process, when the OpenAPI is first built)."""
    global _documented
    if _documented:
        return
    for router in API_V1_ROUTERS:
        # GET /areas reads an optional token itself: a wrong one is still a 401.
        extra = AUTHENTICATED if router is areas_router else None
        document_errors(router, ROUTER_CORE_MODULES[id(router)], extra=extra)
    document_errors(system_router, ("services/health.py",))
    _documented = True
