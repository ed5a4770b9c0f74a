"""The Telegram bot. Importing the package first defers aiogram's type validators to their first use
(bot/lazy_types.py): it runs before any module of the bot imports aiogram."""
from bot.lazy_types import defer_aiogram_validators

defer_aiogram_validators()
