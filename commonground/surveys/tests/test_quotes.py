"""Quotes from text answers: only staff who redact see the answers (and that is audited), make
and approve quotes; a refused quote keeps what was typed; the audit never holds the words."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys.actions import approve_quote, make_quote, withdraw_quote
from commonground.surveys.models import Question, Quote
from commonground.surveys.tests.factories import make_instrument, make_survey
from commonground.surveys.tests.publish_helpers import published_wave
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db

REDACTORS = {Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}
WORDS = "Officer Garcia at 5 Oak Road was rude to my son Luis"


@pytest.fixture
def wave():
    return published_wave(n=12, comment=WORDS)


def comment_of(wave):
    return Question.objects.get(instrument=wave.instrument, name="comment")


@pytest.mark.parametrize("role", sorted(Role.values))
def test_only_redactors_read_text_answers_and_make_or_approve_quotes(client, wave, role):
    user = make_staff(f"q-{role}", role)
    client.force_login(user)
    confirm_second_factor(client, user)
    page = client.get(f"/en/staff/surveys/quotes/?wave={wave.pk}")
    made = client.post(
        f"/en/staff/surveys/quotes/{wave.pk}/do/make/",
        {"question": comment_of(wave).pk, "text": "Rude to my son"},
    )
    if role in REDACTORS:
        assert page.status_code == 200 and WORDS in page.content.decode()
        assert made.status_code == 302
        own = Quote.objects.get()
        refused = client.post(f"/en/staff/surveys/quote/{own.pk}/do/approve/", follow=True)
        assert "A colleague approves the quotes you redact" in refused.content.decode()
        own.refresh_from_db()
        assert not own.approved and own.approved_by is None
        colleague = make_staff(f"colleague-{role}", Role.COMMUNITY_ENGAGEMENT)
        theirs = make_quote(wave=wave, question=comment_of(wave), text="Rude", by=colleague)
        assert client.post(f"/en/staff/surveys/quote/{theirs.pk}/do/approve/").status_code == 302
        theirs.refresh_from_db()
        assert theirs.approved and theirs.approved_by == user
    else:
        assert page.status_code == 403 and made.status_code == 403
        assert not Quote.objects.exists()
        other = make_quote(
            wave=wave,
            question=comment_of(wave),
            text="x",
            by=make_staff(f"ce-{role}", Role.COMMUNITY_ENGAGEMENT),
        )
        for name in ("approve", "withdraw"):
            response = client.post(f"/en/staff/surveys/quote/{other.pk}/do/{name}/")
            assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            approve_quote(quote=other, by=user)
        other.refresh_from_db()
        assert not other.approved


def test_reading_the_answers_is_audited_and_the_audit_never_holds_the_words(
    client, wave, engagement_officer, analyst
):
    client.force_login(engagement_officer)
    confirm_second_factor(client, engagement_officer)
    client.get(f"/en/staff/surveys/quotes/?wave={wave.pk}")
    quote = make_quote(
        wave=wave, question=comment_of(wave), text="Rude to my son", by=engagement_officer
    )
    approve_quote(quote=quote, by=analyst)
    withdraw_quote(quote=quote, by=engagement_officer)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "survey.text_answers_viewed" in actions
    assert {"survey.quote_made", "survey.quote_approved", "survey.quote_withdrawn"} <= set(actions)
    for event in AuditEvent.objects.all():
        assert "Rude" not in str(event.data) and "Garcia" not in str(event.data)
    assert not Quote.objects.exists()


def test_a_refused_quote_says_why_and_keeps_what_was_typed(client, wave, analyst):
    client.force_login(analyst)
    confirm_second_factor(client, analyst)
    long_text = "A kept draft " + "x" * 700
    response = client.post(
        f"/en/staff/surveys/quotes/{wave.pk}/do/make/",
        {"question": comment_of(wave).pk, "text": long_text},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A kept draft" in body and "The quote was not saved" in body
    safe = Question.objects.get(instrument=wave.instrument, name="safe")
    with pytest.raises(ValidationError) as refused:
        make_quote(wave=wave, question=safe, text="Four", by=analyst)
    assert "own words" in str(refused.value)
    with pytest.raises(ValidationError):
        make_quote(wave=wave, question=comment_of(wave), text="   ", by=analyst)
    other = make_instrument(make_survey("other"))
    elsewhere = Question.objects.get(instrument=other, name="comment")
    with pytest.raises(ValidationError) as refused:
        make_quote(wave=wave, question=elsewhere, text="Hello", by=analyst)
    assert "this wave's questionnaire" in str(refused.value)
    assert not Quote.objects.exists()


def test_the_waves_page_has_an_empty_state(client, analyst):
    client.force_login(analyst)
    confirm_second_factor(client, analyst)
    body = client.get("/en/staff/surveys/quotes/").content.decode()
    assert "No round of a survey has opened yet" in body
    assert client.get("/en/staff/surveys/quotes/?wave=999999").status_code == 404


def test_a_second_person_approves_a_quote_never_the_one_who_redacted_it(
    client, wave, engagement_officer, analyst
):
    quote = make_quote(
        wave=wave, question=comment_of(wave), text="Rude to my son", by=engagement_officer
    )
    with pytest.raises(ValidationError) as refused:
        approve_quote(quote=quote, by=engagement_officer)
    assert "colleague" in str(refused.value)
    quote.refresh_from_db()
    assert not quote.approved

    # The redactor's page says it waits for a colleague and offers no approve button.
    client.force_login(engagement_officer)
    confirm_second_factor(client, engagement_officer)
    approve_url = f"/en/staff/surveys/quote/{quote.pk}/do/approve/"
    body = client.get(f"/en/staff/surveys/quotes/?wave={wave.pk}").content.decode()
    assert "Waiting for a colleague" in body and approve_url not in body
    spanish = client.post(approve_url.replace("/en/", "/es/"), follow=True).content.decode()
    assert "Un colega aprueba las citas que usted redacta" in spanish

    # The colleague's page offers it, and approving it names who did.
    client.force_login(analyst)
    confirm_second_factor(client, analyst)
    body = client.get(f"/en/staff/surveys/quotes/?wave={wave.pk}").content.decode()
    assert approve_url in body and "Waiting for a colleague" not in body
    assert client.post(approve_url).status_code == 302
    quote.refresh_from_db()
    assert quote.approved and quote.approved_by == analyst
    event = AuditEvent.objects.get(action="survey.quote_approved")
    assert event.actor == analyst

    # Approving twice is refused, and the first approver stays on record.
    other = make_staff("second-approver", Role.ANALYST)
    with pytest.raises(ValidationError, match="already approved"):
        approve_quote(quote=quote, by=other)
    quote.refresh_from_db()
    assert quote.approved_by == analyst
    assert AuditEvent.objects.filter(action="survey.quote_approved").count() == 1
