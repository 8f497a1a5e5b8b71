"""What the resident sees on the status page as the case moves to its outcome."""

import pytest
from django.core import mail
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.models import Finding, Outcome
from commonground.conftest import make_staff
from commonground.investigations.actions import (
    close_case,
    merge_duplicate,
    route_case,
)
from commonground.investigations.tests.helpers import case_at_board, triaged_case
from commonground.oversight.actions import (
    Line,
    add_to_agenda,
    cast_vote,
    close_review,
    record_agency_decision,
    record_recommendation,
    schedule_meeting,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]

OFFICER = "Alex0 Rivera0"  # the officer the helpers' complaints are about


def status_page(client, code):
    return client.post("/en/status/", {"code": code}, follow=True).content.decode()


def board_and_agency_decide(cases, finding=Finding.SUSTAINED):
    staff = make_staff("board-staff", Role.BOARD_STAFF)
    members = [make_staff(f"member{i}", Role.BOARD_MEMBER) for i in range(3)]
    chief = make_staff("chief", Role.AGENCY_HEAD)
    meeting = schedule_meeting(title="Monthly meeting", starts_at=timezone.now(), by=staff)
    for case, review in zip(
        cases, add_to_agenda(meeting=meeting, cases=cases, by=staff), strict=True
    ):
        for member in members:
            cast_vote(review=review, choice="concur", by=member)
        lines = {a.pk: Line(finding, "training") for a in case.report.allegations.all()}
        record_recommendation(review=review, lines=lines, by=staff)
        close_review(review=review, by=staff)
        record_agency_decision(case=case, lines=lines, by=chief)


def test_the_resident_sees_milestones_not_internal_steps(client, supervisor, investigator):
    case = triaged_case(supervisor)
    assert "Under investigation" not in status_page(client, case.tracking_code)
    route_case(case=case, to="investigation", by=supervisor, investigator=investigator)
    page = status_page(client, case.tracking_code)
    assert page.count("<strong>Received</strong>") == 1
    assert "Under investigation" in page and "In triage" not in page


def test_a_closed_case_shows_its_outcome_and_findings_only_when_disclosed(
    client, settings, supervisor, investigator
):
    named = case_at_board(supervisor, investigator)
    anonymous = case_at_board(supervisor, investigator, reporter_type="anonymous", contact={})
    mail.outbox.clear()
    board_and_agency_decide([named, anonymous])
    outcome = "Sustained: the officer broke a rule"
    assert any(outcome in m.body for m in mail.outbox if m.to == ["maria@example.org"])

    settings.PUBLIC_DISCLOSE_OFFICER_OUTCOMES = False
    page = status_page(client, named.tracking_code)
    assert outcome in page and OFFICER not in page and "Finding on each" not in page
    assert "What you add is kept with it and read by a supervisor" in page

    settings.PUBLIC_DISCLOSE_OFFICER_OUTCOMES = True
    page = status_page(client, named.tracking_code)
    assert OFFICER in page and "Discourtesy" in page
    page = status_page(client, anonymous.tracking_code)
    assert outcome in page and OFFICER not in page and "Discourtesy" not in page


def test_a_merged_report_follows_the_report_it_was_combined_with(client, supervisor):
    primary = triaged_case(supervisor)
    duplicate = triaged_case(supervisor, contact={"name": "Ana", "email": "ana@example.org"})
    merge_duplicate(case=duplicate, into=primary.report, by=supervisor)
    page = status_page(client, duplicate.tracking_code)
    assert "combined with another report" in page
    assert "Closed" not in page.split("Where it is now")[1]
    route_case(case=primary, to="investigation", by=supervisor)
    assert "Under investigation" in status_page(client, duplicate.tracking_code)


def test_information_added_to_a_closed_report_is_kept_and_says_how_it_is_used(client, supervisor):
    case = triaged_case(supervisor)
    close_case(case=case, outcome=Outcome.WITHDRAWN, reason="Asked", by=supervisor)
    response = client.post(
        "/en/status/add/", {"code": case.tracking_code, "text": "More"}, follow=True
    )
    assert "Your information was added" in response.content.decode()
    assert case.report.updates.get().text == "More"
