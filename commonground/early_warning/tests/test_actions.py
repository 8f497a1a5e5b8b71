import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.early_warning import indicators
from commonground.early_warning.actions import (
    EarlyWarningError,
    plan_intervention,
    record_follow_up,
    review_alert,
    run_detectors,
)
from commonground.early_warning.models import (
    Alert,
    AlertStatus,
    Detector,
    DetectorKind,
    Exposure,
    FalseAlertEstimate,
    Indicator,
    InterventionStatus,
)
from commonground.early_warning.tasks import run_daily_detectors
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule
from commonground.stops.tests.helpers import import_file, stop_row, write_csv
from commonground.stops.tests.test_use_of_force import force_row

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def flagged(django_capture_on_commit_callbacks):
    """Officer 201 named in three complaints; the rule raises one alert for North's sergeant."""
    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
    complaint_about(unit.officers[1])
    three_complaints_rule()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = run_detectors(on=TODAY())
    return unit, alert


def test_a_threshold_rule_raises_one_alert_for_the_officers_supervisor(flagged):
    unit, alert = flagged
    assert alert.officer == unit.officers[0]
    assert alert.observed == 3
    assert alert.supervisor == unit.sergeant
    assert alert.status == AlertStatus.OPEN
    assert AuditEvent.objects.filter(action="early_warning.alert.raise").count() == 1
    # The sergeant hears of it by e-mail, with a link and nothing about the officer.
    (message,) = mail.outbox
    assert message.to == [unit.sergeant.email]
    assert f"/staff/early-intervention/alerts/{alert.pk}/" in message.body
    assert "Park201" not in message.body + message.subject


def test_the_same_events_do_not_raise_a_second_alert(flagged):
    assert run_detectors(on=TODAY()) == []
    assert run_detectors(on=TODAY() + datetime.timedelta(days=30)) == []
    assert Alert.objects.count() == 1


def test_only_the_supervisor_or_ia_may_review(flagged, supervisor):
    unit, alert = flagged
    with pytest.raises(PermissionDenied):
        review_alert(alert=alert, by=unit.other_sergeant, agrees=True, reason="Seen it.")
    review_alert(alert=alert, by=supervisor, agrees=True, reason="IA concurs.")
    assert Alert.objects.get().status == AlertStatus.AGREED


def test_a_review_needs_a_reason_and_happens_once(flagged):
    unit, alert = flagged
    with pytest.raises(EarlyWarningError, match="it helps tune the detector"):
        review_alert(alert=alert, by=unit.sergeant, agrees=False, reason="  ")
    assert Alert.objects.get().status == AlertStatus.OPEN
    review_alert(alert=alert, by=unit.sergeant, agrees=False, reason="Two were about one arrest.")
    assert Alert.objects.get().status == AlertStatus.DISMISSED
    with pytest.raises(EarlyWarningError, match="already been reviewed"):
        review_alert(alert=alert, by=unit.sergeant, agrees=True, reason="Changed my mind.")


def test_interventions_follow_agreement_and_close_the_alert_when_done(flagged):
    unit, alert = flagged
    with pytest.raises(EarlyWarningError, match="once a supervisor has agreed"):
        plan_intervention(
            alert=alert, by=unit.sergeant, kind="mentoring", description="x", follow_up_on=TODAY()
        )
    review_alert(alert=alert, by=unit.sergeant, agrees=True, reason="A pattern of rudeness.")
    with pytest.raises(EarlyWarningError, match="cannot be in the past"):
        plan_intervention(
            alert=alert,
            by=unit.sergeant,
            kind="mentoring",
            description="Pair with a field training officer.",
            follow_up_on=TODAY() - datetime.timedelta(days=1),
        )
    mentoring = plan_intervention(
        alert=alert,
        by=unit.sergeant,
        kind="mentoring",
        description="Pair with a field training officer.",
        follow_up_on=TODAY() + datetime.timedelta(days=30),
    )
    course = plan_intervention(
        alert=alert,
        by=unit.sergeant,
        kind="training",
        description="De-escalation refresher.",
        follow_up_on=TODAY() + datetime.timedelta(days=60),
    )
    assert Alert.objects.get().status == AlertStatus.INTERVENTION
    with pytest.raises(EarlyWarningError, match="next follow-up"):
        record_follow_up(
            intervention=mentoring,
            by=unit.sergeant,
            outcome="improving",
            note="Calmer on calls.",
            status=InterventionStatus.UNDER_WAY,
            next_follow_up_on=None,
        )
    record_follow_up(
        intervention=mentoring,
        by=unit.sergeant,
        outcome="resolved",
        note="No further complaints.",
        status=InterventionStatus.COMPLETED,
        next_follow_up_on=None,
    )
    assert Alert.objects.get().status == AlertStatus.INTERVENTION  # the course goes on
    record_follow_up(
        intervention=course,
        by=unit.sergeant,
        outcome="resolved",
        note="Attended.",
        status=InterventionStatus.COMPLETED,
        next_follow_up_on=None,
    )
    assert Alert.objects.get().status == AlertStatus.CLOSED
    with pytest.raises(EarlyWarningError, match="already ended"):
        record_follow_up(
            intervention=course,
            by=unit.sergeant,
            outcome="worse",
            note="x",
            status=InterventionStatus.UNDER_WAY,
            next_follow_up_on=TODAY(),
        )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "early_warning.alert.review",
        "early_warning.intervention.plan",
        "early_warning.intervention.follow_up",
    } <= actions


@pytest.mark.files
def test_use_of_force_and_stop_indicators_count_per_officer(analyst, tmp_path):
    unit = force()
    officer, other = unit.officers[0], unit.officers[1]
    day = (TODAY() - datetime.timedelta(days=10)).isoformat()
    rows = [
        force_row(incident_id="U1", date=day, district="D1", officer_id="201", lat="", lng=""),
        force_row(
            incident_id="U2",
            date=day,
            district="D1",
            officer_id="201",
            subject_injured="FALSE",
            lat="",
            lng="",
        ),
        force_row(
            incident_id="U2",
            date=day,
            district="D1",
            officer_id="202",
            subject_injured="FALSE",
            lat="",
            lng="",
        ),
    ]
    batch = import_file(write_csv(tmp_path / "force.csv", rows), analyst, kind="use_of_force")
    assert batch.status == "loaded"
    stops = [
        stop_row(date=day, officer_id="201", search_conducted="TRUE", contraband_found="FALSE"),
        stop_row(date=day, officer_id="201", search_conducted="TRUE", contraband_found="TRUE"),
        stop_row(date=day, officer_id="201"),
        stop_row(date=day, officer_id="202"),
    ]
    import_file(write_csv(tmp_path / "stops.csv", stops), analyst)
    start, end = TODAY() - datetime.timedelta(days=30), TODAY()
    both = [officer, other]
    assert indicators.counts(Indicator.USE_OF_FORCE, both, start, end) == {
        officer.pk: 2,
        other.pk: 1,
    }
    assert indicators.counts(Indicator.FORCE_INJURIES, both, start, end) == {officer.pk: 1}
    assert indicators.counts(Indicator.STOPS, both, start, end) == {officer.pk: 3, other.pk: 1}
    assert indicators.counts(Indicator.SEARCHES, both, start, end)[officer.pk] == 2
    assert indicators.counts(Indicator.FRUITLESS_SEARCHES, both, start, end)[officer.pk] == 1
    earlier = TODAY() - datetime.timedelta(days=60), TODAY() - datetime.timedelta(days=31)
    assert indicators.counts(Indicator.STOPS, both, *earlier) == {}


def test_days_assigned_counts_only_the_window(db):
    unit = force()
    officer = unit.officers[0]
    end = TODAY()
    start = end - datetime.timedelta(days=89)
    assert indicators.days_assigned([officer], start, end)[officer.pk] == 90


def test_a_peer_comparison_flags_the_officer_far_above_the_unit(django_capture_on_commit_callbacks):
    unit = force(per_unit=10)
    for officer in unit.officers[1:]:
        if officer.pk % 3 == 0:
            complaint_about(officer)
    for _ in range(6):
        complaint_about(unit.officers[0])
    detector = Detector.objects.create(
        name="Complaints far above peers",
        kind=DetectorKind.PEER,
        indicator=Indicator.COMPLAINTS,
        exposure=Exposure.DAYS_ASSIGNED,
        window_days=180,
        min_events=3,
    )
    (alert,) = run_detectors(on=TODAY())
    assert alert.officer == unit.officers[0]
    assert alert.detector == detector
    assert alert.peers == 9
    assert alert.expected < 1 and alert.q_value < 0.05
    assert alert.peer_group == "Patrol North · Officer"


def test_detectors_refuse_settings_that_make_no_sense():
    with pytest.raises(ValidationError) as refused:
        three_complaints_rule(indicator=Indicator.COMMENDATIONS, category="discourtesy")
    assert set(refused.value.message_dict) == {"indicator", "category"}
    with pytest.raises(ValidationError, match="exposure is for peer comparisons"):
        three_complaints_rule(exposure=Exposure.STOPS)
    with pytest.raises(ValidationError, match="against itself"):
        three_complaints_rule(
            kind=DetectorKind.PEER, indicator=Indicator.SEARCHES, exposure=Exposure.SEARCHES
        )


def test_the_recommended_detectors_install_once_and_run_from_the_command(db):
    import io

    from django.core.management import CommandError, call_command

    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
    with pytest.raises(CommandError, match="No active detector"):
        call_command("run_detectors", stdout=io.StringIO())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_detectors", on="yesterday", stdout=io.StringIO())
    out = io.StringIO()
    call_command("run_detectors", install_recommended=True, stdout=out)
    assert "Added detector: Three complaints in six months" in out.getvalue()
    # The threshold and the peer comparison (three complaints where seven peers had none).
    assert "2 alert(s) raised" in out.getvalue()
    assert set(Alert.objects.values_list("officer__badge_number", "detector__name")) == {
        ("201", "Three complaints in six months"),
        ("201", "Complaints far above peers"),
    }
    assert Detector.objects.count() == 7
    out = io.StringIO()
    call_command("run_detectors", install_recommended=True, estimate=True, stdout=out)
    assert Detector.objects.count() == 7
    assert "Three complaints in six months: about " in out.getvalue()
    assert FalseAlertEstimate.objects.count() == 7


def test_alerts_go_up_the_chain_to_someone_who_may_review_them(django_capture_on_commit_callbacks):
    from commonground.accounts.models import Role
    from commonground.conftest import make_staff
    from commonground.roster.models import Unit

    unit = force()
    # North's sergeant loses the role; the lieutenant above is reached only through the unit tree.
    unit.sergeant.groups.clear()
    lieutenant = make_staff("lt", Role.FIELD_SUPERVISOR)
    lieutenant.officer = unit.south_officers[0]
    lieutenant.save()
    division = Unit.objects.create(agency=unit.north.agency, name="Patrol Division")
    division.commander = lieutenant.officer
    division.save()
    unit.north.parent = division
    unit.north.save()
    for _ in range(3):
        complaint_about(unit.officers[0])
    three_complaints_rule()
    (alert,) = run_detectors(on=TODAY())
    assert alert.supervisor == lieutenant


def test_each_detector_describes_itself_in_one_sentence(db):
    from commonground.early_warning.actions import install_recommended_detectors

    sentences = {d.name: d.describe() for d in install_recommended_detectors()}
    assert sentences["Three complaints in six months"] == (
        "3 or more complaints naming the officer in 182 days"
    )
    assert sentences["Use of force far above peers"] == (
        "use-of-force incidents per day on assignment over 365 days, far above peers of the "
        "same unit and rank (false discovery rate 0.05)"
    )
    assert sentences["Searches per stop far above peers"].startswith("searches per stop over 182")


@pytest.mark.files
def test_the_record_breaks_complaints_down_by_category_and_shows_the_hit_rate(
    supervisor, analyst, tmp_path
):
    from commonground.complaints.actions import OfficerInput
    from commonground.complaints.models import AllegationCategory as C
    from commonground.investigations.tests.helpers import triaged_case

    unit = force()
    officer = unit.officers[0]
    named = {"officers": [OfficerInput(officer_id=officer.pk)]}
    triaged_case(supervisor, categories=(C.DISCOURTESY, C.IMPROPER_STOP), **named)
    triaged_case(supervisor, categories=(C.DISCOURTESY,), **named)
    day = (TODAY() - datetime.timedelta(days=5)).isoformat()
    stops = [
        stop_row(date=day, officer_id="201", search_conducted="TRUE", contraband_found=found)
        for found in ("TRUE", "FALSE", "FALSE", "FALSE")
    ]
    import_file(write_csv(tmp_path / "stops.csv", stops), analyst)
    rows = {row["label"]: row["values"] for row in indicators.officer_record(officer, TODAY())}
    assert rows[Indicator.COMPLAINTS.label] == [2, 2, 2]
    assert rows[C.DISCOURTESY.label] == [2, 2, 2]
    assert rows[C.IMPROPER_STOP.label] == [1, 1, 1]
    assert C.USE_OF_FORCE.label not in rows  # categories never seen are left out
    assert rows["Share of searches that found contraband"] == ["25%", "25%", "25%"]


def test_the_morning_task_raises_alerts_then_estimates_every_detectors_false_alerts(flagged):
    _unit, _alert = flagged
    assert not FalseAlertEstimate.objects.exists()
    run_daily_detectors.call()
    estimate = FalseAlertEstimate.objects.get()
    assert estimate.estimated_on == TODAY() and estimate.is_current
    assert AuditEvent.objects.filter(action="early_warning.detector.estimate").count() == 1
