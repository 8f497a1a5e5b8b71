import datetime
import re

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.early_warning.actions import (
    SIMULATED_YEARS,
    estimate_false_alerts,
    null_agency,
    review_alert,
    run_detectors,
)
from commonground.early_warning.models import (
    Alert,
    AlertStatus,
    Detector,
    DetectorKind,
    Exposure,
    Indicator,
    Intervention,
)
from commonground.early_warning.simulation import NullAgency, false_alerts_per_year
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule
from commonground.lib.rounding import rounded
from commonground.roster.models import Officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged():
    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())
    return unit, alert


def test_the_supervisor_sees_their_officers_alerts_and_no_one_elses(client, flagged):
    unit, alert = flagged
    client.force_login(unit.sergeant)
    page = client.get(reverse("early_warning:alert_list")).content.decode()
    assert "Park201" in page
    detail = client.get(reverse("early_warning:alert_detail", args=[alert.pk]))
    assert detail.status_code == 200
    assert "Three complaints in six months" in detail.content.decode()
    assert AuditEvent.objects.filter(
        action="early_warning.alert.view", actor=unit.sergeant
    ).exists()

    client.force_login(unit.other_sergeant)
    assert "Park201" not in client.get(reverse("early_warning:alert_list")).content.decode()
    assert client.get(reverse("early_warning:alert_detail", args=[alert.pk])).status_code == 403
    record = reverse("early_warning:officer_record", args=[unit.officers[0].pk])
    assert client.get(record).status_code == 403
    south = reverse("early_warning:officer_record", args=[unit.south_officers[0].pk])
    assert client.get(south).status_code == 200


def test_a_review_without_a_reason_keeps_what_was_chosen_and_says_why(client, flagged):
    unit, alert = flagged
    client.force_login(unit.sergeant)
    url = reverse("early_warning:review", args=[alert.pk])
    response = client.post(url, {"agrees": "no", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Say why you agree or disagree." in page
    assert re.search(r'<input type="radio" name="agrees" value="no"[^>]*checked', page)
    assert Alert.objects.get().status == AlertStatus.OPEN
    response = client.post(url, {"agrees": "yes", "reason": "Same kind of call, three times."})
    assert response.status_code == 302
    assert Alert.objects.get().status == AlertStatus.AGREED


def test_the_supervisor_plans_and_follows_up_an_intervention(client, flagged):
    unit, alert = flagged
    review_alert(alert=alert, by=unit.sergeant, agrees=True, reason="A pattern.")
    client.force_login(unit.sergeant)
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    plan = reverse("early_warning:intervention", args=[alert.pk])
    refused = client.post(
        plan, {"kind": "training", "description": "De-escalation course", "follow_up_on": past}
    )
    assert refused.status_code == 400
    assert "cannot be in the past" in refused.content.decode()
    assert "De-escalation course" in refused.content.decode()  # nothing typed is lost
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    client.post(
        plan, {"kind": "training", "description": "De-escalation course", "follow_up_on": later}
    )
    planned = Intervention.objects.get()
    url = reverse("early_warning:follow_up", args=[planned.pk])
    prefix = f"i{planned.pk}-"
    missing = client.post(
        url,
        {
            prefix + "outcome": "improving",
            prefix + "note": "Went well.",
            prefix + "status": "under_way",
        },
    )
    assert missing.status_code == 400
    assert "Give the date of the next follow-up while it goes on." in missing.content.decode()
    done = client.post(
        url,
        {
            prefix + "outcome": "resolved",
            prefix + "note": "Completed.",
            prefix + "status": "completed",
        },
    )
    assert done.status_code == 302
    assert Alert.objects.get().status == AlertStatus.CLOSED


def test_an_officer_reads_their_own_record_but_no_alert_page(client, flagged, settings):
    # An agency that tells officers of complaints at once (test_own_record has the default).
    settings.OFFICER_SEES_COMPLAINT_FROM = "received"
    unit, alert = flagged
    officer = make_staff("park201", Role.OFFICER)
    officer.officer = unit.officers[0]
    officer.save()
    client.force_login(officer)
    page = client.get(reverse("early_warning:my_record")).content.decode()
    assert "My early-intervention record" in page
    assert "3 or more complaints naming the officer in 180 days" in page
    assert client.get(reverse("early_warning:alert_detail", args=[alert.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="early_warning.own_record.view").exists()


def test_an_account_without_an_officer_is_told_so(client, db):
    client.force_login(make_staff("clerk2", Role.INTAKE_CLERK))
    page = client.get(reverse("early_warning:my_record")).content.decode()
    assert "not linked to an officer" in page


def test_the_report_counts_alerts_and_agreement_per_detector(client, flagged, supervisor, analyst):
    unit, alert = flagged
    review_alert(alert=alert, by=unit.sergeant, agrees=False, reason="Two were one incident.")
    client.force_login(analyst)
    response = client.get(reverse("early_warning:report"))
    (row,) = response.context["rows"]
    assert (row.raised, row.reviewed, row.agreed, row.disagreed) == (1, 1, 0, 1)
    assert row.agreement_rate == 0
    assert "Two were one incident." not in response.content.decode()  # reasons are for IA
    client.force_login(supervisor)
    assert "Two were one incident." in client.get(reverse("early_warning:report")).content.decode()
    bad = client.get(reverse("early_warning:report"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert bad.status_code == 400
    assert "The end of the period is before its start." in bad.content.decode()


def test_no_detector_gives_a_useful_empty_page(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("early_warning:report")).content.decode()
    assert "No detector is set up yet" in page


def test_administrators_keep_detectors_in_the_admin_and_only_read_alerts(client, flagged):
    _unit, alert = flagged
    admin = make_staff("root", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    add = "/en/admin/early_warning/detector/add/"
    values = {
        "name": "Praise",
        "kind": "threshold",
        "indicator": "commendations",
        "category": "",
        "window_days": "90",
        "min_events": "2",
        "exposure": "none",
        "false_discovery_rate": "0.05",
        "min_peers": "5",
        "active": "on",
    }
    refused = client.post(add, values)
    assert refused.status_code == 200
    assert "are context, not a concern" in refused.content.decode()
    created = client.post(add, {**values, "name": "Force", "indicator": "use_of_force"})
    assert created.status_code == 302
    assert AuditEvent.objects.filter(action="config.add", actor=admin).exists()
    assert client.get(f"/en/admin/early_warning/alert/{alert.pk}/change/").status_code == 200
    assert client.get("/en/admin/early_warning/alert/add/").status_code == 403


def test_an_alert_shows_its_q_value_and_how_many_officers_were_compared(client, supervisor):
    unit = force(per_unit=10)
    for officer in unit.officers[1:4]:
        complaint_about(officer)
    for _ in range(6):
        complaint_about(unit.officers[0])
    Detector.objects.create(
        name="Complaints far above peers",
        kind=DetectorKind.PEER,
        indicator=Indicator.COMPLAINTS,
        exposure=Exposure.DAYS_ASSIGNED,
        window_days=180,
        min_events=3,
    )
    (alert,) = run_detectors(on=timezone.localdate())
    # Both units' ten officers; each sergeant is alone at their rank, so not compared.
    assert alert.compared == 20
    q = f"{alert.q_value:.4f}"
    client.force_login(supervisor)
    listed = client.get(reverse("early_warning:alert_list")).content.decode()
    assert f"q = {q}" in listed
    assert "20 officers compared" in listed
    detail = client.get(reverse("early_warning:alert_detail", args=[alert.pk])).content.decode()
    assert f"q = {q}" in detail
    assert "20 officers were compared" in detail
    record = reverse("early_warning:officer_record", args=[unit.officers[0].pk])
    assert "20 officers compared" in client.get(record).content.decode()
    # A q too small for four decimals is not shown as 0.
    Alert.objects.filter(pk=alert.pk).update(q_value=3e-7)
    listed = client.get(reverse("early_warning:alert_list")).content.decode()
    assert "q &lt; 0.0001" in listed and "q = 0.0000" not in listed


def test_a_threshold_alert_says_it_has_no_q_value_and_compared_no_one(client, flagged):
    unit, alert = flagged
    assert alert.q_value is None and alert.compared is None
    client.force_login(unit.sergeant)
    listed = client.get(reverse("early_warning:alert_list")).content.decode()
    assert "threshold: no test" in listed
    detail = client.get(reverse("early_warning:alert_detail", args=[alert.pk])).content.decode()
    assert "A threshold rule is not a statistical test" in detail


def test_the_report_gives_each_detectors_false_alerts_a_year_and_how(client, analyst):
    """Eighteen officers on assignment every day of the 180-day window (and three with no
    assignment) and four complaints: under the null each has the agency's rate, 4 / (18 x 180)
    a day; the stored estimate is the simulation of exactly that agency (test_simulation checks
    the simulation against cases worked out by hand)."""
    unit = force()
    for officer in (unit.officers[0], unit.officers[0], unit.officers[1], unit.south_officers[2]):
        complaint_about(officer)
    detector = three_complaints_rule()
    client.force_login(analyst)
    assert "not estimated yet" in client.get(reverse("early_warning:report")).content.decode()

    (estimate,) = estimate_false_alerts(on=timezone.localdate())
    unassigned = {"101", "102", "103"}
    by_hand = NullAgency(
        group_index=np.zeros(21, dtype=int),
        exposure=np.array(
            [0.0 if o.badge_number in unassigned else 180.0 for o in Officer.objects.all()]
        ),
        rate=np.full(21, 4 / (18 * 180)),
        window_days=180,
        min_events=3,
        peer=False,
    )
    expected = false_alerts_per_year(by_hand, years=SIMULATED_YEARS, seed=detector.pk)
    assert estimate.per_year == pytest.approx(expected.per_year)
    assert (estimate.officers, estimate.years) == (21, SIMULATED_YEARS)
    assert estimate.low <= estimate.per_year <= estimate.high

    response = client.get(reverse("early_warning:report"))
    (row,) = response.context["rows"]
    assert row.estimate == estimate
    page = response.content.decode()
    # The page rounds half away from zero, as every figure does (lib.rounding); Python's own
    # format would round 0.25 down to 0.2, which the page shows as 0.3.
    low, per_year, high = (
        rounded(x, "rate") for x in (estimate.low, estimate.per_year, estimate.high)
    )
    assert f"about {per_year:.1f} ({low:.1f} to {high:.1f})" in page
    assert "every officer has their peers" in page and "overlapping windows" in page

    # Change the rule: the figure is said to be for the old one until the next morning.
    detector.min_events = 2
    detector.save()
    page = client.get(reverse("early_warning:report")).content.decode()
    assert "for the detector's earlier settings" in page


def test_a_peer_comparisons_null_gives_each_group_its_own_rate(db):
    unit = force()
    for officer in unit.officers[:3]:
        complaint_about(officer)
    detector = Detector.objects.create(
        name="Complaints far above peers",
        kind=DetectorKind.PEER,
        indicator=Indicator.COMPLAINTS,
        exposure=Exposure.DAYS_ASSIGNED,
        window_days=180,
        min_events=3,
    )
    officers = list(Officer.objects.all())
    agency = null_agency(detector, officers, timezone.localdate())
    rate_of = dict(zip([o.pk for o in officers], agency.rate, strict=True))
    assert rate_of[unit.officers[5].pk] == pytest.approx(3 / (8 * 180))  # North's officers
    assert rate_of[unit.south_officers[0].pk] == 0  # nobody in South was named
    assert agency.peer and not agency.binomial and agency.window_days == 180
