"""pytest plugin: browser fixtures (Playwright on Debian's Chromium) and axe-core checks.

Browser tests take `live_server` and `page`; the page's base URL is the live server, so
`page.goto("/en/report/")` works. Playwright's sync API runs an event loop in the test thread,
and Django refuses ORM calls from a thread with a running loop; the tests make such calls only
between browser actions, so the check is switched off for the test process.

Pages are driven by stable things (names, values, ids), not by their wording, so the tests hold
in every language.
"""

import contextlib
import datetime
import functools
import os
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

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
PERSONA_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (conftest.make_staff's TOTP secret)


class PlaywrightOverrides:
    """pytest-playwright's fixtures, overridden. Registered from pytest_configure, after
    pytest-playwright's own plugin, because among plugins the fixture registered last wins."""

    @pytest.fixture(scope="session")
    @staticmethod
    def browser_type_launch_args():
        """Debian's Chromium, never a browser downloaded by `playwright install`."""
        return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}

    @pytest.fixture(scope="session")
    @staticmethod
    def browser_context_args(live_server):
        return {"base_url": live_server.url, "locale": "en-US", "timezone_id": "America/Chicago"}

    @pytest.fixture
    @staticmethod
    def page(context):
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        yield page
        # A request still running in the live server (a preview recording its view, say) when
        # the test's data is flushed deadlocks PostgreSQL's TRUNCATE: let the page go quiet.
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("networkidle", timeout=10_000)
        page.close()


@pytest.fixture(autouse=True)
def _live_server_static_files(request):
    """The live server serves static files from the apps' folders (Django's finders), where only
    the plain names exist; the manifest storage would link to hashed names that only
    `collectstatic` writes (and WhiteNoise serves in production). Without this, pages in the
    browser would have no CSS or JavaScript."""
    if "live_server" not in request.fixturenames:
        return
    settings = request.getfixturevalue("settings")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _settles(action):
    """`action`, then a wait for the page's load event. A click or key press that follows a link
    or submits a form returns once the next page has begun to load, not once it has loaded; a
    check made straight after (`is_visible`, `inner_text`) can then read a half-parsed page, which
    on a busy machine is what it reads. Where nothing navigated, the wait returns at once."""

    @functools.wraps(action)
    def settled(self, *args, **kwargs):
        action(self, *args, **kwargs)
        page = self.page if isinstance(self, Locator) else self
        page.wait_for_load_state()

    return settled


def pytest_configure(config):
    config.pluginmanager.register(PlaywrightOverrides(), "commonground-playwright-overrides")
    for cls in (Locator, Page):
        for name in ("click", "press"):
            if not hasattr(getattr(cls, name), "__wrapped__"):
                setattr(cls, name, _settles(getattr(cls, name)))


# --- Accessibility -------------------------------------------------------------------------------


@functools.cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(page, *, context=None) -> list[dict]:
    """What axe-core (WCAG 2.x A and AA rules, and best practices) finds wrong on the page."""
    return _axe().run(page, context=context).response["violations"]


def assert_accessible(page, *, context=None) -> None:
    violations = axe_violations(page, context=context)
    if violations:
        raise AssertionError(
            f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + describe_violations(violations)
        )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


# --- Signing in ----------------------------------------------------------------------------------


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The RFC 6238 code an authenticator app shows at `at` (allauth's own HOTP code)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def fresh_totp_code(secret: str) -> str:
    """The code for now, waiting for the next period when this one is about to end, so the
    server (which accepts the current period only) checks it in the period it was made for."""
    from allauth.mfa import app_settings

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.05)
    return totp_code(secret)


def submit_login(page, username: str, password: str = "", *, language: str = "en") -> None:
    """Submit allauth's sign-in form; the password defaults to the personas' one."""
    from commonground.conftest import STAFF_PASSWORD

    page.goto(f"/{language}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password or STAFF_PASSWORD)
    page.locator("main form[action$='/accounts/login/'] [type=submit]").click()


def submit_totp(page, code: str) -> None:
    page.fill("input[name=code]", code)
    page.locator("main form:has(input[name=code]) [type=submit]").click()


@pytest.fixture
def sign_in_browser(live_server, page):
    """Puts a signed-in session for `user` into the page's browser context (no log-in form):
    for tests of what staff see, not of signing in. The user must already have a second factor,
    or the mandatory-MFA middleware sends every page to enrolment."""
    from django.conf import settings
    from django.test import Client

    def sign_in(user):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return sign_in


# --- The resident's report form ------------------------------------------------------------------


def htmx_settled(page, *, timeout: float = 30_000) -> None:
    """Wait until htmx has no request in flight and has wired up what it last swapped in.

    A swapped-in field exists before htmx processes it (its `hx-*` attributes take effect in the
    settle step, after a timer); Chromium runs key presses before timers, so on a busy machine a
    test could type into a field htmx is not yet listening to. htmx marks new content
    `htmx-added` and the element in flight `htmx-request` until then."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-added, .htmx-settling, .htmx-request')",
        timeout=timeout,
    )


def choose(page, name: str, value: str) -> None:
    """Tick the radio button (or checkbox) with this name and value."""
    page.locator(f"input[name='{name}'][value='{value}']").check()


def continue_step(page) -> None:
    page.locator("main button[name=action][value=continue]").click()
    page.wait_for_load_state()


def field_error(page, field_id: str):
    """The message Django renders at a field (`<ul class="errorlist" id="id_x_error">`)."""
    return page.locator(f"#{field_id}_error")


def days_ago(days: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=days)


def fill_kind(page, kind: str = "complaint") -> None:
    choose(page, "kind", kind)
    continue_step(page)


def fill_reporter_anonymous(page) -> None:
    choose(page, "reporter_type", "anonymous")
    continue_step(page)


def fill_when(page, *, on: datetime.date | None = None, location: str = "Main St & 3rd Ave"):
    page.fill("#id_incident_date", (on or days_ago(3)).isoformat())
    page.fill("#id_location", location)
    continue_step(page)


def fill_what(page, narrative: str = "The officer shouted at me and would not say why.") -> None:
    page.fill("#id_narrative", narrative)
    continue_step(page)


def start_report(page, *, language: str = "en", kind: str = "complaint") -> None:
    """Kind and an anonymous reporter answered; the page is at the "when" step."""
    page.goto(f"/{language}/report/kind/")
    fill_kind(page, kind)
    fill_reporter_anonymous(page)


# --- Files ---------------------------------------------------------------------------------------


def jpeg_with_exif(path, *, size=(64, 48)):
    """A small photo carrying camera and GPS metadata, as a phone would write it."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0132] = "2026:03:14 14:30:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (41.0, 52.0, 30.0)  # latitude
    gps[3], gps[4] = "W", (87.0, 37.0, 40.0)  # longitude
    image.save(path, format="JPEG", exif=exif)
    return path
