"""`python -m web`: migrate, then serve the web process (API, webhook in webhook mode, /metrics) with uvicorn."""
from __future__ import annotations

import logging

import uvicorn

from core.bootstrap import configure_logging
from core.config import startup_settings
from web.app import create_web_app

# The bot long-polls the playground emulator every few seconds; those lines would drown the useful ones.
QUIET_PATH_PREFIXES = ("/tg/", "/playground/api/")
# Telegram keeps a webhook connection open; on shutdown, requests in flight get this long to finish.
GRACEFUL_SHUTDOWN_SECONDS = 25


class _QuietPollingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        path = str(args[2]) if len(args) >= 3 else ""
        return not path.startswith(QUIET_PATH_PREFIXES)


def main() -> None:
    settings = startup_settings()
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("uvicorn.access").addFilter(_QuietPollingFilter())
    uvicorn.run(create_web_app(settings=settings), host=settings.api_host, port=settings.api_port,
                log_level=settings.log_level.lower(), log_config=None,
                # The app itself believes X-Forwarded-For only from FORWARDED_ALLOW_IPS (api/main.py); uvicorn's
                # own handling would trust loopback by default.
                proxy_headers=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)


if __name__ == "__main__":
    main()
