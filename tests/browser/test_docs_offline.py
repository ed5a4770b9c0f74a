"""/docs and /redoc render in Debian's chromium with every request outside this machine blocked: their assets
are served by the app itself."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.main import create_app
from core.config import Settings
from tests.browser.test_playground_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.test_playground_browser import pytestmark as browser_marks
from tests.utils.asgi_server import serve_asgi

pytestmark = browser_marks
# ReDoc parses the whole spec in the page before it shows anything: slow on a busy machine.
DOCS_TIMEOUT_MS = 60_000
REDOC_BADGE = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    """The docs need no database: the app is served without its lifespan, once (not per backend)."""
    settings = Settings(_env_file=None, env="test", data_dir=tmp_path, bot_token="123456:TEST")
    async with serve_asgi(create_app(settings=settings)) as base_url:
        yield base_url


async def open_offline(site: str, path: str):
    """A page where any request to another host fails, as on a machine without internet; returns the page
    and the list of blocked addresses."""
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []

    async def only_local(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_local)
    await page.goto(site + path)
    return playwright, browser, page, blocked


async def test_swagger_ui_works_offline(site: str) -> None:
    from playwright.async_api import expect

    playwright, browser, page, blocked = await open_offline(site, "/docs")
    try:
        await expect(page.locator(".opblock-summary-path").filter(has_text="/api/v1/auth/signup").first).to_be_visible(timeout=DOCS_TIMEOUT_MS)
        await expect(page.locator(".info .title")).to_contain_text("Mechta API", timeout=DOCS_TIMEOUT_MS)
    finally:
        await browser.close()
        await playwright.stop()
    assert blocked == []


async def test_redoc_works_offline(site: str) -> None:
    from playwright.async_api import expect

    playwright, browser, page, blocked = await open_offline(site, "/redoc")
    try:
        await expect(page.locator("h1").filter(has_text="Mechta API").first).to_be_visible(timeout=DOCS_TIMEOUT_MS)
        await expect(page.get_by_text("/api/v1/auth/signup").first).to_be_attached(timeout=DOCS_TIMEOUT_MS)
    finally:
        await browser.close()
        await playwright.stop()
    # ReDoc's "by Redocly" badge is the one remote picture in its build; it hides itself when unreachable.
    assert [url for url in blocked if url != REDOC_BADGE] == []
