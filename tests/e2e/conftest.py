"""End-to-end: real Chromium (Playwright) against a real gunicorn + gevent web process.

Fixtures:
- `live`: the web process (`live.url`), on the run's PostgreSQL and Redis; tables are emptied
  between tests by the suite's autouse fixture, like every other test.
- `new_page(user=None)`: a fresh browser context (its own cookies) opened on the site; with a
  user dict from `make_user`, signed in through the real /login form first.
- `shot(page, name)`: a full-page screenshot saved to test-artifacts/screenshots/<name>.png.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from render_worker.browser import CHROMIUM_FLAGS, find_chromium
from tests.processes import WebProcess

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="package")
def live(app, service_urls: dict[str, str]) -> Iterator[WebProcess]:
    """One real web process for the browser tests."""
    process = WebProcess(service_urls, "e2e")
    try:
        yield process.wait_ready()
    finally:
        process.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with SwiftShader WebGL2 (the player needs it)."""
    executable = find_chromium()
    if executable is None:
        pytest.fail("Chromium is needed for the browser tests (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser, live: WebProcess) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts; pass a `make_user` dict to be signed in."""
    contexts = []

    def open_page(user: dict | None = None, width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(base_url=live.url,
                                      viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if user is not None:
            page.goto("/login")
            page.fill("input[name=username]", user["username"])
            page.fill("input[name=password]", user["password"])
            page.click("form[data-role=login] button[type=submit]")
            page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """Save a screenshot as a test artifact and return its path."""

    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
