import datetime

import pytest

from commonground.accounts.models import Role
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.roster.actions import assign_officer
from commonground.roster.models import OfficerStatus, Unit
from commonground.roster.selectors import public_officer_lookup

pytestmark = pytest.mark.django_db


def test_public_lookup_shows_name_and_badge_of_current_officers_only():
    _, _, _, officers = agency_with_officers(2)
    officers[1].status = OfficerStatus.SEPARATED
    officers[1].save()
    found = public_officer_lookup("Rivera")
    assert [o["badge_number"] for o in found] == [officers[0].badge_number]
    assert set(found[0]) == {"id", "first_name", "last_name", "badge_number"}
    assert public_officer_lookup(officers[0].badge_number)[0]["id"] == officers[0].pk


def test_public_lookup_can_be_switched_off(settings):
    agency_with_officers(1)
    settings.PUBLIC_OFFICER_LOOKUP = False
    assert public_officer_lookup("Rivera") == []


def test_assignment_history_closes_the_previous_assignment():
    agency, _, unit, officers = agency_with_officers(1)
    officer = officers[0]
    assign_officer(officer=officer, unit=unit, on=datetime.date(2020, 1, 1))
    traffic = Unit.objects.create(agency=agency, name="Traffic")
    assign_officer(officer=officer, unit=traffic, on=datetime.date(2023, 6, 1), rank="sergeant")
    history = list(officer.assignments.order_by("started_on"))
    assert [(a.unit.name, a.ended_on) for a in history] == [
        ("Patrol North", datetime.date(2023, 6, 1)),
        ("Traffic", None),
    ]
    officer.refresh_from_db()
    assert (officer.unit, officer.rank) == (traffic, "sergeant")


def test_staff_search_by_name_badge_or_unit(client, intake_clerk):
    _, _, _, officers = agency_with_officers(3)
    client.force_login(intake_clerk)
    for query in ("Rivera1", officers[1].badge_number, "Patrol"):
        body = client.get("/en/staff/roster/", {"q": query}).content.decode()
        assert officers[1].last_name in body, query
    assert "No officer matches" in client.get("/en/staff/roster/", {"q": "Zzyzx"}).content.decode()


def test_officer_search_on_the_intake_form_without_javascript(client):
    _, _, _, officers = agency_with_officers(1)
    client.post("/en/report/kind/", {"kind": "complaint"})
    body = client.get("/en/report/officers/", {"q": "Rivera"}).content.decode()
    assert f'name="officer_id" value="{officers[0].pk}"' in body
    client.post("/en/report/officers/", {"action": "pick", "officer_id": officers[0].pk})
    assert officers[0].last_name in client.get("/en/report/officers/").content.decode()


# Who reads an officer's race, sex and hire date: IA (peer groups, conflicts), analysts
# (benchmarks of the force) and administrators (who keep the roster).
DEMOGRAPHICS_READERS = {Role.IA_SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR}


@pytest.mark.parametrize("role", sorted(Role.values))
def test_officers_race_sex_and_hire_date_only_for_the_roles_that_need_them(client, role):
    _, _, _, officers = agency_with_officers(1)
    officer = officers[0]
    officer.race, officer.sex, officer.hired_on = "asian/pacific islander", "female", HIRED
    officer.save()
    client.force_login(make_staff(f"r-{role}", role))
    body = client.get(f"/en/staff/roster/{officer.pk}/").content.decode()
    assert officer.badge_number in body  # the page itself opens for every role
    shown = {
        what
        for what, text in {
            "race": "Asian or Pacific Islander",
            "sex": "Female",
            "hired": HIRED.isoformat(),
        }.items()
        if text in body
    }
    assert shown == ({"race", "sex", "hired"} if role in DEMOGRAPHICS_READERS else set()), role


HIRED = datetime.date(1999, 4, 13)
