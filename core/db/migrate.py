"""Run Alembic migrations programmatically (startup, `make migrate`, tests)."""
from __future__ import annotations

import asyncio
import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

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
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    # env.py drives its own event loop, so it runs in a worker thread when called from async code.
    await asyncio.to_thread(upgrade, database_url, revision)


# The database a child `python -m core.db.migrate` migrates, when its parent names it (not on the command line,
# where a password would show in the process list).
URL_VARIABLE = "MECHTA_MIGRATE_DATABASE_URL"


async def upgrade_in_subprocess(database_url: str) -> None:
    """Migrate from a child process: a long-running server then never imports Alembic and Mako (~35 MiB it would
    keep for its whole life to use once)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.db.migrate", env={**os.environ, URL_VARIABLE: database_url},
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, errors = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"migrating the database failed ({child.returncode}):\n{errors.decode()[-4000:]}")


def main() -> None:
    import logging

    from core.db.engine import _ensure_sqlite_dir

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    database_url = os.environ.get(URL_VARIABLE)
    if not database_url:
        from core.config import get_settings

        database_url = get_settings().database_url
    if database_url.startswith("sqlite"):
        _ensure_sqlite_dir(database_url)
    upgrade(database_url)
    logging.getLogger("mechta.migrate").info("database is at the latest revision")


if __name__ == "__main__":
    main()
