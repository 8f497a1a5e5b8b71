"""The "About you" step asks about contact details only once the resident says who is reporting."""

import pytest

pytestmark = pytest.mark.django_db


def _start(client):
    client.post("/en/report/kind/", {"kind": "complaint"})


def test_leaving_who_is_reporting_empty_shows_one_error_not_one_on_the_email_field(client):
    _start(client)
    # What the browser sends when nothing was chosen: the contact method's preselected e-mail.
    response = client.post(
        "/en/report/reporter/", {"contact_method": "email", "language": "en"}, follow=True
    )
    form = response.context["form"]
    assert set(form.errors) == {"reporter_type"}
    page = response.content.decode()
    assert "Choose who is reporting." in page
    assert "Enter your e-mail address" not in page


def test_once_chosen_the_contact_details_are_asked_for(client):
    _start(client)
    response = client.post(
        "/en/report/reporter/",
        {"reporter_type": "self", "name": "Ana", "contact_method": "email", "language": "en"},
        follow=True,
    )
    assert set(response.context["form"].errors) == {"email"}
