"""The web process: the REST API, plus — in webhook mode — the bot's Telegram webhook, plus /metrics.

It is composed here, outside `api/` and `bot/`, because it is the one place allowed to know both; the playground
(development only) comes with the API app. `python -m web` serves it; run as many replicas as needed.
"""
import bot.lazy_types  # noqa: F401  (aiogram's validators deferred before web.telegram imports aiogram)
