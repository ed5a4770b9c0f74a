"""An identity read back from the shared cache has the same values as the one stored: times stay times."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from core.db.models import AuthSession, User
from core.identity import Identity, identity_of


def test_times_come_back_from_the_shared_cache_as_times() -> None:
    signed_in = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    user = User(id=uuid.uuid4(), email="who@example.com", email_verified_at=signed_in)
    session = AuthSession(id=uuid.uuid4(), user_id=user.id, created_at=signed_in, expires_at=signed_in)

    loaded = Identity.load(identity_of(user, session).dump())

    assert loaded is not None
    back_user, back_session = loaded.principal_parts(session.id)
    assert back_session.created_at == signed_in and back_session.expires_at == signed_in
    assert back_user.email_verified_at == signed_in


def test_the_user_alone_comes_only_with_a_live_session_of_the_identity() -> None:
    user = User(id=uuid.uuid4(), email="who@example.com", first_name="Ada")
    session = AuthSession(id=uuid.uuid4(), user_id=user.id)
    identity = identity_of(user, session)

    built = identity.user_of(session.id)

    assert built is not None and built is not user and (built.id, built.first_name) == (user.id, "Ada")
    assert identity.user_of(uuid.uuid4()) is None
