"""Run Alembic migrations programmatically (startup, `make migrate`, tests)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    # env.py drives its own event loop, so it runs in a worker thread when called from async code.
    await asyncio.to_thread(upgrade, database_url, revision)


def main() -> None:
    import logging

    from core.config import get_settings
    from core.db.engine import _ensure_sqlite_dir

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if settings.is_sqlite:
        _ensure_sqlite_dir(settings.database_url)
    upgrade(settings.database_url)
    logging.getLogger("mechta.migrate").info("database is at the latest revision")


if __name__ == "__main__":
    main()
