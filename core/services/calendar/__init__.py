"""Calendar planning: one provider interface (Mechta's own calendar or Google Calendar), free slots and the
deterministic placer, the ICS feed, Google OAuth/sync/push, and the notification outbox for the bot."""
from core.services.calendar.service import CalendarService

__all__ = ["CalendarService"]
