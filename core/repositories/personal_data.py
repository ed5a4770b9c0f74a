"""Every row of one person, found through the schema itself rather than a hand-kept list.

A table holds a person's rows when one of its foreign keys leads to `users.id`, directly or through another such
table (a picture belongs to a story that belongs to the user). The few tables keyed by the Telegram id instead are
named in TELEGRAM_KEYED, and the tables that hold nobody's data in NOT_PERSONAL; `unclassified_tables` lists any
other table, so a table added later without a way back to its person fails the data-rights tests.
Queries only: the caller owns the transaction.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, false, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import Base
from core.db.models import CalendarEvent

USERS_TABLE = "users"
# Tables keyed by the person's Telegram id (no foreign key can point there), with the columns that hold it.
TELEGRAM_KEYED: dict[str, tuple[str, ...]] = {
    # aiogram's dialog state: user_id is the Telegram user, chat_id equals it in a private chat.
    "bot_fsm_states": ("user_id", "chat_id"),
}
# Tables without anybody's data, and why.
NOT_PERSONAL: dict[str, str] = {
    "areas": "the catalogue of life areas everyone scores",
    "service_heartbeats": "liveness of the bot and scheduler processes",
    "telegram_update_claims": "which replica handles a webhook update: bot and update ids only, pruned after a day",
}


def user_linked_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """Tables whose rows belong to a user through foreign keys, parents before children (`users` left out)."""
    users = metadata.tables[USERS_TABLE]
    linked: set[Table] = {users}
    ordered: list[Table] = []
    for table in metadata.sorted_tables:  # parents come first, so a child sees its parent already classified
        if table is users:
            continue
        if any(fk.column.table in linked for fk in table.foreign_keys if fk.column.table is not table):
            linked.add(table)
            ordered.append(table)
    return ordered


def unclassified_tables(metadata: MetaData = Base.metadata) -> list[str]:
    """Tables the deletion would miss: no foreign-key path to users and not declared above."""
    known = {USERS_TABLE, *TELEGRAM_KEYED, *NOT_PERSONAL, *(table.name for table in user_linked_tables(metadata))}
    return sorted(set(metadata.tables) - known)


class PersonalDataRepository:
    """The rows of one person in every table that holds them."""

    def __init__(self, session: AsyncSession, user_id: uuid.UUID, telegram_id: int | None,
                 metadata: MetaData = Base.metadata) -> None:
        self.session = session
        self.user_id = user_id
        self.telegram_id = telegram_id
        self.metadata = metadata
        self.users = metadata.tables[USERS_TABLE]
        self.linked = user_linked_tables(metadata)
        self._linked_set = set(self.linked)

    def tables(self) -> list[Table]:
        """`users`, then every linked table (parents first), then the Telegram-keyed ones."""
        return [self.users, *self.linked, *(self.metadata.tables[name] for name in TELEGRAM_KEYED)]

    def owned(self, table: Table) -> ColumnElement[bool]:
        """The WHERE clause selecting this person's rows of `table`."""
        if table is self.users:
            return self.users.c.id == self.user_id
        if table.name in TELEGRAM_KEYED:
            if self.telegram_id is None:
                return false()
            return or_(*(table.c[column] == self.telegram_id for column in TELEGRAM_KEYED[table.name]))
        clauses: list[ColumnElement[bool]] = []
        for constraint in table.foreign_key_constraints:
            parent = constraint.referred_table
            if parent is table or (parent is not self.users and parent not in self._linked_set):
                continue
            local = [element.parent for element in constraint.elements]
            remote = [element.column for element in constraint.elements]
            if parent is self.users and remote == [self.users.c.id]:
                clauses.append(local[0] == self.user_id)
                continue
            key = local[0] if len(local) == 1 else tuple_(*local)
            # Every path counts: the rows the database would cascade (or refuse) when the parent goes.
            clauses.append(key.in_(select(*remote).where(self.owned(parent))))
        return or_(*clauses) if clauses else false()

    async def lock_user(self) -> Any | None:
        """The user's row, locked so no concurrent write can add a child row while the person is being deleted."""
        statement = select(self.users).where(self.owned(self.users)).with_for_update()
        return (await self.session.execute(statement)).first()

    async def rows(self, table: Table) -> list[dict[str, Any]]:
        order = [table.c.created_at] if "created_at" in table.c else []
        statement = select(table).where(self.owned(table)).order_by(*order, *table.primary_key.columns)
        return [dict(row) for row in (await self.session.execute(statement)).mappings()]

    async def delete_all(self) -> dict[str, int]:
        """Delete the person everywhere, children before parents; rows deleted per table name."""
        counts: dict[str, int] = {}
        for table in [*(self.metadata.tables[name] for name in TELEGRAM_KEYED), *reversed(self.linked), self.users]:
            result = await self.session.execute(delete(table).where(self.owned(table)))
            counts[table.name] = result.rowcount or 0
        return counts

    async def planned_blocks(self) -> list[CalendarEvent]:
        """Calendar blocks planned for the person's steps, oldest first (cancelled ones left out)."""
        statement = (select(CalendarEvent)
                     .where(CalendarEvent.user_id == self.user_id, CalendarEvent.step_id.is_not(None),
                            CalendarEvent.status != "cancelled")
                     .order_by(CalendarEvent.start_at, CalendarEvent.id))
        return list(await self.session.scalars(statement))
