"""`python -m api`: migrate, then serve the REST API with uvicorn."""
from __future__ import annotations

import uvicorn

from api.main import create_app
from core.bootstrap import configure_logging
from core.config import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings=settings), host=settings.api_host, port=settings.api_port,
                log_level=settings.log_level.lower(), proxy_headers=True)


if __name__ == "__main__":
    main()
