"""Confirming it is you again (allauth's reauthentication): the page says why it asks, and a
request that waits for a fresh second factor is not offered the password, which could not let it
through and only led back to the same page."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from commonground.evidence.models import CustodyKind
from commonground.evidence.tests.helpers import footage
from commonground.testing.browser import PERSONA_TOTP_SECRET, totp_code

pytestmark = pytest.mark.django_db

CHANGING_SIGN_IN = {
    "en": "You are changing how you sign in",
    "es": "Está cambiando cómo inicia sesión",
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_changing_second_factors_asks_for_the_password_and_says_why(client, supervisor, language):
    client.force_login(supervisor)
    with translation.override(language):
        asked = client.get(reverse("mfa_generate_recovery_codes"), follow=True)
        page = asked.content.decode()
        assert asked.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
        assert _("Confirm it is you") in page
        assert 'id="confirmation-reason"' in page
        assert CHANGING_SIGN_IN[language] in page


@pytest.mark.files
def test_a_fresh_second_factor_is_not_offered_the_password_that_would_lead_back(client, custodian):
    item = footage(custodian)
    client.force_login(custodian)
    url = reverse("evidence:download", args=[item.uuid])
    asked = client.post(url, {"download-reason": "Prosecutor's request 26-114"})
    confirm = asked["Location"]
    assert confirm.startswith(reverse("mfa_reauthenticate"))

    page = client.get(confirm).content.decode()
    assert "sensitive" in page
    assert reverse("account_reauthenticate") not in page  # no "use your password"

    # Typed by hand, the password form with the same destination sends on to the code.
    by_hand = client.get(f"{reverse('account_reauthenticate')}?{urlencode({'next': url})}")
    assert by_hand.status_code == 302
    assert by_hand["Location"].startswith(reverse("mfa_reauthenticate"))

    resumed = client.post(confirm, {"code": totp_code(PERSONA_TOTP_SECRET)})
    assert resumed.status_code == 200
    assert resumed["Content-Disposition"].startswith("attachment")
    assert item.custody.filter(kind=CustodyKind.DOWNLOADED).exists()


def test_other_confirmations_still_offer_both_ways(client, supervisor):
    client.force_login(supervisor)
    next_url = reverse("mfa_generate_recovery_codes")
    page = client.get(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}")
    assert reverse("account_reauthenticate") in page.content.decode()


def test_a_first_enrolment_that_takes_a_while_is_not_asked_for_the_password_again(client):
    import datetime

    import time_machine

    from commonground.accounts.models import Role
    from commonground.conftest import STAFF_PASSWORD, make_staff

    make_staff("newcomer", Role.INTAKE_CLERK, mfa=False)
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        signed_in = client.post(
            reverse("account_login"), {"login": "newcomer", "password": STAFF_PASSWORD}
        )
        assert signed_in.status_code == 302
        # Ten minutes installing an authenticator app: the page is still the enrolment.
        clock.shift(datetime.timedelta(minutes=10))
        enrol = client.get(reverse("mfa_activate_totp"))
        assert enrol.status_code == 200
        # Twenty minutes after signing in, changing second factors asks for the password again.
        clock.shift(datetime.timedelta(minutes=10))
        again = client.get(reverse("mfa_activate_totp"))
        assert again.status_code == 302
        assert again["Location"].startswith(reverse("account_reauthenticate"))
