"""Every model module is imported here so `Base.metadata` is complete for Alembic and tests."""
from core.db.models.area import Area
from core.db.models.auth import AuthSession, EmailVerification, PasswordReset
from core.db.models.heartbeat import ServiceHeartbeat
from core.db.models.quota import AIUsageCounter
from core.db.models.user import User
from core.db.models.wheel import LifeWheelEntry

__all__ = [
    "AIUsageCounter",
    "Area",
    "AuthSession",
    "EmailVerification",
    "LifeWheelEntry",
    "PasswordReset",
    "ServiceHeartbeat",
    "User",
]
