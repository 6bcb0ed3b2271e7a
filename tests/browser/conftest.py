"""Real Chromium through Playwright's sync API against pytest-django's live server
(which serves static files through StaticFilesHandler since staticfiles is installed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]

# Playwright's sync API keeps an event loop in this thread; the test's own ORM
# calls (seeding, final assertions) are plain synchronous code, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      locale="zh-CN", device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Every page must pass the Content-Security-Policy with no console error:
        # a blocked inline script or style would show up here. A 4xx answer to a
        # form (an inline validation error, by design) is logged by Chromium and
        # by htmx too.
        errors: list[str] = []
        expected = ("Failed to load resource: the server responded with a status of 4",
                    "Response Status Error Code 4")
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                if m.type == "error" and not m.text.startswith(expected) else None)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        try:
            yield page
            assert not errors, "console errors:\n" + "\n".join(errors)
        finally:
            context.close()
            browser.close()
            # Django keys connections by asyncio context as well as thread; the ones
            # opened while Playwright's loop ran would outlive the test and block
            # the PostgreSQL test database's teardown.
            connections.close_all()
    connections.close_all()


@pytest.fixture
def shot(browser_page):
    """shot("01-share") saves a full-page screenshot under test-artifacts/browser/."""

    def _shot(name: str) -> Path:
        # Grow the viewport to the page's height first: the sticky bottom bars then
        # sit at the end of the picture, as they do when a phone scrolls to the end.
        page = browser_page
        size = page.viewport_size or {"width": 390, "height": 844}
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
        return path

    return _shot


@pytest.fixture
def server(django_db_setup, live_server):
    """The live server, started after the test database exists so that it is stopped
    (and its connections closed) before the database is torn down."""
    return live_server
