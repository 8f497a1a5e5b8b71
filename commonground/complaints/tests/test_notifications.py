"""Each message to a reporter, in the language they wrote in."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from commonground.complaints.models import Outcome
from commonground.complaints.tasks import send_still_open_notices
from commonground.investigations.actions import close_case, route_case
from commonground.investigations.tests.helpers import triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]

EXPECTED = {
    "en": {
        "investigation": ("Your report: Under investigation", "An investigator is gathering"),
        "closed": ("Your report: Closed", "Outcome: Withdrawn at the reporter's request"),
        "referral": ("Your report was referred to another agency", "outside the jurisdiction"),
        "still_open": ("Your report is still open", "We have not forgotten it."),
    },
    "es": {
        "investigation": ("Su reporte: En investigación", "Un investigador"),
        "closed": ("Su reporte: Cerrado", "Resultado: Retirada a pedido"),
        "referral": ("Su reporte se remitió a otra agencia", "fuera de la jurisdicción"),
        "still_open": ("Su reporte sigue abierto", "No lo hemos olvidado."),
    },
}


def last_message():
    message = mail.outbox[-1]
    assert message.to == ["maria@example.org"]
    return message


def assert_says(message, expected):
    subject, phrase = expected
    assert message.subject == subject
    assert phrase in message.body, message.body


@pytest.mark.parametrize("language", ["en", "es"])
def test_milestones_and_the_outcome_reach_the_reporter_in_their_language(
    language, supervisor, investigator
):
    case = triaged_case(supervisor, language=language)
    route_case(case=case, to="investigation", by=supervisor, investigator=investigator)
    assert_says(last_message(), EXPECTED[language]["investigation"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_mediation_closing_tells_the_outcome(language, supervisor):
    case = triaged_case(supervisor, language=language)
    route_case(case=case, to="mediation", by=supervisor)
    close_case(case=case, outcome=Outcome.WITHDRAWN, reason="Asked to", by=supervisor)
    assert_says(last_message(), EXPECTED[language]["closed"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_referral_letter_is_in_the_reporters_language(language, supervisor):
    case = triaged_case(supervisor, language=language)
    close_case(
        case=case,
        outcome=Outcome.REFERRED,
        reason="County",
        referred_to="Riverton County Sheriff",
        by=supervisor,
    )
    letter = next(m for m in mail.outbox if "Riverton County Sheriff" in m.body)
    assert_says(letter, EXPECTED[language]["referral"])


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_still_open_notice_is_in_the_reporters_language(language, supervisor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        triaged_case(supervisor, language=language)
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        send_still_open_notices.call()
    assert_says(last_message(), EXPECTED[language]["still_open"])
