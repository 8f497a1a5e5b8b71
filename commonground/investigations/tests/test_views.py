import datetime

import pytest
import time_machine
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.models import Outcome, Report, Status
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.investigations.actions import close_case, open_case, pause_clock
from commonground.investigations.models import Case, LogEntry, ProposedFinding
from commonground.investigations.tests.helpers import (
    case_awaiting_approval,
    case_under_investigation,
    triaged_case,
)
from commonground.testing.mfa import confirm_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def act(client, report, name, data=None, version=None, **extra):
    payload = dict(data or {})
    if version is not None:
        payload["version"] = version
    return client.post(
        f"/en/staff/cases/{report.pk}/do/{name}/",
        {f"{name}-{k}" if k != "version" else k: v for k, v in payload.items()},
        **extra,
    )


def version_of(case):
    return Case.objects.get(pk=case.pk).version


def test_a_complaint_walks_from_triage_to_the_board_through_the_case_page(
    client, supervisor, investigator
):
    report = file(officers=[]).report
    client.force_login(supervisor)
    page = client.get(f"/en/staff/cases/{report.pk}/").content.decode()
    assert "Start triage" in page
    assert act(client, report, "open").status_code == 302
    case = Case.objects.get(report=report)
    from commonground.complaints.tests.factories import agency_with_officers

    _, _, _, officers = agency_with_officers(1)
    response = act(
        client,
        report,
        "add_officer",
        {"officer": officers[0].badge_number, "role": "subject"},
        version_of(case),
    )
    assert response.status_code == 302
    involved = report.officers.get()
    response = act(
        client,
        report,
        "allegation",
        {"involved": involved.pk, "category": "use_of_force", "summary": "Pushed me"},
        version_of(case),
    )
    assert response.status_code == 302
    response = act(
        client,
        report,
        "route",
        {"to": "investigation", "investigator": investigator.pk, "reason": "Serious"},
        version_of(case),
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Status.INVESTIGATION

    client.force_login(investigator)
    allegation = report.allegations.get()
    response = act(
        client,
        report,
        "log",
        {
            "kind": "interview",
            "occurred_on": "2026-01-05",
            "person": "Witness",
            "summary": "Saw it",
        },
        version_of(case),
    )
    assert response.status_code == 302
    assert LogEntry.objects.get(case=case).author == investigator
    findings = {f"finding_{allegation.pk}": "sustained", f"rationale_{allegation.pk}": "Video"}
    # Changing a finding needs a second factor from the last few minutes.
    asked = act(client, report, "findings", findings, version_of(case))
    assert "/accounts/2fa/reauthenticate/" in asked["Location"]
    assert not ProposedFinding.objects.filter(allegation=allegation).exists()
    confirm_second_factor(client, investigator)
    assert act(client, report, "findings", findings, version_of(case)).status_code == 302
    assert act(client, report, "submit", {}, version_of(case)).status_code == 302

    client.force_login(supervisor)
    confirm_second_factor(client, supervisor)
    response = act(client, report, "review", {"decision": "approved"}, version_of(case))
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Status.BOARD_REVIEW
    page = client.get(f"/en/staff/cases/{report.pk}/", follow=True).content.decode()
    assert "Sustained" in page and "Serious" in page


def test_a_finding_without_rationale_is_refused_and_what_was_typed_stays(
    client, supervisor, investigator
):
    case = case_under_investigation(supervisor, investigator)
    allegation = case.report.allegations.get()
    client.force_login(investigator)
    confirm_second_factor(client, investigator)
    response = act(
        client,
        case.report,
        "findings",
        {f"finding_{allegation.pk}": "exonerated", f"rationale_{allegation.pk}": ""},
        version_of(case),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required" in body
    assert '<option value="exonerated" selected>' in body
    assert not hasattr(Case.objects.get(pk=case.pk).report.allegations.get(), "proposed_finding")


def test_a_stale_form_is_refused_with_a_clear_message_and_nothing_changes(
    client, supervisor, investigator
):
    case = triaged_case(supervisor)
    seen = version_of(case)
    client.force_login(supervisor)
    assert act(client, case.report, "pause", {"reason": "Court case"}, seen).status_code == 302
    response = act(
        client,
        case.report,
        "close",
        {"outcome": Outcome.WITHDRAWN, "reason": "Asked to"},
        seen,
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()
    assert Report.objects.get(pk=case.report_id).status == Status.TRIAGE


def test_an_illegal_step_is_refused_with_its_reason(client, supervisor):
    case = triaged_case(supervisor, categories=())
    client.force_login(supervisor)
    response = act(client, case.report, "route", {"to": "investigation"}, version_of(case))
    assert response.status_code == 400
    assert "Classify at least one allegation first." in response.content.decode()
    assert Report.objects.get(pk=case.report_id).status == Status.TRIAGE


def test_pausing_without_a_reason_is_refused(client, supervisor):
    case = triaged_case(supervisor)
    client.force_login(supervisor)
    response = act(client, case.report, "pause", {"reason": ""}, version_of(case))
    assert response.status_code == 400
    assert not Case.objects.get(pk=case.pk).paused


def test_a_conflicted_investigator_is_shown_with_the_reason_and_refused(client, supervisor):
    case = triaged_case(supervisor)
    subject = case.report.officers.get().officer
    conflicted = make_staff("conflicted", Role.INVESTIGATOR)
    conflicted.officer = subject
    conflicted.save()
    client.force_login(supervisor)
    page = client.get(f"/en/staff/cases/{case.report_id}/").content.decode()
    assert "the complaint is about them" in page
    response = act(client, case.report, "assign", {"investigator": conflicted.pk}, version_of(case))
    assert response.status_code == 400
    assert "cannot investigate this case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).investigator is None


def test_merging_with_an_unknown_reference_says_so(client, supervisor):
    case = triaged_case(supervisor)
    client.force_login(supervisor)
    response = act(
        client, case.report, "merge", {"into": "CG-2020-999999", "reason": "x"}, version_of(case)
    )
    assert response.status_code == 400
    assert "No complaint has this reference." in response.content.decode()


def test_only_the_actions_a_role_may_take_are_offered(client, supervisor, investigator, analyst):
    case = case_awaiting_approval(supervisor, investigator)
    client.force_login(investigator)
    page = client.get(f"/en/staff/cases/{case.report_id}/").content.decode()
    assert "Record the decision" not in page
    assert act(client, case.report, "review", {"decision": "approved"}, 1).status_code == 403
    client.force_login(analyst)
    page = client.get(f"/en/staff/cases/{case.report_id}/").content.decode()
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]


def test_the_referral_letter_names_the_agency(client, supervisor):
    case = triaged_case(supervisor)
    close_case(
        case=case,
        outcome=Outcome.REFERRED,
        reason="County",
        referred_to="Riverton County Sheriff",
        by=supervisor,
    )
    client.force_login(supervisor)
    letter = f"/en/staff/cases/{case.report_id}/referral-letter/"
    # The letter carries the resident's details out of the office: a fresh second factor first.
    assert "/accounts/2fa/reauthenticate/" in client.get(letter)["Location"]
    confirm_second_factor(client, supervisor)
    body = client.get(letter).content.decode()
    assert "Riverton County Sheriff" in body and "Maria Lopez" in body


def test_queues_list_due_soon_overdue_unassigned_and_mine(client, supervisor, investigator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        mine = case_under_investigation(supervisor, investigator)
        triaged = triaged_case(supervisor)
        paused = triaged_case(supervisor)
        pause_clock(case=paused, reason="Court", by=supervisor)
    # Triage has 10 working days: after 8 calendar days it is due soon; after 20, overdue.
    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        client.force_login(supervisor)
        body = client.get("/en/staff/queues/due_soon/").content.decode()
        assert triaged.report.reference in body and paused.report.reference not in body
    with time_machine.travel(start + datetime.timedelta(days=20), tick=False):
        client.force_login(supervisor)
        body = client.get("/en/staff/queues/overdue/").content.decode()
        assert triaged.report.reference in body and mine.report.reference not in body
        assert paused.report.reference not in body
    client.force_login(investigator)
    body = client.get("/en/staff/queues/mine/").content.decode()
    assert mine.report.reference in body and triaged.report.reference not in body
    assert client.get("/en/staff/queues/nonsense/").status_code == 404


def test_new_reports_are_listed_until_triaged(client, supervisor):
    report = file().report
    client.force_login(supervisor)
    assert report.reference in client.get("/en/staff/queues/new/").content.decode()
    open_case(report=report, by=supervisor)
    assert report.reference not in client.get("/en/staff/queues/new/").content.decode()


def test_the_overview_gives_counts_and_median_days_per_stage(client, supervisor, analyst):
    start = timezone.now()
    for days in (2, 4, 9):
        with time_machine.travel(start, tick=False):
            report = file().report
        with time_machine.travel(start + datetime.timedelta(days=days), tick=False):
            open_case(report=report, by=supervisor)
    client.force_login(analyst)
    body = client.get("/en/staff/overview/").content.decode()
    received_row = body.split('<th scope="row">Received</th>')[1].split("</tr>")[0]
    assert "<td>0</td><td>4.0</td><td>3</td>" in received_row
    assert "3 complaints are open." in body
