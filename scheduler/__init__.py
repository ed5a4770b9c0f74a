"""The scheduler process. aiogram's type validators are deferred before its modules import aiogram
(bot/lazy_types.py)."""
import bot.lazy_types  # noqa: F401
