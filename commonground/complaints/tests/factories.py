"""Test data built through the same actions the application uses."""

import datetime

from django.utils import timezone

from commonground.complaints import tracking
from commonground.complaints.actions import OfficerInput, PersonInput, ReportInput, file_report
from commonground.roster.models import Agency, District, Officer, Unit


def agency_with_officers(n: int = 3):
    agency = Agency.objects.create(name="Test PD")
    district = District.objects.create(agency=agency, code="D1", name="Northside", population=1000)
    unit = Unit.objects.create(agency=agency, name="Patrol North", district=district)
    officers = [
        Officer.objects.create(
            agency=agency,
            first_name=f"Alex{i}",
            last_name=f"Rivera{i}",
            badge_number=f"{100 + i}",
            unit=unit,
        )
        for i in range(n)
    ]
    return agency, district, unit, officers


def report_input(**overrides) -> ReportInput:
    values = dict(
        kind="complaint",
        reporter_type="self",
        narrative="The officer shouted at me and refused to give his badge number.",
        incident_date=timezone.localdate() - datetime.timedelta(days=3),
        location="Main St & 3rd Ave",
        contact={"name": "Maria Lopez", "email": "maria@example.org", "phone": "555-201-3344"},
        contact_method="email",
        language="en",
        officers=[OfficerInput(name_given="Smith", badge_given="4471")],
        people=[PersonInput(role="witness", name="Sam Lee", phone="555-111-2222")],
    )
    values.update(overrides)
    return ReportInput(**values)


def file(**overrides):
    channel = overrides.pop("channel", "online")
    by = overrides.pop("by", None)
    files = overrides.pop("files", [])
    return file_report(
        data=report_input(**overrides),
        submission_token=tracking.new_submission_token(),
        channel=channel,
        by=by,
        files=files,
    )
