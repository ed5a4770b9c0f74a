"""`python -m api`: migrate, then serve the REST API with uvicorn."""
from __future__ import annotations

import logging

import uvicorn

from api.main import create_app
from core.bootstrap import configure_logging
from core.config import get_settings

# The bot long-polls the playground emulator every few seconds; those lines would drown the useful ones.
QUIET_PATH_PREFIXES = ("/tg/", "/playground/api/")


class _QuietPollingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        path = str(args[2]) if len(args) >= 3 else ""
        return not path.startswith(QUIET_PATH_PREFIXES)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    logging.getLogger("uvicorn.access").addFilter(_QuietPollingFilter())
    uvicorn.run(create_app(settings=settings), host=settings.api_host, port=settings.api_port,
                log_level=settings.log_level.lower(), proxy_headers=True)


if __name__ == "__main__":
    main()
