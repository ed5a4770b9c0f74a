"""A person in Debian's chromium: the playground page, the full app and the real bot — onboarding and a wheel."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.main import create_app
from bot.dispatcher import create_dispatcher
from bot.factory import create_bot
from core.bootstrap import Container
from core.config import Settings
from tests.utils.asgi_server import serve_asgi

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    # Outside CI a machine without chromium skips these; CI installs it (.ci/run), so there they must run.
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Playground mode (no bot token) and no anti-flood window: the browser clicks faster than people."""
    return settings.model_copy(update={"bot_token": "", "bot_throttle_seconds": 0})


@pytest.fixture
async def site(container: Container) -> AsyncIterator[str]:
    app = create_app(container)
    async with serve_asgi(app) as base_url:
        bot = create_bot(container.settings.model_copy(update={"telegram_api_url": f"{base_url}/tg"}))
        dispatcher = create_dispatcher(container)
        polling = asyncio.create_task(dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1,
            allowed_updates=dispatcher.resolve_used_update_types()))
        try:
            yield base_url
        finally:
            with contextlib.suppress(RuntimeError):
                await dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(polling, 10)
            await dispatcher.storage.close()
            await bot.session.close()


async def test_a_new_user_completes_onboarding_and_a_life_wheel_by_clicking(site: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1200, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            await page.goto(f"{site}/playground")
            await page.get_by_test_id("new-user-name").fill("Anna")
            await page.get_by_test_id("new-user-language").select_option("en")
            await page.get_by_test_id("new-user-button").click()
            await expect(page.get_by_test_id("user-item")).to_have_count(1)
            await page.get_by_test_id("command-chip").filter(has_text="/start").click()

            def button(text: str | re.Pattern):
                return page.get_by_test_id("inline-button").filter(has_text=text).last

            await button("English").click()
            await expect(page.get_by_test_id("reply-button")).to_contain_text("Share my location")
            await page.get_by_test_id("text-input").fill("Berlin")
            await page.get_by_test_id("send-button").click()
            await button("Yes, right").click()
            await button("08:00").click()
            await button("21:00").click()
            await button("Skip").click()
            await button("Life wheel").click()
            bubbles = page.get_by_test_id("message-text")
            for step in range(1, 9):
                await expect(bubbles.filter(has_text=f"Life wheel · {step} of 8")).to_have_count(1)
                score = 6 if step == 1 else 7  # not all equal: an even wheel names no focus
                await button(re.compile(rf"^\s*{score}\s*$")).click()

            chart = page.get_by_test_id("chart-image").last
            await expect(chart).to_be_visible()
            await expect(bubbles.filter(has_text="Focus for now")).to_have_count(1)
            loaded_width = await chart.evaluate("image => image.complete ? image.naturalWidth : 0")
            await page.screenshot(path=str(tmp_path / "playground-life-wheel.png"), full_page=True)
        finally:
            await browser.close()

    assert loaded_width > 300
    assert (tmp_path / "playground-life-wheel.png").stat().st_size > 10_000
