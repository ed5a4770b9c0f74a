"""Every model module is imported here so `Base.metadata` is complete for Alembic and tests."""
from core.db.models.ai_usage_log import AIUsageLog
from core.db.models.area import Area
from core.db.models.auth import AuthSession, EmailVerification, PasswordReset
from core.db.models.bot_state import BotFSMRecord
from core.db.models.calendar import (
    CalendarChannel,
    CalendarEvent,
    CalendarFeed,
    CalendarNotification,
    GoogleConnection,
    GoogleOAuthRequest,
)
from core.db.models.coach import CoachTurn
from core.db.models.gamification import UserAchievement, XPEvent
from core.db.models.goals import Goal, Step
from core.db.models.heartbeat import ServiceHeartbeat
from core.db.models.quota import AIUsageCounter
from core.db.models.rituals import JournalEntry, WeeklyReview
from core.db.models.scheduling import RitualPromptLog
from core.db.models.story import FutureStory, FutureStoryDraft
from core.db.models.telegram_updates import TelegramUpdateClaim
from core.db.models.user import User
from core.db.models.visuals import VisualAsset
from core.db.models.wants import WantsAnalysis, WantsRaw
from core.db.models.wheel import LifeWheelEntry

__all__ = [
    "AIUsageCounter",
    "AIUsageLog",
    "Area",
    "AuthSession",
    "BotFSMRecord",
    "CalendarChannel",
    "CalendarEvent",
    "CalendarFeed",
    "CalendarNotification",
    "CoachTurn",
    "EmailVerification",
    "FutureStory",
    "FutureStoryDraft",
    "Goal",
    "GoogleConnection",
    "GoogleOAuthRequest",
    "JournalEntry",
    "LifeWheelEntry",
    "PasswordReset",
    "RitualPromptLog",
    "ServiceHeartbeat",
    "Step",
    "TelegramUpdateClaim",
    "User",
    "UserAchievement",
    "VisualAsset",
    "WantsAnalysis",
    "WantsRaw",
    "WeeklyReview",
    "XPEvent",
]
