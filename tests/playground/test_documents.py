"""Documents a bot uploads (multipart, as aiogram sends them) come back byte for byte: through getFile and the file
download of the Bot API, and through the page's file link, with the name and a type named after the file."""
from __future__ import annotations

import httpx
from aiogram import Bot
from aiogram.types import BufferedInputFile

from tests.playground.conftest import Playground

PAYLOAD = '{"goal": "Пробежать полумарафон", "nul": "\\u0000"}'.encode()


async def test_an_uploaded_document_is_downloadable_through_the_bot_api(bot: Bot, playground: Playground,
                                                                        user: dict) -> None:
    sent = await bot.send_document(user["id"], BufferedInputFile(PAYLOAD, "mechta-export.json"), caption="Export")

    file = await bot.get_file(sent.document.file_id)

    assert (await bot.download_file(file.file_path)).read() == PAYLOAD
    assert (sent.document.file_name, sent.document.mime_type) == ("mechta-export.json", "application/json")
    assert sent.document.file_size == len(PAYLOAD)


async def test_the_page_serves_the_same_bytes_under_the_documents_name(bot: Bot, playground: Playground,
                                                                       user: dict) -> None:
    calendar = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    await bot.send_document(user["id"], BufferedInputFile(calendar, "plan.ics"))
    [shown] = playground.emulator.messages(user["id"])

    async with httpx.AsyncClient(base_url=playground.base_url) as client:
        response = await client.get(shown["document"]["url"])

    assert response.content == calendar and shown["document"]["mime_type"] == "text/calendar"
    assert response.headers["content-type"].startswith("text/calendar")
    assert "plan.ics" in response.headers["content-disposition"]
