import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.complaints.actions import OfficerInput
from commonground.complaints.tests.factories import agency_with_officers
from commonground.evidence.models import CustodyKind
from commonground.evidence.selectors import visible_items
from commonground.evidence.tests.helpers import footage
from commonground.investigations.actions import (
    CaseError,
    decide_footage,
    suggest_footage,
    suggest_footage_for_open_cases,
)
from commonground.investigations.models import LinkState
from commonground.investigations.tests.helpers import case_under_investigation

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def scene(supervisor, investigator, custodian, settings):
    """A complaint about an incident three days ago at 14:30, against one officer, and footage
    from that officer's camera and from another officer's."""
    settings.FOOTAGE_MATCH_MARGIN_MINUTES = 30
    _, _, _, officers = agency_with_officers(2)
    incident_day = timezone.localdate() - datetime.timedelta(days=3)
    at = timezone.make_aware(datetime.datetime.combine(incident_day, datetime.time(14, 30)))
    case = case_under_investigation(
        supervisor,
        investigator,
        officers=[OfficerInput(officer_id=officers[0].pk, name_given="Rivera")],
        incident_date=incident_day,
        incident_time=datetime.time(14, 30),
    )
    return {
        "case": case,
        "during": footage(
            custodian, worn_by=officers[0], device="A", start=at - datetime.timedelta(minutes=10)
        ),
        "just_before": footage(
            custodian,
            worn_by=officers[0],
            device="B",
            start=at - datetime.timedelta(minutes=50),
            minutes=25,
        ),
        "hours_later": footage(
            custodian, worn_by=officers[0], device="C", start=at + datetime.timedelta(hours=3)
        ),
        "other_officer": footage(custodian, worn_by=officers[1], device="D", start=at),
    }


def test_footage_of_an_officer_on_the_case_overlapping_the_incident_is_suggested(scene):
    case = scene["case"]
    assert suggest_footage(case=case) == 2
    suggested = set(case.evidence_links.values_list("item__recording__device_id", flat=True))
    assert suggested == {"A", "B"}  # B ends 25 minutes before: inside the 30-minute margin
    link = case.evidence_links.get(item=scene["during"])
    assert link.state == LinkState.SUGGESTED
    assert "camera A recorded" in link.basis


def test_a_wider_margin_reaches_further_and_suggestions_are_not_repeated(scene, settings):
    case = scene["case"]
    suggest_footage(case=case)
    settings.FOOTAGE_MATCH_MARGIN_MINUTES = 240
    assert suggest_footage_for_open_cases() == 1  # C now; A and B were already suggested
    assert case.evidence_links.count() == 3


def test_the_investigator_sees_suggested_footage_and_confirms_it_as_evidence(scene, investigator):
    case = scene["case"]
    suggest_footage(case=case)
    item = scene["during"]
    assert visible_items(investigator).filter(pk=item.pk).exists()
    assert not visible_items(investigator).filter(pk=scene["other_officer"].pk).exists()
    link = case.evidence_links.get(item=item)
    decide_footage(link=link, by=investigator, confirm=True, note="Shows the arrest")
    item.refresh_from_db()
    assert item.evidentiary
    assert item.retention_schedule.evidentiary
    kinds = list(item.custody.values_list("kind", flat=True))
    assert kinds[-2:] == [CustodyKind.LINKED, CustodyKind.RETENTION_CHANGED]


def test_dismissing_footage_needs_a_reason_and_it_is_not_suggested_again(scene, investigator):
    case = scene["case"]
    suggest_footage(case=case)
    link = case.evidence_links.get(item=scene["just_before"])
    with pytest.raises(CaseError, match="Say why"):
        decide_footage(link=link, by=investigator, confirm=False)
    decide_footage(link=link, by=investigator, confirm=False, note="Earlier, unrelated stop")
    assert suggest_footage(case=case) == 0
    link.refresh_from_db()
    assert link.state == LinkState.DISMISSED


def test_the_case_page_lists_footage_and_records_the_decision(client, scene, investigator):
    case = scene["case"]
    suggest_footage(case=case)
    client.force_login(investigator)
    url = reverse("investigations:case_detail", args=[case.report_id])
    page = client.get(url).content.decode()
    assert scene["during"].reference in page
    assert "Decide on suggested footage" in page
    link = case.evidence_links.get(item=scene["during"])
    case.refresh_from_db()
    response = client.post(
        reverse("investigations:case_action", args=[case.report_id, "footage"]),
        {
            "footage-link": link.pk,
            "footage-decision": "dismiss",
            "footage-note": "",
            "version": case.version,
        },
    )
    assert response.status_code == 400
    assert "Say why this footage is not relevant." in response.content.decode()
    response = client.post(
        reverse("investigations:case_action", args=[case.report_id, "footage"]),
        {"footage-link": link.pk, "footage-decision": "confirm", "version": case.version},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.state == LinkState.CONFIRMED
