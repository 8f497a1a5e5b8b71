"""Returned letters: staff type the codes printed on letters the post brought back (or that
households sent back refusing), with one AAPOR disposition; the response rates count them."""

import pytest

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys import codes
from commonground.surveys.actions import (
    record_returned_letters,
    submit_response,
    transition_wave,
)
from commonground.surveys.models import Invitation, WaveStatus
from commonground.surveys.selectors import sample_dispositions
from commonground.surveys.tests.factories import COMPLETE_ANSWERS
from commonground.surveys.tests.sample_helpers import sampled_wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampler(client):
    user = make_staff("returns-sampler", Role.COMMUNITY_ENGAGEMENT)
    client.force_login(user)
    return user


def printed(sample) -> list[str]:
    """Fresh codes for every invitation of the sample, as printing letters gives them."""
    found = []
    for invitation in Invitation.objects.filter(sample=sample).order_by("pk"):
        code = codes.new_code()
        Invitation.objects.filter(pk=invitation.pk).update(
            code_hash=codes.code_hash(code), letter_printed=True
        )
        found.append(code)
    return found


def returns_url(sample) -> str:
    return f"/en/staff/surveys/sampling/samples/{sample.pk}/do/returns/"


def test_returned_letters_are_recorded_and_change_the_rates(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    letters = printed(sample)
    before = sample_dispositions(sample)
    assert before == {"3.19": 5}
    # Typed as people type: lower case, spaces instead of dashes, a blank line, a repeat.
    typed = f"{letters[0].lower()}\n\n{letters[1].replace('-', ' ')}\n{letters[0]}\n"
    response = client.post(returns_url(sample), {"codes": typed, "disposition": "3.31"})
    assert response.status_code == 302
    assert "2 returned letters recorded." in client.get(response["Location"]).content.decode()
    assert sample_dispositions(sample) == {"3.19": 3, "3.31": 2}
    event = AuditEvent.objects.get(action="survey.letters_returned")
    assert event.data == {"letters": 2, "disposition": "3.31"}
    assert letters[0] not in str(event.data)


def test_one_bad_line_records_nothing_and_says_which_lines(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    letters = printed(sample)
    _other_frame, _other_wave, other_sample, _ = sampled_wave(sampler, seed=9)
    elsewhere = printed(other_sample)
    typed = "\n".join([letters[0], "not a code", elsewhere[0], letters[1]])
    response = client.post(returns_url(sample), {"codes": typed, "disposition": "4.313"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was recorded" in page
    assert "Line 2 is not a code" in page
    assert "Line 3: no letter of this sample has this code" in page
    assert "Line 1" not in page and "Line 4" not in page
    assert letters[0] in page  # what was typed is kept in the form
    assert not Invitation.objects.exclude(disposition="").exists()
    assert not AuditEvent.objects.filter(action="survey.letters_returned").exists()


def test_an_answer_counts_whatever_is_recorded_and_nothing_says_it_was_used(client, sampler):
    _frame, wave, sample, _ = sampled_wave(sampler)
    letters = printed(sample)
    submit_response(
        wave=wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=letters[0],
    )
    response = client.post(
        returns_url(sample), {"codes": f"{letters[0]}\n{letters[1]}", "disposition": "2.111"}
    )
    assert "2 returned letters recorded." in client.get(response["Location"]).content.decode()
    assert sample_dispositions(sample) == {"1.1": 1, "2.111": 1, "3.19": 3}


def test_the_form_asks_for_codes_and_a_disposition_it_knows(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    letters = printed(sample)
    empty = client.post(returns_url(sample), {"codes": " \n ", "disposition": "3.31"})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    for disposition in ("1.1", "3.19", "9.99", ""):
        refused = client.post(
            returns_url(sample), {"codes": letters[0], "disposition": disposition}
        )
        assert refused.status_code == 400, disposition
    assert not Invitation.objects.exclude(disposition="").exists()
    with pytest.raises(Exception, match="at least one"):
        record_returned_letters(sample=sample, codes_text="\n", disposition="3.31", by=sampler)


def test_a_published_wave_takes_no_returns_but_a_closed_one_does(client, sampler):
    _frame, wave, sample, _ = sampled_wave(sampler)
    letters = printed(sample)
    analyst = make_staff("returns-analyst", Role.ANALYST)
    transition_wave(wave=wave, to=WaveStatus.CLOSED, by=analyst)
    closed = client.post(returns_url(sample), {"codes": letters[0], "disposition": "3.31"})
    assert closed.status_code == 302
    transition_wave(wave=wave, to=WaveStatus.PUBLISHED, by=analyst)
    page = client.get(f"/en/staff/surveys/sampling/samples/{sample.pk}/").content.decode()
    assert "its response rates no longer change" in page
    refused = client.post(returns_url(sample), {"codes": letters[1], "disposition": "3.31"})
    assert refused.status_code == 400
    assert Invitation.objects.exclude(disposition="").count() == 1


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.INTAKE_CLERK, Role.AGENCY_HEAD])
def test_only_samplers_record_returns(client, role):
    _frame, _wave, sample, _ = sampled_wave()
    letters = printed(sample)
    client.force_login(make_staff(f"returns-{role}", role))
    refused = client.post(returns_url(sample), {"codes": letters[0], "disposition": "3.31"})
    assert refused.status_code == 403
    assert not Invitation.objects.exclude(disposition="").exists()


def test_the_page_is_in_spanish(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    page = client.get(f"/es/staff/surveys/sampling/samples/{sample.pk}/").content.decode()
    assert "Registrar cartas devueltas" in page
