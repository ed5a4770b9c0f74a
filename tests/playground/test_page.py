"""The playground page's JSON API (in-process over ASGI) and the page itself."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from playground import create_playground_app
from tests.playground.conftest import png_bytes


@pytest.fixture
def app(tmp_path) -> FastAPI:
    return create_playground_app(tmp_path / "state")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://playground") as client:
        yield client


async def new_user(client: httpx.AsyncClient, name: str = "Anna") -> dict:
    response = await client.post("/playground/api/users", json={"first_name": name, "language_code": "en"})
    assert response.status_code == 201
    return response.json()


async def test_page_is_marked_as_a_development_emulator(client: httpx.AsyncClient) -> None:
    response = await client.get("/playground")

    assert response.status_code == 200
    assert "Development playground — a local Telegram emulator, not Telegram" in response.text
    assert (await client.get("/playground/static/playground.js")).status_code == 200


async def test_created_users_are_listed_with_increasing_ids(client: httpx.AsyncClient) -> None:
    first = await new_user(client, "Anna")
    second = await new_user(client, "Boris")

    users = (await client.get("/playground/api/users")).json()["users"]

    assert [user["id"] for user in users] == [first["id"], second["id"]] == [100000001, 100000002]


async def test_text_sent_from_the_page_is_in_the_chat_history(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await new_user(client)

    await client.post(f"/playground/api/chats/{user['id']}/text", json={"text": "/start ref"})

    history = (await client.get(f"/playground/api/chats/{user['id']}/messages")).json()
    assert [(message["from"], message["text"]) for message in history["messages"]] == [("user", "/start ref")]
    assert app.state.emulator.pending_update_count() == 1


async def test_long_poll_returns_as_soon_as_the_bot_writes(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await new_user(client)
    version = (await client.get(f"/playground/api/chats/{user['id']}/messages")).json()["version"]
    polling = asyncio.create_task(client.get(f"/playground/api/chats/{user['id']}/updates", params={"after": version}))
    await asyncio.sleep(0.05)

    app.state.emulator.send_bot_messages(4242, user["id"], [{"text": "Hi!"}])

    changes = (await asyncio.wait_for(polling, timeout=2)).json()
    assert [message["text"] for message in changes["messages"]] == ["Hi!"]


async def test_long_poll_without_changes_returns_after_its_timeout(client: httpx.AsyncClient) -> None:
    user = await new_user(client)
    version = (await client.get(f"/playground/api/chats/{user['id']}/messages")).json()["version"]

    response = await client.get(
        f"/playground/api/chats/{user['id']}/updates", params={"after": version, "timeout": 0.1}
    )

    assert response.json()["messages"] == []


async def test_pressing_a_button_from_the_page_returns_the_query_id(client: httpx.AsyncClient, app: FastAPI) -> None:
    user = await new_user(client)
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    [message] = app.state.emulator.send_bot_messages(4242, user["id"], [{"text": "Sure?", "reply_markup": markup}])

    pressed = await client.post(
        f"/playground/api/chats/{user['id']}/buttons",
        json={"message_id": message["message_id"], "callback_data": "yes"},
    )
    missing = await client.post(
        f"/playground/api/chats/{user['id']}/buttons", json={"message_id": message["message_id"], "callback_data": "no"}
    )

    assert pressed.status_code == 200 and pressed.json()["callback_query_id"]
    assert missing.status_code == 400


async def test_uploaded_photo_is_served_back(client: httpx.AsyncClient) -> None:
    user = await new_user(client)
    image = png_bytes()

    await client.post(
        f"/playground/api/chats/{user['id']}/photo",
        files={"photo": ("me.png", image, "image/png")},
        data={"caption": "me"},
    )

    [message] = (await client.get(f"/playground/api/chats/{user['id']}/messages")).json()["messages"]
    assert message["caption"] == "me"
    assert (await client.get(message["photo_url"])).content == image


async def test_blocking_from_the_page_is_reflected_in_the_user(client: httpx.AsyncClient) -> None:
    user = await new_user(client)

    response = await client.post(f"/playground/api/users/{user['id']}/blocked", json={"blocked": True})

    assert response.json()["blocked"] is True


async def test_unknown_user_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post("/playground/api/chats/5/text", json={"text": "hi"})

    assert response.status_code == 404


async def test_the_page_sends_its_sample_voice_note_which_the_bot_can_fetch(client: httpx.AsyncClient,
                                                                            app: FastAPI) -> None:
    user = await new_user(client)

    response = await client.post(f"/playground/api/chats/{user['id']}/voice")

    assert response.status_code == 200
    voice = response.json()["voice"]
    assert voice["duration"] == 2 and voice["mime_type"] == "audio/wav"
    [shown] = (await client.get(f"/playground/api/chats/{user['id']}/messages")).json()["messages"]
    assert shown["voice"]["duration"] == 2
    audio = await client.get(shown["voice"]["url"])
    assert audio.content[:4] == b"RIFF" and audio.content[8:12] == b"WAVE"
    # The bot's side: getFile names a path that the file URL serves, as Telegram's does.
    info = app.state.emulator.file_info(voice["file_id"])
    assert app.state.emulator.file_by_path(info["file_path"])["mime_type"] == "audio/wav"
    assert app.state.emulator.pending_update_count() == 1
