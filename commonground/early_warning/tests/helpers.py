"""An agency with two patrol units, their sergeants (with accounts) and officers, built through
the roster's own action so assignments exist."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.actions import OfficerInput
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.early_warning.models import Detector, DetectorKind, Exposure, Indicator
from commonground.roster.actions import assign_officer
from commonground.roster.models import Officer, Rank, Unit
from commonground.stops.tests.helpers import small_agency


@dataclass
class Force:
    north: Unit
    south: Unit
    sergeant: object  # the account of North's commander
    other_sergeant: object  # the account of South's commander
    officers: list  # North's officers (badges 201-208)
    south_officers: list


def force(per_unit: int = 8) -> Force:
    agency = small_agency()
    start = timezone.localdate() - datetime.timedelta(days=400)
    north = Unit.objects.create(agency=agency, name="Patrol North")
    south = Unit.objects.create(agency=agency, name="Patrol South")
    accounts = []
    for unit, badge in ((north, "901"), (south, "902")):
        sergeant = Officer.objects.create(
            agency=agency, first_name="Pat", last_name=f"Sgt{badge}", badge_number=badge
        )
        assign_officer(officer=sergeant, unit=unit, on=start, rank=Rank.SERGEANT)
        unit.commander = sergeant
        unit.save()
        account = make_staff(f"sgt{badge}", Role.FIELD_SUPERVISOR)
        account.officer = sergeant
        account.email = f"sgt{badge}@pd.example.org"
        account.save()
        accounts.append(account)
    officers = {north: [], south: []}
    for unit, first in ((north, 201), (south, 301)):
        for badge in range(first, first + per_unit):
            officer = Officer.objects.create(
                agency=agency, first_name="Lee", last_name=f"Park{badge}", badge_number=str(badge)
            )
            assign_officer(officer=officer, unit=unit, on=start, rank=Rank.OFFICER)
            officers[unit].append(officer)
    return Force(north, south, accounts[0], accounts[1], officers[north], officers[south])


def complaint_about(officer: Officer) -> None:
    file(officers=[OfficerInput(officer_id=officer.pk)])


def three_complaints_rule(**overrides) -> Detector:
    values = dict(
        name="Three complaints in six months",
        kind=DetectorKind.THRESHOLD,
        indicator=Indicator.COMPLAINTS,
        window_days=180,
        min_events=3,
        exposure=Exposure.NONE,
    )
    values.update(overrides)
    detector = Detector(**values)
    detector.full_clean()
    detector.save()
    return detector
