"""The alert list has one row per officer: an officer flagged by several detectors is one row
with each of their alerts in it (the most recent first), not several rows repeating the name."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.early_warning.actions import run_detectors
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def twice_flagged():
    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
        complaint_about(unit.south_officers[0])
    complaint_about(unit.officers[1])
    complaint_about(unit.officers[1])
    three_complaints_rule()
    three_complaints_rule(name="Two complaints in a year", window_days=365, min_events=2)
    alerts = run_detectors(on=timezone.localdate())
    return unit, alerts


def officer_rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[^>]*data-officer=[^>]*>.*?</tr>", body, flags=re.S)


def test_an_officer_with_several_alerts_is_one_row_holding_each_alert(client, twice_flagged):
    unit, alerts = twice_flagged
    client.force_login(unit.sergeant)
    page = client.get(reverse("early_warning:alert_list")).content.decode()
    rows = officer_rows(page)
    # North's two flagged officers: Park201 (both detectors) and Park202 (the two-complaint one).
    assert len(rows) == 2
    (first,) = [row for row in rows if "Park201" in row]
    assert first.count("Park201") == 1
    mine = sorted(
        (a for a in alerts if a.officer == unit.officers[0]), key=lambda a: -a.pk
    )  # same day: the later one first
    assert len(mine) == 2
    links = re.findall(r'href="/en/staff/early-intervention/alerts/(\d+)/"', first)
    assert [int(pk) for pk in links] == [a.pk for a in mine]
    assert "Three complaints in six months" in first and "Two complaints in a year" in first
    # Every alert is still reachable from the list.
    for alert in [a for a in alerts if a.officer in unit.officers]:
        assert reverse("early_warning:alert_detail", args=[alert.pk]) in page
    # The caption counts both officers and alerts.
    assert "2 officers" in page and "3 alerts" in page


def test_grouping_keeps_need_to_know(client, twice_flagged):
    unit, _ = twice_flagged
    client.force_login(unit.other_sergeant)
    page = client.get(reverse("early_warning:alert_list")).content.decode()
    assert "Park201" not in page and "Park202" not in page
    rows = officer_rows(page)
    assert len(rows) == 1 and "Park301" in rows[0]
