"""The data-rights service: which tables it covers (derived from the schema, and a new table is caught), the export
of everything without secrets, and a deletion that leaves no trace of the person and touches nobody else."""
from __future__ import annotations

import json
import secrets
import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey
from icalendar import Calendar
from sqlalchemy import Column, ForeignKey, MetaData, Table, Uuid

from bot.states import WheelForm
from bot.storage import create_storage
from core.bootstrap import Container
from core.db.base import Base
from core.errors import NotFound
from core.repositories.personal_data import (
    NOT_PERSONAL,
    TELEGRAM_KEYED,
    USERS_TABLE,
    unclassified_tables,
    user_linked_tables,
)
from core.services.data_rights import GOOGLE_NOT_CONNECTED, PERSONAL_TABLES
from tests.data_rights_seed import BOT_ID, rows_per_table, seed_everything, traces_of
from tests.helpers import make_user


def telegram_id() -> int:
    return 7_000_000_000 + secrets.randbelow(10**9)


def test_every_table_is_classified_so_the_deletion_reaches_it() -> None:
    assert unclassified_tables() == [], (
        "these tables have no foreign key to users and are not declared in core/repositories/personal_data.py: "
        "link them to users (ON DELETE CASCADE) or declare them")


def test_every_personal_table_is_declared_for_the_export_with_real_secret_columns() -> None:
    personal = {USERS_TABLE, *TELEGRAM_KEYED, *(table.name for table in user_linked_tables())}

    assert set(PERSONAL_TABLES) == personal
    for name, spec in PERSONAL_TABLES.items():
        assert set(spec.secrets) <= set(Base.metadata.tables[name].c.keys()), name


def test_declared_exceptions_name_real_tables_without_a_user_link() -> None:
    linked = {table.name for table in user_linked_tables()}

    for name in [*TELEGRAM_KEYED, *NOT_PERSONAL]:
        assert name in Base.metadata.tables and name not in linked
    for name, columns in TELEGRAM_KEYED.items():
        assert set(columns) <= set(Base.metadata.tables[name].c.keys())


def test_every_foreign_key_to_users_cascades() -> None:
    users = Base.metadata.tables[USERS_TABLE]
    for table in user_linked_tables():
        for fk in table.foreign_keys:
            if fk.column.table is users:
                assert fk.ondelete == "CASCADE", f"{table.name}.{fk.parent.name}"


def test_a_table_added_later_is_linked_through_any_parent_or_reported() -> None:
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("step_notes", metadata, Column("id", Uuid, primary_key=True),
          Column("step_id", Uuid, ForeignKey("steps.id", ondelete="CASCADE")))
    Table("shadow_log", metadata, Column("id", Uuid, primary_key=True), Column("user_id", Uuid))

    assert "step_notes" in {table.name for table in user_linked_tables(metadata)}
    assert unclassified_tables(metadata) == ["shadow_log"]


async def test_the_seed_fills_every_personal_table(container) -> None:
    user = await make_user(container, telegram_id=telegram_id())
    await seed_everything(container, user)

    counts = await rows_per_table(container, user)

    assert sorted(name for name, count in counts.items() if count == 0) == []


async def test_export_holds_every_kind_and_no_secret(container) -> None:
    user = await make_user(container, telegram_id=telegram_id(), first_name="Anna")
    seeded = await seed_everything(container, user)
    other = await seed_everything(container, await make_user(container, telegram_id=telegram_id()))

    document = await container.data_rights.export(user.id)

    text = json.dumps(document)
    assert document["format"] == "mechta-export" and document["user_id"] == str(user.id)
    assert document["profile"]["first_name"] == "Anna" and "password_hash" not in document["profile"]
    assert [goal["title"] for goal in document["goals"]] == [seeded.goal_title]
    assert document["life_wheels"][0]["scores"]["health"] == seeded.wheel_health
    assert document["journal_entries"][0]["answers"]["reflection"] == seeded.journal_text
    assert document["dialog_states"][0]["data"]["draft"].endswith(seeded.marker)
    assert document["calendar_connections"][0]["google_email"] == f"{seeded.marker}@example.com"
    exported = {spec.kind for spec in PERSONAL_TABLES.values() if spec.exported}
    assert exported <= set(document)
    assert {"email_verifications", "password_resets", "calendar_connect_requests"}.isdisjoint(document)
    for secret in ("password_hash", "access_token_enc", "refresh_token_enc", "token_hash", "refresh_jti",
                   "claim_token", '"token"'):
        assert secret not in text
    assert other.marker not in text and str(other.user.id) not in text


async def test_planned_blocks_become_an_ics_file(container) -> None:
    user = await make_user(container, time_zone="Europe/Berlin")
    seeded = await seed_everything(container, user, with_google=False)

    calendar = await container.data_rights.planned_blocks_ics(user.id)

    events = Calendar.from_ical(calendar.ics).walk("VEVENT")
    assert calendar.count == 1 and [str(event["summary"]) for event in events] == [f"Buy shoes {seeded.marker}"]


async def test_deletion_leaves_no_trace_and_nobody_else_is_touched(container) -> None:
    user = await make_user(container, telegram_id=telegram_id())
    seeded = await seed_everything(container, user, with_google=False)
    other = await make_user(container, telegram_id=telegram_id())
    await seed_everything(container, other, with_google=False)
    others_before = await rows_per_table(container, other)

    summary = await container.data_rights.delete_person(user.id)

    assert await traces_of(container, user, seeded.marker) == []
    assert not seeded.picture.exists() and not seeded.picture.parent.parent.exists()
    assert await rows_per_table(container, other) == others_before
    assert summary.deleted["goals"] == 1 and summary.deleted["steps"] == 1 and summary.deleted["profile"] == 1
    assert summary.deleted["dialog_states"] == 1 and summary.sessions_ended == 1
    assert summary.files == 1 and summary.google == GOOGLE_NOT_CONNECTED and summary.leftovers == ()


async def test_a_second_deletion_finds_nobody(container) -> None:
    user = await make_user(container)
    await container.data_rights.delete_person(user.id)

    with pytest.raises(NotFound) as caught:
        await container.data_rights.delete_person(user.id)

    assert caught.value.code == "USER_NOT_FOUND"


async def test_redis_dialog_state_and_cached_entries_of_the_person_go(container) -> None:
    person, stranger = telegram_id(), telegram_id()
    user = await make_user(container, telegram_id=person)
    storage = create_storage(container.settings, container.db)  # the bot's own Redis FSM storage
    try:
        mine = [StorageKey(bot_id=BOT_ID, chat_id=person, user_id=person),
                StorageKey(bot_id=BOT_ID, chat_id=person, user_id=person, thread_id=5)]
        theirs = StorageKey(bot_id=BOT_ID, chat_id=stranger, user_id=stranger)
        for key in [*mine, theirs]:
            await storage.set_state(key, WheelForm.scoring)
            await storage.set_data(key, {"scores": {"health": 3}})
        await container.cache.set_json(f"me:user:{user.id}", {"email": user.email}, 60)

        await container.data_rights.delete_person(user.id)

        for key in mine:
            assert await storage.get_state(key) is None and await storage.get_data(key) == {}
        assert await storage.get_state(theirs) == WheelForm.scoring.state
        assert await container.cache.get_json(f"me:user:{user.id}") is None
    finally:
        await storage.close()


async def test_export_of_an_unknown_person_is_not_found(container) -> None:
    with pytest.raises(NotFound):
        await container.data_rights.export(uuid.uuid4())


async def test_an_unreachable_redis_does_not_keep_the_persons_rows(container, settings, clock) -> None:
    user = await make_user(container, telegram_id=telegram_id())
    seeded = await seed_everything(container, user, with_google=False)
    # Nothing listens on port 1: the clean-up of Redis keys fails at once, after the rows are gone.
    cut_off = Container(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), clock=clock)
    try:
        summary = await cut_off.data_rights.delete_person(user.id)
    finally:
        await cut_off.close()

    assert summary.leftovers == ("redis",) and summary.deleted["goals"] == 1
    assert await traces_of(container, user, seeded.marker) == []
