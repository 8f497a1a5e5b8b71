"""A new staff member's first sign-in, in a real browser: password, then the authenticator app is
set up, then the recovery codes are saved, then the staff home. The password is asked once, and
nothing says "signed in" before the journey is complete."""

import pytest
from allauth.mfa.models import Authenticator
from django.utils import translation
from django.utils.translation import gettext as _

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.testing.browser import (
    assert_accessible,
    fresh_totp_code,
    submit_login,
    submit_totp,
)

pytestmark = pytest.mark.browser

WIDTHS = [390, 1280]


def signed_in_announcements(page) -> list[str]:
    """Messages on the page that say the user is signed in (allauth's "Successfully signed in as
    ..." in any language)."""
    texts = page.locator(".messages").all_inner_texts()
    with translation.override("es"):
        spanish = _("Successfully signed in as %(name)s.") % {"name": ""}
    return [t for t in texts if "signed in" in t.lower() or spanish.strip(". ") in t]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", WIDTHS)
def test_first_sign_in_asks_the_password_once_then_enrols_and_reaches_staff_home(
    live_server, page, language, width
):
    clerk = make_staff("clerk", Role.INTAKE_CLERK, mfa=False)
    page.set_viewport_size({"width": width, "height": 844})

    submit_login(page, "clerk", language=language)
    # Straight to setting up the authenticator app: the password just typed is not asked again.
    page.wait_for_url(f"**/{language}/accounts/2fa/totp/activate/")
    assert page.locator("html").get_attribute("lang") == language
    assert not signed_in_announcements(page)
    with translation.override(language):
        assert page.locator("main h1").inner_text() == _("Set up your authenticator app")
    assert page.locator("main #enrolment-steps").is_visible()
    assert_accessible(page)
    page.screenshot(path=f"/tmp/shots-h-staffui/enrol-{language}-{width}.png", full_page=True)

    secret = page.locator("#authenticator_secret").input_value()
    submit_totp(page, fresh_totp_code(secret))

    page.wait_for_url(f"**/{language}/accounts/2fa/recovery-codes/")
    assert not signed_in_announcements(page)
    assert Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).exists()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) >= 10
    assert_accessible(page)
    page.screenshot(path=f"/tmp/shots-h-staffui/codes-{language}-{width}.png", full_page=True)

    # A clear way on: "I have saved them: continue to the staff home".
    page.locator("main a#continue-to-staff-home").click()
    page.wait_for_url(f"**/{language}/staff/")
    assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_sign_in_pages_are_the_sites_own_in_each_language(live_server, page, language):
    make_staff("clerk", Role.INTAKE_CLERK)
    page.set_viewport_size({"width": 390, "height": 844})
    submit_login(page, "clerk", language=language)
    page.wait_for_url(f"**/{language}/accounts/2fa/authenticate/")
    with translation.override(language):
        assert page.locator("main h1").inner_text() == _(
            "Enter the code from your authenticator app"
        )
    assert_accessible(page)
    page.screenshot(path=f"/tmp/shots-h-staffui/code-step-{language}-390.png", full_page=True)
