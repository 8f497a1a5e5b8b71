import datetime

import pytest

from commonground.complaints.tests.factories import file
from commonground.stops.actions import link_complaint, withdraw_batch
from commonground.stops.models import BatchStatus, ForceUsed, UseOfForceIncident
from commonground.stops.tests.helpers import import_file, small_agency, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def force_row(**values) -> dict:
    row = {
        "incident_id": "UOF-1",
        "date": "2025-05-02",
        "time": "22:10",
        "location": "300 block of Elm St",
        "district": "D2",
        "lat": "41.55",
        "lng": "-90.60",
        "officer_id": "101",
        "force_type": "physical; chemical",
        "subject_age": "27",
        "subject_race": "hispanic",
        "subject_sex": "female",
        "subject_injured": "TRUE",
        "officer_injured": "FALSE",
        "complaint": "",
    }
    row.update(values)
    return row


@pytest.fixture
def agency(db):
    return small_agency()


def test_an_incident_with_two_officers_loads_as_one_incident(agency, analyst, tmp_path):
    rows = [
        force_row(),
        force_row(officer_id="102", force_type="conducted_energy"),
        force_row(incident_id="UOF-2", officer_id="103", subject_injured="NA", force_type="k9"),
    ]
    batch = import_file(write_csv(tmp_path / "uof.csv", rows), analyst, kind="use_of_force")
    assert batch.status == BatchStatus.LOADED, batch.problems_preview
    first = UseOfForceIncident.objects.get(agency_reference="UOF-1")
    assert first.occurred_on == datetime.date(2025, 5, 2)
    assert (first.district.code, first.subject_race, first.subject_injured) == (
        "D2",
        "hispanic",
        True,
    )
    used = {f.officer.badge_number: f.types for f in ForceUsed.objects.filter(incident=first)}
    assert used == {"101": ["physical", "chemical"], "102": ["conducted_energy"]}
    assert UseOfForceIncident.objects.get(agency_reference="UOF-2").subject_injured is None


def test_rows_of_one_incident_must_agree_and_officers_appear_once(agency, analyst, tmp_path):
    rows = [
        force_row(),
        force_row(officer_id="102", district="D1"),
        force_row(officer_id="101"),
        force_row(incident_id="UOF-3", force_type="taser"),
        force_row(incident_id="UOF-4", officer_id=""),
    ]
    batch = import_file(write_csv(tmp_path / "uof.csv", rows), analyst, kind="use_of_force")
    assert batch.status == BatchStatus.REJECTED
    assert not UseOfForceIncident.objects.exists()
    problems = [(p["record"], p["column"], p["problem"]) for p in batch.problems_preview]
    assert (4, "force_type", problems[0][2]) in problems
    assert "These are not all force type codes" in problems[0][2]
    assert (5, "officer_id", "This value is required.") in problems
    # The row-level problems stop the load before the checks across rows; fix them and the
    # incident-level ones show.
    rows = rows[:3]
    batch = import_file(write_csv(tmp_path / "uof2.csv", rows), analyst, kind="use_of_force")
    problems = [(p["record"], p["column"], p["problem"]) for p in batch.problems_preview]
    assert problems == [
        (2, "district", "This differs from record 1 of the same incident."),
        (3, "officer_id", "This officer appears twice in the same incident."),
    ]


def test_an_incident_already_loaded_or_an_unknown_complaint_is_refused(agency, analyst, tmp_path):
    import_file(write_csv(tmp_path / "a.csv", [force_row()]), analyst, kind="use_of_force")
    rows = [
        force_row(location="Elm St"),
        force_row(incident_id="UOF-9", complaint="CG-2025-999999"),
    ]
    batch = import_file(write_csv(tmp_path / "b.csv", rows), analyst, kind="use_of_force")
    problems = [(p["record"], p["column"], p["problem"]) for p in batch.problems_preview]
    assert problems == [
        (1, "incident_id", "This incident was already loaded in an earlier batch."),
        (2, "complaint", "No complaint has this reference."),
    ]


def test_a_complaint_reference_links_the_incident(agency, analyst, supervisor, tmp_path):
    report = file().report
    rows = [force_row(complaint=report.reference.lower())]
    import_file(write_csv(tmp_path / "a.csv", rows), analyst, kind="use_of_force")
    incident = UseOfForceIncident.objects.get()
    assert incident.complaint == report
    link_complaint(incident=incident, report=None, by=supervisor)
    incident.refresh_from_db()
    assert incident.complaint is None


def test_withdrawing_a_use_of_force_batch_removes_its_incidents(agency, analyst, tmp_path):
    batch = import_file(write_csv(tmp_path / "a.csv", [force_row()]), analyst, kind="use_of_force")
    withdraw_batch(batch=batch, reason="Duplicate export", by=analyst)
    assert not UseOfForceIncident.objects.exists()
