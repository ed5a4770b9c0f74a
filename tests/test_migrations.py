"""Migration stairway: every revision upgrades, downgrades and upgrades again, on SQLite and PostgreSQL,
and the models never drift from what the migrations build."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import core.db.models  # noqa: F401
from core.db.base import Base
from core.db.migrate import alembic_config, downgrade, upgrade
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL, _postgres_admin


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
        return
    name = f"mechta_stairway_{uuid.uuid4().hex[:10]}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _revisions_base_to_head(url: str) -> list:
    script = ScriptDirectory.from_config(alembic_config(url))
    return list(reversed(list(script.walk_revisions())))


def test_the_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1, f"several heads, merge or re-chain them: {script.get_heads()}"


async def test_every_revision_upgrades_and_downgrades(empty_database_url: str) -> None:
    url = empty_database_url
    revisions = _revisions_base_to_head(url)
    assert revisions, "no migrations found"
    for revision in revisions:
        await asyncio.to_thread(upgrade, url, revision.revision)
        if not isinstance(revision.down_revision, tuple):  # a merge point has no single step down
            await asyncio.to_thread(downgrade, url, revision.down_revision or "base")
            await asyncio.to_thread(upgrade, url, revision.revision)
    await asyncio.to_thread(upgrade, url, "head")
    await asyncio.to_thread(downgrade, url, "base")
    await asyncio.to_thread(upgrade, url, "head")


async def test_models_match_the_migrations(empty_database_url: str) -> None:
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "head")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}),
                                              Base.metadata))
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
