"""Headless Chromium (the system's, not Playwright's download) against the live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.axe_core import axe_script
from tests.conftest import ARTIFACTS, PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, but static files come through whitenoise from the collected,
    hashed files, as in production, instead of Django's development handler (which knows only
    the unhashed source names)."""
    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context; any console error (a CSP violation included) fails the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


# Every rule, reporting violations only: passes and the rest are not listed node by node.
AXE_OPTIONS = {"resultTypes": ["violations"]}


def load_axe_on_every_page(page: Page) -> None:
    """axe-core in every document the page's context opens, before its own scripts, for a test
    that checks nearly every page it visits: the script (650 kB) then crosses to the browser
    once, not once a page. Elsewhere ``assert_accessible`` injects it into the page it checks,
    which costs less than loading it into every page a flow passes through."""
    page.context.add_init_script(script=axe_script())


def assert_accessible(page: Page) -> None:
    """Every axe-core rule on the page as it is now; a violation fails the test, naming the
    rule, its impact and help, and the first elements at fault."""
    if not page.evaluate("() => typeof window.axe?.run === 'function'"):
        page.evaluate(axe_script())
    violations = page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)", AXE_OPTIONS
    )
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]
    assert not violations, "axe-core violations:\n" + "\n".join(summary)


def screenshot(page: Page, name: str) -> None:
    """A full-page PNG in test-artifacts/ for a person to look at. Taken in the SQLite pass
    (and in any run of chosen tests); the PostgreSQL pass shows the same pages and skips them
    (TEST_SCREENSHOTS=all takes them there too)."""
    label = os.environ.get("TEST_DATABASE_LABEL", "sqlite").split()[0].lower()
    if label == "postgresql" and os.environ.get("TEST_SCREENSHOTS") != "all":
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
