"""Run Alembic migrations programmatically (startup, `make migrate`, tests)."""
from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    with _sqlite_migration_lock(database_url):
        command.upgrade(alembic_config(database_url), revision)


@contextmanager
def _sqlite_migration_lock(database_url: str) -> Iterator[None]:
    """SQLite has no advisory locks: processes starting together take turns through a lock file beside the DB."""
    database = make_url(database_url).database if database_url.startswith("sqlite") else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
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
