"""An officer learns of a complaint naming them only from the stage the agency's policy sets
(OFFICER_SEES_COMPLAINT_FROM, by default when the investigation opens): before it, nothing on
their own record may change, or they would know a resident complained while it is still being
assessed. Their chain of command and internal affairs see everything at once."""

import datetime
import re
import subprocess
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints import tracking
from commonground.complaints.actions import OfficerInput, file_report
from commonground.complaints.models import (
    Allegation,
    Channel,
    Finding,
    Outcome,
    Report,
    Status,
)
from commonground.complaints.tests.factories import report_input
from commonground.conftest import make_staff
from commonground.early_warning import indicators
from commonground.early_warning.actions import review_alert, run_detectors
from commonground.early_warning.models import Indicator
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule
from commonground.investigations.actions import add_allegation, close_case, open_case, route_case

pytestmark = pytest.mark.django_db
MY_RECORD = reverse("early_warning:my_record")


def own_account(officer, username="park201", role=Role.OFFICER):
    account = make_staff(username, role)
    account.officer = officer
    account.save()
    return account


def as_seen(client, url=MY_RECORD) -> str:
    """The page without what changes between two requests anyway (CSRF tokens)."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    return re.sub(r'(name="csrfmiddlewaretoken" value=|csrf[-_]token" content=)"[^"]*"', "", page)


def triage(report, by):
    """Open triage and classify a discourtesy allegation against the officer named."""
    case = open_case(report=report, by=by)
    add_allegation(
        case=case, involved=report.officers.get(), category="discourtesy", by=by, summary="Rude."
    )
    return case


def row_of(response, indicator) -> list[int]:
    (row,) = [r for r in response.context["record"] if r["label"] == indicator.label]
    return row["values"]


def complaints_row(response) -> list[int]:
    return row_of(response, Indicator.COMPLAINTS)


def test_complaints_filed_today_change_nothing_on_the_officers_own_page(client, supervisor):
    unit = force()
    officer = unit.officers[0]
    client.force_login(own_account(officer))
    before = as_seen(client)
    assert "a complaint naming you counts here once its investigation (or a mediation) opens" in (
        before
    )

    for _ in range(3):
        complaint_about(officer)
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())

    # Not a count, not a category, not the alert, not its figures: the very same page.
    assert as_seen(client) == before
    response = client.get(MY_RECORD)
    assert complaints_row(response) == [0, 0, 0]
    assert list(response.context["alerts"]) == []

    # The sergeant and internal affairs see all three and the alert, as before.
    client.force_login(unit.sergeant)
    staff_view = client.get(reverse("early_warning:officer_record", args=[officer.pk]))
    assert complaints_row(staff_view) == [3, 3, 3]
    assert list(staff_view.context["alerts"]) == [alert]
    client.force_login(supervisor)
    assert client.get(reverse("early_warning:alert_detail", args=[alert.pk])).status_code == 200


def test_the_officer_sees_a_complaint_once_its_investigation_opens(client, supervisor):
    unit = force()
    officer = unit.officers[0]
    for _ in range(3):
        complaint_about(officer)
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    client.force_login(own_account(officer))
    cases = [triage(report, supervisor) for report in Report.objects.order_by("pk")]

    # Triage is not yet the investigation: no count, and no category the triage classified.
    triaged = client.get(MY_RECORD)
    assert complaints_row(triaged) == [0, 0, 0]
    assert "Discourtesy" not in triaged.content.decode()

    route_case(case=cases[0], to=Status.INVESTIGATION, by=supervisor)
    route_case(case=cases[1], to=Status.MEDIATION, by=supervisor)
    response = client.get(MY_RECORD)
    assert complaints_row(response) == [2, 2, 2]
    assert "Discourtesy" in response.content.decode()
    # The alert counted three: shown now, it would give the third complaint away.
    assert list(response.context["alerts"]) == []
    assert "3 or more complaints" not in response.content.decode()

    # A complaint closed in triage was never investigated; the officer learns of it once closed.
    close_case(case=cases[2], outcome=Outcome.WITHDRAWN, reason="Withdrawn.", by=supervisor)
    response = client.get(MY_RECORD)
    assert complaints_row(response) == [3, 3, 3]
    assert list(response.context["alerts"]) == [alert]
    assert "3 or more complaints naming the officer in 180 days" in response.content.decode()


def test_a_complaint_sent_back_from_a_later_stage_stays_seen(client, supervisor, settings):
    """Seen once is seen: a stage reached counts even if the case goes back (history, not the
    current status)."""
    settings.OFFICER_SEES_COMPLAINT_FROM = "triage"
    unit = force()
    officer = unit.officers[0]
    complaint_about(officer)
    report = Report.objects.get()
    today = timezone.localdate()
    assert (
        indicators.counts(Indicator.COMPLAINTS, [officer], today, today, seen_by_officer=True)[
            officer.pk
        ]
        == 0
    )
    open_case(report=report, by=supervisor)
    # Put back to "received" behind the workflow's back: the history still says it was triaged.
    Report.objects.filter(pk=report.pk).update(status=Status.RECEIVED)
    assert (
        indicators.counts(Indicator.COMPLAINTS, [officer], today, today, seen_by_officer=True)[
            officer.pk
        ]
        == 1
    )


@pytest.mark.parametrize(
    ("stage", "seen_at_filing", "seen_in_investigation"),
    [("received", 1, 1), ("investigation", 0, 1), ("closed", 0, 0)],
)
def test_the_stage_is_the_agencys_policy(
    client, supervisor, settings, stage, seen_at_filing, seen_in_investigation
):
    settings.OFFICER_SEES_COMPLAINT_FROM = stage
    unit = force()
    officer = unit.officers[0]
    complaint_about(officer)
    client.force_login(own_account(officer))
    assert complaints_row(client.get(MY_RECORD))[0] == seen_at_filing
    case = triage(Report.objects.get(), supervisor)
    route_case(case=case, to=Status.INVESTIGATION, by=supervisor)
    assert complaints_row(client.get(MY_RECORD))[0] == seen_in_investigation


def test_every_complaint_status_has_a_place_in_the_policys_order(settings):
    assert set(indicators.STAGE_OF_STATUS) == set(Status.values)
    stages = set(settings.OFFICER_COMPLAINT_STAGES)
    assert set(indicators.STAGE_OF_STATUS.values()) == stages == set(indicators.WHEN_OFFICER_SEES)


def test_a_stage_that_does_not_exist_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import commonground.settings"],
        env={"OFFICER_SEES_COMPLAINT_FROM": "filed", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "OFFICER_SEES_COMPLAINT_FROM must be one of received, triage, investigation" in (
        result.stderr
    )


def test_internal_affairs_cannot_read_their_own_alert_as_staff(client, supervisor):
    """An IA supervisor (or a sergeant) who is also an officer sees everything about others,
    but about themselves only what any officer sees about themselves."""
    unit = force()
    officer = unit.officers[0]
    for _ in range(3):
        complaint_about(officer)
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    supervisor.officer = officer
    supervisor.save()
    client.force_login(supervisor)

    assert "Park201" not in client.get(reverse("early_warning:alert_list")).content.decode()
    assert client.get(reverse("early_warning:alert_detail", args=[alert.pk])).status_code == 403
    own_page = client.get(reverse("early_warning:officer_record", args=[officer.pk]))
    assert own_page.status_code == 302
    assert own_page["Location"] == MY_RECORD
    assert complaints_row(client.get(MY_RECORD)) == [0, 0, 0]
    with pytest.raises(PermissionDenied):
        review_alert(alert=alert, by=supervisor, agrees=False, reason="Not me.")
    # Everyone else's record as before.
    other = client.get(reverse("early_warning:officer_record", args=[unit.officers[1].pk]))
    assert other.status_code == 200


def test_a_sustained_finding_waits_for_the_stage_too(client, supervisor, settings):
    """An agency that tells officers only once a complaint is closed: a finding made before
    then is not on their record either (the finding is planted: the workflow to it is long)."""
    settings.OFFICER_SEES_COMPLAINT_FROM = "closed"
    unit = force()
    officer = unit.officers[0]
    complaint_about(officer)
    case = triage(Report.objects.get(), supervisor)
    route_case(case=case, to=Status.INVESTIGATION, by=supervisor)
    Allegation.objects.update(final_finding=Finding.SUSTAINED)
    account = own_account(officer)
    client.force_login(account)
    assert row_of(client.get(MY_RECORD), Indicator.SUSTAINED) == [0, 0, 0]
    client.force_login(unit.sergeant)
    staff_view = client.get(reverse("early_warning:officer_record", args=[officer.pk]))
    assert row_of(staff_view, Indicator.SUSTAINED) == [1, 1, 1]
    # Nor is an alert that counted it.
    three_complaints_rule(
        name="A sustained allegation", indicator=Indicator.SUSTAINED, min_events=1
    )
    (alert,) = run_detectors(on=timezone.localdate())
    assert list(alert.complaints.all()) == [case.report]
    client.force_login(account)
    assert list(client.get(MY_RECORD).context["alerts"]) == []
    settings.OFFICER_SEES_COMPLAINT_FROM = "investigation"
    assert list(client.get(MY_RECORD).context["alerts"]) == [alert]


def test_an_alert_waits_only_for_the_complaints_it_counted(client, supervisor):
    """A use-of-force rule counted three use-of-force complaints: the officer sees the alert
    once those three may be known, while a discourtesy complaint in the same window is still
    in triage (and stays off their page)."""
    unit = force()
    officer = unit.officers[0]
    for _ in range(4):
        complaint_about(officer)
    cases = [triage(report, supervisor) for report in Report.objects.order_by("pk")]
    for case in cases[:3]:
        Allegation.objects.filter(report=case.report).update(category="use_of_force")
    route_case(case=cases[0], to=Status.INVESTIGATION, by=supervisor)
    route_case(case=cases[1], to=Status.INVESTIGATION, by=supervisor)
    force_rule = three_complaints_rule(name="Force complaints", category="use_of_force")
    (alert,) = run_detectors(on=timezone.localdate())
    assert alert.detector == force_rule
    assert set(alert.complaints.all()) == {case.report for case in cases[:3]}
    client.force_login(own_account(officer))
    assert list(client.get(MY_RECORD).context["alerts"]) == []

    route_case(case=cases[2], to=Status.INVESTIGATION, by=supervisor)
    response = client.get(MY_RECORD)
    assert list(response.context["alerts"]) == [alert]
    assert complaints_row(response) == [3, 3, 3]  # the discourtesy complaint is still in triage


def test_a_complaint_entered_late_with_an_earlier_date_does_not_take_a_seen_alert_away(
    client, supervisor, intake_clerk
):
    """A letter received weeks ago and entered today is dated in the window of an alert the
    officer already reads: if the alert vanished from their page, they would know."""
    unit = force()
    officer = unit.officers[0]
    for _ in range(3):
        complaint_about(officer)
    for report in Report.objects.all():
        route_case(case=triage(report, supervisor), to=Status.INVESTIGATION, by=supervisor)
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    client.force_login(own_account(officer))
    before = as_seen(client)
    assert list(client.get(MY_RECORD).context["alerts"]) == [alert]

    file_report(
        data=report_input(officers=[OfficerInput(officer_id=officer.pk)]),
        submission_token=tracking.new_submission_token(),
        channel=Channel.MAIL,
        by=intake_clerk,
        received_at=timezone.now() - datetime.timedelta(days=20),
    )
    assert as_seen(client) == before


def test_an_alert_that_kept_no_complaints_waits_for_every_complaint_in_its_window(
    client, supervisor
):
    """Alerts raised before alerts kept their complaints: any complaint in the window that the
    officer may not know of yet holds the alert back."""
    unit = force()
    officer = unit.officers[0]
    for _ in range(3):
        complaint_about(officer)
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    alert.complaints.clear()
    client.force_login(own_account(officer))
    assert list(client.get(MY_RECORD).context["alerts"]) == []
    for report in Report.objects.all():
        route_case(case=triage(report, supervisor), to=Status.INVESTIGATION, by=supervisor)
    assert list(client.get(MY_RECORD).context["alerts"]) == [alert]
