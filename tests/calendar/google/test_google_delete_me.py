"""Deleting the account releases the Google grant: the fake Google sees the push channel stopped and the grant
revoked, after the rows are gone; a Google that refuses the revoke keeps nothing of the person."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.db.models import CalendarChannel, CalendarEvent, GoogleConnection
from tests.calendar.conftest import BERLIN_FIELDS
from tests.calendar.google.conftest import connect
from tests.data_rights_seed import traces_of
from tests.helpers import ok_result, signed_in

PASSWORD = {"password": "Str0ng-pass!"}


async def connected(api, container, fake_google):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    assert (await connect(api, container, headers, fake_google))["status"] == 200
    start = container.clock.now() + timedelta(hours=3)
    fake_google.add_event("Dentist", start, start + timedelta(hours=1))
    ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    channel = ok_result(await api.post("/api/v1/webhook/setup", headers=headers))
    return user, headers, channel


async def google_rows(container) -> int:
    async with container.db.read() as session:
        return sum([await session.scalar(select(func.count()).select_from(model))
                    for model in (GoogleConnection, CalendarChannel, CalendarEvent)])


async def test_deleting_the_account_stops_the_channel_and_revokes_the_grant(api, container, fake_google,
                                                                             monday_clock):
    user, headers, channel = await connected(api, container, fake_google)
    refresh = next(iter(fake_google.refresh_tokens))

    result = ok_result(await api.request("DELETE", "/api/v1/me", headers=headers, json=PASSWORD))

    assert result["google"] == "revoked" and result["deleted"]["calendar_connections"] == 1
    assert result["deleted"]["calendar_events"] == 1
    assert fake_google.revoked == [refresh] and fake_google.stopped_channels == [channel["channel_id"]]
    assert fake_google.refresh_tokens == set() and fake_google.access_tokens == {}
    assert await google_rows(container) == 0
    assert await traces_of(container, user, marker=user.email) == []


async def test_a_refused_revoke_still_deletes_everything(api, container, fake_google, monday_clock):
    user, headers, _channel = await connected(api, container, fake_google)
    fake_google.refresh_tokens.clear()  # Google no longer knows the grant: the revoke answers invalid_token

    result = ok_result(await api.request("DELETE", "/api/v1/me", headers=headers, json=PASSWORD))

    assert result["google"] == "revoke_failed" and fake_google.revoked == []
    assert await google_rows(container) == 0
    assert await traces_of(container, user, marker=user.email) == []
