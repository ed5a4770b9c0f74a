"""Every /api/v1 router, in the order they appear in the docs. Add a feature's router here."""
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
from api.routes.visuals import router as visuals_router
from api.routes.wants import router as wants_router
from api.routes.webhook import router as webhook_router

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
