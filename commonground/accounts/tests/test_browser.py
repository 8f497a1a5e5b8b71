"""Staff sign-in in a real browser: the mandatory second factor, enrolment, and the first task."""

import time

import pytest
from allauth.mfa.models import Authenticator

from commonground.accounts.models import Role
from commonground.complaints.models import Report
from commonground.conftest import make_staff
from commonground.testing.browser import (
    PERSONA_TOTP_SECRET,
    assert_accessible,
    days_ago,
    fresh_totp_code,
    submit_login,
    submit_totp,
    totp_code,
)

pytestmark = pytest.mark.browser


def test_clerk_enrols_an_authenticator_then_enters_a_phone_report(live_server, page):
    clerk = make_staff("clerk", Role.INTAKE_CLERK, mfa=False)

    submit_login(page, "clerk")
    # No second factor yet: every page leads to enrolment, without asking again for the password
    # just typed.
    page.wait_for_url("**/en/accounts/2fa/totp/activate/")
    assert_accessible(page)
    page.goto("/en/staff/intake/")
    page.wait_for_url("**/en/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) >= 16
    submit_totp(page, fresh_totp_code(secret))

    # Recovery codes come with the authenticator.
    page.wait_for_url("**/en/accounts/2fa/recovery-codes/")
    assert Authenticator.objects.filter(user=clerk, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=clerk, type=Authenticator.Type.RECOVERY_CODES).exists()

    page.goto("/en/staff/intake/")
    assert page.url.endswith("/en/staff/intake/")
    form = page.locator("main form[data-submit-once]")
    form.locator("#id_receipt-channel").select_option("phone")
    assert form.locator("#id_receipt-received_on").input_value()  # today, preset
    form.locator("input[name='kind-kind'][value=complaint]").check()
    form.locator("input[name='reporter-reporter_type'][value=self]").check()
    form.locator("#id_reporter-name").fill("Dolores Huerta")
    form.locator("input[name='reporter-contact_method'][value=phone]").check()
    form.locator("#id_reporter-phone").fill("555-201-3344")
    form.locator("#id_reporter-language").select_option("es")
    form.locator("input[name='when-timing'][value=exact]").check()
    form.locator("#id_when-incident_date").fill(days_ago(2).isoformat())
    form.locator("#id_when-location").fill("Bus stop at 5th and Oak")
    form.locator("#id_what-narrative").fill("Caller says an officer pushed her at the bus stop.")
    form.locator("#id_officer-0-badge_given").fill("4471")
    form.locator(".actions button[type=submit]").click()
    page.wait_for_load_state()
    refused = page.locator("main .errorlist").all_inner_texts()
    assert not refused, f"the report was refused: {refused}"

    code = page.locator("#tracking-code").inner_text().strip()
    assert len(code) == 19
    assert_accessible(page)
    report = Report.objects.get()
    assert report.channel == "phone"
    assert report.received_by == clerk
    assert report.language == "es"
    assert report.reporter_contact["phone"] == "555-201-3344"
    assert report.reference in page.locator("main h1").inner_text()


def wrong_code(secret: str) -> str:
    """A six-digit code that no nearby time window accepts."""
    now = time.time()
    valid = {totp_code(secret, at=now + shift) for shift in range(-90, 91, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def test_sign_in_asks_for_the_authenticator_code(live_server, page):
    make_staff("investigator", Role.INVESTIGATOR)

    submit_login(page, "investigator")
    page.wait_for_url("**/en/accounts/2fa/authenticate/")
    assert_accessible(page)

    submit_totp(page, wrong_code(PERSONA_TOTP_SECRET))
    assert page.url.endswith("/en/accounts/2fa/authenticate/")
    assert page.locator("main .errorlist, main [role=alert]").count() >= 1
    assert page.locator("input[name=code]").get_attribute("aria-invalid") == "true"
    page.goto("/en/staff/")
    assert "/en/accounts/" in page.url  # not signed in yet: back to the code

    page.wait_for_url("**/en/accounts/2fa/authenticate/")
    submit_totp(page, fresh_totp_code(PERSONA_TOTP_SECRET))
    page.wait_for_url("**/en/staff/")
    assert "investigator" in page.locator("main h1").inner_text()
    assert_accessible(page)


def test_staff_add_a_security_key_and_then_sign_in_with_it(live_server, page, settings):
    """WebAuthn, the phishing-resistant factor, on a virtual authenticator (Chromium's DevTools).
    The live server speaks plain http; production is https, where no exception is needed."""
    from allauth.mfa.models import Authenticator

    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    user = make_staff("investigator", Role.INVESTIGATOR)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    submit_login(page, "investigator")
    page.wait_for_url("**/en/accounts/2fa/authenticate/")
    submit_totp(page, fresh_totp_code(PERSONA_TOTP_SECRET))
    page.wait_for_url("**/en/staff/")

    # Adding a factor asks to confirm who you are, unless you signed in moments ago (as here).
    page.goto("/en/accounts/2fa/webauthn/add/")
    assert page.url.endswith("/en/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Desk key")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Desk key"

    page.context.clear_cookies()
    submit_login(page, "investigator")
    page.wait_for_url("**/en/accounts/2fa/authenticate/")
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url("**/en/staff/")
    assert "investigator" in page.locator("main h1").inner_text()
