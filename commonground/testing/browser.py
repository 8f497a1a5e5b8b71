"""pytest plugin: browser fixtures (Playwright on Debian's Chromium) and axe-core checks.

Browser tests take `live_server` and `page`; the page's base URL is the live server, so
`page.goto("/en/report/")` works. Playwright's sync API runs an event loop in the test thread,
which would make Django refuse ORM calls from the test itself; the tests and the live server
share that thread's database connection safely, so the check is switched off here.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PASSWORD = "correct-horse-battery"  # noqa: S105 (the personas' test password, see conftest)


class PlaywrightOverrides:
    """pytest-playwright's fixtures, overridden. Registered from pytest_configure, after
    pytest-playwright itself, because the fixture registered last wins."""

    @staticmethod
    @pytest.fixture(scope="session")
    def browser_type_launch_args():
        """Debian's Chromium, never a browser downloaded by `playwright install`."""
        return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}

    @staticmethod
    @pytest.fixture(scope="session")
    def browser_context_args(live_server):
        return {"base_url": live_server.url, "locale": "en-US", "timezone_id": "America/Chicago"}

    @staticmethod
    @pytest.fixture
    def page(context):
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        return page


def pytest_configure(config):
    config.pluginmanager.register(PlaywrightOverrides(), "commonground-playwright-overrides")
