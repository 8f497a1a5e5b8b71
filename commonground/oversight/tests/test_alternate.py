"""The agency head does not see or decide a case about an officer they are, or command; the
designated alternate decides it, and only such cases."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.models import AllegationCategory, Report, Status
from commonground.conftest import make_staff
from commonground.investigations.actions import staff_to_notify
from commonground.investigations.models import Case
from commonground.investigations.tasks import send_deadline_reminders
from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import record_agency_decision
from commonground.oversight.tests.helpers import concurred, on_agenda
from commonground.oversight.tests.test_views import lines_data
from commonground.roster.models import Officer, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def awaiting_decision(supervisor, investigator, board_staff, members):
    """A case about a patrol officer, reviewed by the board, awaiting the agency's decision; the
    chief commands the officer's unit directly."""
    case = case_at_board(supervisor, investigator, categories=(AllegationCategory.DISCOURTESY,))
    named = case.report.officers.get().officer
    office = Unit.objects.create(agency=named.agency, name="Office of the Chief")
    named.unit.parent = office
    named.unit.save()
    chief = Officer.objects.create(
        agency=named.agency, first_name="Dee", last_name="Chief", badge_number="1", unit=office
    )
    office.commander = chief
    office.save()
    named.unit.commander = chief
    named.unit.save()
    concurred(on_agenda(board_staff, case), board_staff, members)
    case.refresh_from_db()
    assert case.report.status == Status.AGENCY_DECISION
    return case, chief


@pytest.fixture
def sworn_head(awaiting_decision):
    head = make_staff("chief", Role.AGENCY_HEAD)
    head.officer = awaiting_decision[1]
    head.save()
    return head


@pytest.fixture
def alternate(db):
    return make_staff("deputy", Role.DECISION_ALTERNATE)


def decide(client, case):
    data = lines_data("decide", case.report.allegations.all())
    version = Case.objects.get(pk=case.pk).version
    return client.post(
        f"/en/staff/cases/{case.report_id}/board/do/decide/", {**data, "version": version}
    )


def test_the_conflicted_head_neither_sees_nor_decides_and_the_alternate_does(
    client, awaiting_decision, sworn_head, alternate
):
    case, _chief = awaiting_decision
    reference = case.report.reference
    client.force_login(sworn_head)
    assert reference not in client.get("/en/staff/decisions/").content.decode()
    assert client.get(f"/en/staff/cases/{case.report_id}/board/").status_code == 403
    assert client.get(f"/en/staff/cases/{case.report_id}/").status_code == 403
    assert decide(client, case).status_code == 403
    review = case.board_reviews.get()
    assert client.get(f"/en/staff/board/reviews/{review.pk}/").status_code == 403
    meeting = client.get(f"/en/staff/board/meetings/{review.meeting_id}/").content.decode()
    assert reference not in meeting
    with pytest.raises(PermissionDenied):
        record_agency_decision(case=case, lines={}, by=sworn_head)
    assert sworn_head.pk not in staff_to_notify(case, "agency_head")

    assert staff_to_notify(case, "agency_head") == [alternate.pk]
    client.force_login(alternate)
    assert reference in client.get("/en/staff/decisions/").content.decode()
    page = client.get(f"/en/staff/cases/{case.report_id}/board/").content.decode()
    assert 'name="decide-explanation"' in page
    assert decide(client, case).status_code == 302
    report = Report.objects.get(pk=case.report_id)
    assert report.status == Status.CLOSED
    assert report.case.agency_decision.decided_by == alternate


def test_the_alternate_does_not_decide_what_the_head_may_decide(
    client, awaiting_decision, agency_head, alternate
):
    case, _chief = awaiting_decision  # agency_head has no linked officer: not conflicted
    client.force_login(alternate)
    assert case.report.reference not in client.get("/en/staff/decisions/").content.decode()
    page = client.get(f"/en/staff/cases/{case.report_id}/board/").content.decode()
    assert 'name="decide-explanation"' not in page
    assert decide(client, case).status_code == 403
    assert staff_to_notify(case, "agency_head") == [agency_head.pk]
    client.force_login(agency_head)
    assert decide(client, case).status_code == 302


def test_deadline_reminders_go_to_the_alternate_not_the_conflicted_head(
    awaiting_decision, sworn_head, alternate
):
    case, _chief = awaiting_decision
    assert Case.objects.get(pk=case.pk).due_on is not None
    for user in (sworn_head, alternate):
        user.email = f"{user.username}@example.org"
        user.save()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=400), tick=False):
        mail.outbox.clear()
        send_deadline_reminders.call()
    assert [m.to for m in mail.outbox] == [["deputy@example.org"]]
    assert case.report.reference in mail.outbox[0].body
