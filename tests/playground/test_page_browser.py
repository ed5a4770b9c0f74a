"""The playground page in Debian's chromium, against a real aiogram Bot."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from playground import create_playground_app
from tests.playground.conftest import Playground, make_bot
from tests.utils.asgi_server import serve_asgi

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    # Outside CI a machine without chromium skips these; CI installs it (.ci/run), so there they must run.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Playground]:
    app = create_playground_app(tmp_path / "state")
    async with serve_asgi(app) as base_url:
        yield Playground(app.state.emulator, base_url)


@pytest.fixture
async def page(served: Playground):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = await browser.new_page()
        await page.goto(f"{served.base_url}/playground")
        yield page
        await browser.close()


async def test_chat_round_trip_renders_formatting_safely_and_presses_buttons(page, served: Playground) -> None:
    from playwright.async_api import expect

    await page.get_by_test_id("new-user-name").fill("Anna")
    await page.get_by_test_id("new-user-button").click()
    await expect(page.get_by_test_id("user-item")).to_have_count(1)
    await page.get_by_test_id("command-chip").filter(has_text="/start").click()
    [user] = served.emulator.list_users()
    bot = make_bot(served.base_url)
    try:
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]])
        await bot.send_message(user["id"], "<b>Hi</b> &lt;img src=x onerror=alert(1)&gt;", reply_markup=markup)

        bot_bubble = page.locator('[data-testid="message-bubble"][data-from="bot"]')
        await expect(bot_bubble.locator("b")).to_have_text("Hi")
        await expect(bot_bubble).to_contain_text("<img src=x onerror=alert(1)>")
        await expect(bot_bubble.locator("img")).to_have_count(0)
        await bot_bubble.get_by_test_id("inline-button").click()

        pressed = await next_callback_query(bot)
    finally:
        await bot.session.close()

    assert pressed.data == "go"


async def next_callback_query(bot):
    offset = None
    while True:
        for update in await bot.get_updates(offset=offset, timeout=2):
            if update.callback_query:
                return update.callback_query
            offset = update.update_id + 1
