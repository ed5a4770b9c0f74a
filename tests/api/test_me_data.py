"""GET /api/v1/me/export and DELETE /api/v1/me over HTTP: the person's own data out, the person gone — proven
by the password or by a sign-in of the last five minutes — and nobody else touched."""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import httpx

from tests.data_rights_seed import rows_per_table, seed_everything, traces_of
from tests.helpers import error_of, make_user, ok_result, signed_in

PASSWORD = "Str0ng-pass!"


def telegram_id() -> int:
    return 7_000_000_000 + secrets.randbelow(10**9)


async def sign_in(api: httpx.AsyncClient, email: str) -> tuple[dict[str, str], str]:
    """A real sign-in: (Authorization header, refresh token)."""
    result = ok_result(await api.post("/api/v1/auth/signin", json={"email": email, "password": PASSWORD}))
    return {"Authorization": f"Bearer {result['tokens']['access_token']}"}, result["tokens"]["refresh_token"]


async def delete_me(api: httpx.AsyncClient, headers: dict[str, str], body: dict | None = None) -> httpx.Response:
    return await api.request("DELETE", "/api/v1/me", headers=headers, json=body)


async def test_export_returns_the_persons_data_and_nobody_elses(api, container) -> None:
    user, headers = await signed_in(container, first_name="Anna")
    mine = await seed_everything(container, user, with_google=False, wheel_health=9)
    other = await seed_everything(container, await make_user(container), with_google=False)

    document = ok_result(await api.get("/api/v1/me/export", headers=headers))

    assert document["profile"]["id"] == str(user.id) and "password_hash" not in document["profile"]
    assert [goal["title"] for goal in document["goals"]] == [mine.goal_title]
    assert document["life_wheels"][0]["scores"] == {"health": 9, "career": 5}
    assert document["journal_entries"][0]["answers"]["reflection"] == mine.journal_text
    assert other.marker not in str(document)


async def test_export_and_deletion_need_a_token(api) -> None:
    error_of(await api.get("/api/v1/me/export"), 401, "AUTH_UNAUTHORIZED")
    error_of(await delete_me(api, {}, {"password": PASSWORD}), 401, "AUTH_UNAUTHORIZED")


async def test_deletion_with_the_password_removes_everything_and_ends_the_sessions(api, container) -> None:
    user = await make_user(container, telegram_id=telegram_id())
    seeded = await seed_everything(container, user, with_google=False)
    other = await make_user(container)
    await seed_everything(container, other, with_google=False)
    others_before = await rows_per_table(container, other)
    headers, refresh = await sign_in(api, user.email)
    container.clock.advance(minutes=30)  # an old session: the password is the proof
    headers = {"Authorization": "Bearer " + ok_result(await api.post(
        "/api/v1/auth/refresh", json={"refresh_token": refresh}))["access_token"]}

    result = ok_result(await delete_me(api, headers, {"password": PASSWORD}))

    assert result["deleted"]["goals"] == 1 and result["deleted"]["journal_entries"] == 1
    assert result["sessions_ended"] == 2 and result["files_deleted"] == 1
    assert result["google"] == "not_connected" and result["leftovers"] == []
    assert await traces_of(container, user, seeded.marker) == []
    assert await rows_per_table(container, other) == others_before
    error_of(await api.get("/api/v1/me", headers=headers), 401, "AUTH_INVALID_TOKEN")
    error_of(await api.post("/api/v1/auth/signin", json={"email": user.email, "password": PASSWORD}), 401,
             "AUTH_INVALID_CREDENTIALS")


async def test_a_wrong_password_deletes_nothing_and_counts_as_a_failure(api, container) -> None:
    user = await make_user(container)
    await seed_everything(container, user, with_google=False)
    headers, _ = await sign_in(api, user.email)
    before = await rows_per_table(container, user)

    error = error_of(await delete_me(api, headers, {"password": "not-my-password1"}), 400,
                     "AUTH_INVALID_CURRENT_PASSWORD")
    for _attempt in range(container.settings.signin_max_failures - 1):
        await delete_me(api, headers, {"password": "not-my-password1"})

    assert error["fields"] == {"password": ["Wrong password"]}
    error_of(await delete_me(api, headers, {"password": PASSWORD}), 429, "RATE_LIMITED")
    assert await rows_per_table(container, user) == before


async def test_a_fresh_sign_in_deletes_without_the_password(api, container) -> None:
    user = await make_user(container)
    seeded = await seed_everything(container, user, with_google=False)
    headers, _ = await sign_in(api, user.email)
    container.clock.advance(minutes=4)

    result = ok_result(await delete_me(api, headers))

    assert result["deleted"]["profile"] == 1
    assert await traces_of(container, user, seeded.marker) == []


async def test_a_stale_sign_in_is_refused_even_with_a_refreshed_token(api, container) -> None:
    user = await make_user(container)
    await seed_everything(container, user, with_google=False)
    headers, refresh = await sign_in(api, user.email)
    container.clock.advance(timedelta(minutes=5, seconds=1))
    refreshed = ok_result(await api.post("/api/v1/auth/refresh", json={"refresh_token": refresh}))
    before = await rows_per_table(container, user)

    stale = error_of(await delete_me(api, headers), 403, "AUTH_REAUTH_REQUIRED")
    error_of(await delete_me(api, {"Authorization": f"Bearer {refreshed['access_token']}"}), 403,
             "AUTH_REAUTH_REQUIRED")

    assert stale["details"] == {"max_sign_in_age_seconds": 300, "password_accepted": True}
    assert await rows_per_table(container, user) == before


async def test_a_telegram_account_without_a_password_deletes_after_a_fresh_sign_in(api, container) -> None:
    person = telegram_id()
    body = {"telegram_id": person, "first_name": "Tanya"}
    bot = {"X-Bot-Secret": container.settings.bot_secret_key.get_secret_value()}
    first = ok_result(await api.post("/api/v1/auth/telegram", json=body, headers=bot))
    user = await container.users.get(uuid.UUID(first["user"]["id"]))
    seeded = await seed_everything(container, user, with_google=False)
    container.clock.advance(minutes=10)
    refreshed = ok_result(await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}))
    old = {"Authorization": f"Bearer {refreshed['access_token']}"}

    stale = error_of(await delete_me(api, old, {"password": "anything-at-all1"}), 403, "AUTH_REAUTH_REQUIRED")
    assert stale["details"]["password_accepted"] is False
    fresh = ok_result(await api.post("/api/v1/auth/telegram", json=body, headers=bot))
    result = ok_result(await delete_me(api, {"Authorization": f"Bearer {fresh['access_token']}"}))

    assert result["deleted"]["dialog_states"] == 1 and result["sessions_ended"] == 3
    assert await traces_of(container, user, seeded.marker) == []


async def test_a_malformed_body_is_a_validation_error(api, container) -> None:
    user, headers = await signed_in(container)

    error_of(await delete_me(api, headers, {"password": PASSWORD, "confirm": True}), 422, "VALIDATION_ERROR")
    error_of(await delete_me(api, headers, {"password": "x" * 129}), 422, "VALIDATION_ERROR")
    error_of(await delete_me(api, headers, {"password": 12345678}), 422, "VALIDATION_ERROR")

    assert ok_result(await api.get("/api/v1/me", headers=headers))["user"]["id"] == str(user.id)
