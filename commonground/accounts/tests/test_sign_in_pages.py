"""Every sign-in page a staff member meets is the site's own: its heading in plain words in the
page's language, axe clean, nothing wider than a phone."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

SIGNED_OUT = [
    ("account_login", "Staff sign-in"),
    ("account_reset_password", "Forgotten your password?"),
    ("account_reset_password_done", "Check your e-mail"),
]
SIGNED_IN = [
    ("mfa_index", "Your sign-in methods"),
    ("account_change_password", "Change your password"),
    ("account_logout", "Sign out"),
    # Making new codes asks to confirm it is you first, and says why.
    ("mfa_generate_recovery_codes", "Confirm it is you"),
]


def check(page, language, url, heading):
    page.goto(url)
    with translation.override(language):
        assert page.locator("main h1").inner_text() == _(heading), url
    assert page.locator("html").get_attribute("lang") == language
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_sign_in_pages_are_the_sites_own_at_phone_width(
    live_server, page, sign_in_browser, language
):
    page.set_viewport_size({"width": 390, "height": 844})
    for name, heading in SIGNED_OUT:
        with translation.override(language):
            url = reverse(name)
        check(page, language, url, heading)
    sign_in_browser(make_staff("investigator", Role.INVESTIGATOR))
    for name, heading in SIGNED_IN:
        with translation.override(language):
            url = reverse(name)
        check(page, language, url, heading)
    assert page.locator("#confirmation-reason").is_visible()
    page.screenshot(path=f"/tmp/shots-h-staffui/confirm-{language}-390.png", full_page=True)
