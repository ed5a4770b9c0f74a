"""Google Calendar as the provider: cached reads with incremental sync, writes flowing out, token refresh,
410 resync, a block moved or deleted in Google taking its step along, push channels, disconnect."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select

from core.db.models import CalendarChannel, CalendarEvent, GoogleConnection
from core.services.calendar.google_sync import TokenCipher
from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps, step_row
from tests.calendar.google.conftest import connect
from tests.helpers import auth_headers, error_of, ok_result, signed_in

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


async def connected_user(api, container, fake_google):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    result = await connect(api, container, headers, fake_google)
    assert result["status"] == 200
    return user, headers


async def count(container, model, **where) -> int:
    async with container.db.read() as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return int(await session.scalar(stmt))


def week_params():
    return {"start": berlin(1, 0).isoformat(), "end": berlin(8, 0).isoformat()}


async def test_reads_sync_all_pages_then_come_from_the_cache(api, container, fake_google, monday_clock):
    _, headers = await connected_user(api, container, fake_google)
    for hour in (9, 11, 13, 15, 17):
        fake_google.add_event(f"Meeting {hour}", berlin(2, hour), berlin(2, hour, 30))
    first = ok_result(await api.get("/api/v1/calendar/events", headers=headers, params=week_params()))
    assert [e["title"] for e in first["items"]] == [f"Meeting {h}" for h in (9, 11, 13, 15, 17)]
    assert all(e["provider"] == "google" and e["synced_with_google"] for e in first["items"])
    lists = fake_google.calls["GET /calendar/v3/calendars/primary/events"]
    assert lists == 3  # five events, two per page

    ok_result(await api.get("/api/v1/calendar/events", headers=headers, params=week_params()))
    assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists
    stats = ok_result(await api.get("/api/v1/calendar/cache/stats", headers=headers))
    assert (stats["cached_events"], stats["cache_hits"], stats["cache_misses"], stats["cache_hit_ratio"]) == (
        5, 1, 1, 0.5)
    assert stats["last_sync"] is not None

    cleared = ok_result(await api.delete("/api/v1/calendar/cache/clear", headers=headers))
    assert cleared["removed_events"] == 5
    again = ok_result(await api.get("/api/v1/calendar/events", headers=headers, params=week_params()))
    assert len(again["items"]) == 5


async def test_our_edits_flow_out_to_google(api, container, fake_google, monday_clock):
    _, headers = await connected_user(api, container, fake_google)
    created = ok_result(await api.post("/api/v1/calendar/events", headers=headers, json={
        "title": "Call mom", "start": berlin(3, 18).isoformat(), "end": berlin(3, 18, 30).isoformat()}), 201)
    remote = fake_google.events[created["external_id"]]
    assert remote["summary"] == "Call mom" and remote["start"]["timeZone"] == "Europe/Berlin"

    ok_result(await api.patch(f"/api/v1/calendar/events/{created['id']}", headers=headers,
                              json={"title": "Call mom and dad"}))
    assert fake_google.events[created["external_id"]]["summary"] == "Call mom and dad"
    ok_result(await api.delete(f"/api/v1/calendar/events/{created['id']}", headers=headers))
    assert fake_google.events[created["external_id"]]["status"] == "cancelled"
    error_of(await api.get(f"/api/v1/calendar/events/{created['id']}", headers=headers), 404,
             "CALENDAR_EVENT_NOT_FOUND")


async def test_expired_token_is_refreshed_and_saved(api, container, fake_google, monday_clock):
    user, _headers = await connected_user(api, container, fake_google)
    async with container.db.read() as session:
        before = (await session.scalars(select(GoogleConnection))).one()
    monday_clock.advance(hours=2)  # past the hour Google's access token lives
    await container.calendar.sync(user)
    assert fake_google.calls["refresh"] == 1
    async with container.db.read() as session:
        after = (await session.scalars(select(GoogleConnection))).one()
    assert after.access_token_enc != before.access_token_enc
    assert after.token_expires_at > monday_clock.now() + timedelta(minutes=50)

    fake_google.expire_access_tokens()  # Google forgets the token early: the client gets a 401 and refreshes
    await container.calendar.sync(user)
    assert fake_google.calls["refresh"] == 2


async def test_revoked_grant_forgets_the_connection_and_tells_the_user(api, container, fake_google, monday_clock):
    user, headers = await connected_user(api, container, fake_google)
    fake_google.refresh_tokens.clear()
    fake_google.expire_access_tokens()
    error_of(await api.post("/api/v1/calendar/sync", headers=headers), 409, "GOOGLE_ACCESS_REVOKED")
    assert await count(container, GoogleConnection) == 0
    kinds = [n.kind for n in await container.calendar.notifications.pending(user_id=user.id)]
    assert sorted(kinds) == ["google_access_lost", "google_connected"]


async def test_invalidated_sync_token_leads_to_a_full_resync(api, container, fake_google, monday_clock):
    _, headers = await connected_user(api, container, fake_google)
    keep = fake_google.add_event("Keep", berlin(2, 9), berlin(2, 10))
    gone = fake_google.add_event("Gone", berlin(2, 11), berlin(2, 12))
    first = ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    assert first["full_sync"] is True and first["synced_count"] == 2

    fake_google.delete_event(gone["id"])
    fake_google.add_event("New", berlin(3, 9), berlin(3, 10))
    fake_google.invalidate_sync_tokens()
    second = ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    assert second["full_sync"] is True
    titles = [e["title"] for e in ok_result(await api.get("/api/v1/calendar/events", headers=headers,
                                                          params=week_params()))["items"]]
    assert titles == ["Keep", "New"] and keep["id"] != gone["id"]

    fake_google.add_event("Later", berlin(4, 9), berlin(4, 10))
    third = ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    assert (third["full_sync"], third["synced_count"]) == (False, 1)


async def test_a_block_moved_or_deleted_in_google_moves_or_skips_its_step(api, container, fake_google,
                                                                          monday_clock):
    user, headers = await connected_user(api, container, fake_google)
    fake_google.add_event("Work", berlin(1, 9), berlin(1, 18))
    run, read = await add_steps(container, user, ("Long run", 60, 1, MONDAY), ("Read", 30, 2, MONDAY))
    committed = ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={}))
    assert committed["created"] == 2
    blocks = {e["extendedProperties"]["private"]["mechta_step_id"]: e for e in fake_google.live_events()
              if "extendedProperties" in e}
    assert set(blocks) == {str(run.id), str(read.id)}
    assert all(datetime.fromisoformat(b["start"]["dateTime"]) >= berlin(1, 18, 10) for b in blocks.values())

    fake_google.move_event(blocks[str(run.id)]["id"], berlin(3, 19), berlin(3, 20))
    fake_google.delete_event(blocks[str(read.id)]["id"])
    result = ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    assert (result["full_sync"], result["changed_step_blocks"]) == (False, 2)

    assert (await step_row(container, run.id)).planned_date == date(2026, 6, 3)
    assert (await step_row(container, read.id)).status == "skipped"
    pending = await container.calendar.notifications.pending(user_id=user.id)
    moved = next(n for n in pending if n.kind == "step_moved")
    assert moved.payload["step_id"] == str(run.id) and moved.payload["planned_date"] == "2026-06-03"
    assert [n.kind for n in pending if n.kind == "step_skipped"] == ["step_skipped"]
    delivered = await container.calendar.notifications.mark_delivered([n.id for n in pending])
    assert delivered == len(pending) and await container.calendar.notifications.pending(user_id=user.id) == []


async def test_push_burst_becomes_one_sync_and_bad_tokens_sync_nothing(api, container, fake_google, monday_clock):
    user, headers = await connected_user(api, container, fake_google)
    channel = ok_result(await api.post("/api/v1/webhook/setup", headers=headers))
    token = fake_google.channels[channel["channel_id"]]["token"]
    ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    lists = fake_google.calls["GET /calendar/v3/calendars/primary/events"]

    def push(channel_id, channel_token, state="exists"):
        return api.post("/api/v1/webhook/google", headers={
            "X-Goog-Channel-ID": channel_id, "X-Goog-Channel-Token": channel_token,
            "X-Goog-Resource-State": state, "X-Goog-Resource-ID": channel["resource_id"]})

    error_of(await push("unknown-channel", token), 404, "GOOGLE_CHANNEL_NOT_FOUND")
    error_of(await push(channel["channel_id"], "wrong-token"), 403, "GOOGLE_CHANNEL_TOKEN_INVALID")
    assert await container.calendar.push.run_pending_syncs(monday_clock.now() + timedelta(hours=1)) == 0

    fake_google.add_event("Added in Google", berlin(2, 9), berlin(2, 10))
    acks = [ok_result(await push(channel["channel_id"], token)) for _ in range(5)]
    assert [a["sync_scheduled"] for a in acks] == [True, False, False, False, False]
    assert await container.calendar.push.run_pending_syncs() == 0  # not due yet
    monday_clock.advance(seconds=6)
    assert await container.calendar.push.run_pending_syncs() == 1
    assert await container.calendar.push.run_pending_syncs() == 0
    assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists + 1
    titles = [e.title for e in await container.calendar.list_events(user, berlin(1, 0), berlin(8, 0))]
    assert titles == ["Added in Google"]

    status = ok_result(await api.get("/api/v1/webhook/status", headers=headers))
    assert status["channels"][0]["message_count"] == 5 and status["sync_pending"] is False


async def test_channels_are_renewed_before_expiry_and_can_be_unsubscribed(api, container, fake_google,
                                                                          monday_clock):
    user, headers = await connected_user(api, container, fake_google)
    first = ok_result(await api.post("/api/v1/calendar/webhook-setup", headers=headers))
    assert await container.calendar.push.renew_expiring_channels() == 0
    expires = datetime.fromisoformat(first["expiration"])
    monday_clock.set(expires - timedelta(hours=2))
    assert await container.calendar.push.renew_expiring_channels() == 1
    assert fake_google.stopped_channels == [first["channel_id"]]
    headers = await auth_headers(container, user)
    (current,) = ok_result(await api.get("/api/v1/webhook/status", headers=headers))["channels"]
    assert current["channel_id"] != first["channel_id"]

    other, _ = await signed_in(container, **BERLIN_FIELDS)
    other_headers = await auth_headers(container, other)
    error_of(await api.delete(f"/api/v1/webhook/unsubscribe/{current['channel_id']}", headers=other_headers),
             404, "GOOGLE_CHANNEL_NOT_FOUND")
    ok_result(await api.delete(f"/api/v1/webhook/unsubscribe/{current['channel_id']}", headers=headers))
    assert current["channel_id"] in fake_google.stopped_channels
    assert await count(container, CalendarChannel) == 0


async def test_disconnect_revokes_at_google_and_cleans_up(api, container, fake_google, monday_clock):
    _user, headers = await connected_user(api, container, fake_google)
    fake_google.add_event("Cached", berlin(2, 9), berlin(2, 10))
    ok_result(await api.post("/api/v1/calendar/sync", headers=headers))
    channel = ok_result(await api.post("/api/v1/webhook/setup", headers=headers))
    refresh = next(iter(fake_google.refresh_tokens))

    ok_result(await api.post("/api/v1/google/revoke", headers=headers))
    assert fake_google.revoked == [refresh] and channel["channel_id"] in fake_google.stopped_channels
    assert await count(container, GoogleConnection) == 0
    assert await count(container, CalendarChannel) == 0
    assert await count(container, CalendarEvent, source="google") == 0
    status = ok_result(await api.get("/api/v1/calendar/status", headers=headers))
    assert status["provider"] == "mechta" and status["google_connected"] is False


def test_token_keys_rotate_without_losing_old_ciphertexts():
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = TokenCipher(old_key).encrypt("1//refresh")
    rotated_cipher = TokenCipher(f"{new_key},{old_key}")
    assert rotated_cipher.decrypt(stored) == "1//refresh"
    rotated = rotated_cipher.rotate(stored)
    assert TokenCipher(new_key).decrypt(rotated) == "1//refresh"
    with pytest.raises(InvalidToken):
        TokenCipher(old_key).decrypt(rotated)
