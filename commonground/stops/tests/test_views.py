import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commonground.audit.models import AuditEvent
from commonground.complaints.tests.factories import file
from commonground.stops.models import Batch, BatchStatus, UseOfForceIncident
from commonground.stops.tests.helpers import import_file, small_agency, stop_row, write_csv
from commonground.stops.tests.test_use_of_force import force_row

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def agency(db):
    return small_agency()


def csv_upload(tmp_path, rows, name="stops.csv"):
    return SimpleUploadedFile(name, write_csv(tmp_path / name, rows).read_bytes(), "text/csv")


def test_an_analyst_imports_a_file_and_follows_it_to_loaded(
    client, agency, analyst, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("stops:batch_list"),
            {
                "kind": "stops",
                "file": csv_upload(tmp_path, [stop_row(), stop_row()]),
                "note": "June",
            },
        )
        batch = Batch.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("stops:batch_detail", args=[batch.pk])
        assert batch.status == BatchStatus.QUEUED
        assert "Waiting to be checked" in client.get(response["Location"]).content.decode()
    # Once committed, the check is enqueued (and run at once by the tests' task backend).
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.LOADED
    page = client.get(response["Location"]).content.decode()
    assert "Loaded: all 2 records passed every check." in page
    assert "data-poll" not in page
    assert "June" in page


def test_a_rejected_file_shows_its_problems_and_offers_the_report(
    client, agency, analyst, tmp_path
):
    batch = import_file(write_csv(tmp_path / "s.csv", [stop_row(subject_race="B")]), analyst)
    client.force_login(analyst)
    page = client.get(reverse("stops:batch_detail", args=[batch.pk])).content.decode()
    assert "Nothing was loaded." in page
    assert "This is not one of the race codes" in page
    report = client.get(reverse("stops:batch_report", args=[batch.pk]))
    assert report["Content-Disposition"].startswith("attachment")
    body = b"".join(report.streaming_content).decode()
    assert body.splitlines()[0] == "record,column,value,problem"
    assert body.splitlines()[1].startswith("1,subject_race,B,")


def test_a_batch_being_checked_shows_its_progress_and_polls(client, agency, analyst, tmp_path):
    batch = import_file(write_csv(tmp_path / "s.csv", [stop_row()]), analyst)
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.CHECKING, rows_total=1000, rows_checked=250
    )
    client.force_login(analyst)
    url = reverse("stops:batch_detail", args=[batch.pk])
    page = client.get(url).content.decode()
    assert 'max="1000" value="250"' in page
    assert "250 of 1000 records checked." in page
    fragment = client.get(url, {"part": "status"}).content.decode()
    assert fragment.lstrip().startswith('<div id="batch-status" data-poll=')
    assert "<html" not in fragment


def test_the_same_file_twice_is_refused_next_to_the_field(client, agency, analyst, tmp_path):
    client.force_login(analyst)
    rows = [stop_row()]
    client.post(reverse("stops:batch_list"), {"kind": "stops", "file": csv_upload(tmp_path, rows)})
    response = client.post(
        reverse("stops:batch_list"), {"kind": "stops", "file": csv_upload(tmp_path, rows)}
    )
    assert response.status_code == 200
    assert "This file was already imported on" in response.content.decode()
    assert Batch.objects.count() == 1


def test_an_oversized_file_is_refused_with_the_limit(client, agency, analyst, tmp_path, settings):
    settings.STOPS_IMPORT_MAX_BYTES = 100
    client.force_login(analyst)
    rows = [stop_row()] * 5
    response = client.post(
        reverse("stops:batch_list"), {"kind": "stops", "file": csv_upload(tmp_path, rows)}
    )
    assert "files of up to 100 bytes can be imported" in response.content.decode()
    assert not Batch.objects.exists()


def test_withdrawing_from_the_page_needs_a_reason(client, agency, analyst, tmp_path):
    batch = import_file(write_csv(tmp_path / "s.csv", [stop_row()]), analyst)
    client.force_login(analyst)
    url = reverse("stops:withdraw", args=[batch.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Corrected file coming"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="stops.batch_withdrawn").exists()


def test_empty_states_say_what_to_do(client, agency, analyst):
    client.force_login(analyst)
    assert (
        "No file has been imported yet" in client.get(reverse("stops:batch_list")).content.decode()
    )
    assert "No use-of-force incidents yet" in (
        client.get(reverse("stops:incident_list")).content.decode()
    )
    assert (
        "No stop records are loaded yet" in client.get(reverse("stops:analysis")).content.decode()
    )


def test_incidents_are_listed_filtered_and_linked_to_a_complaint(client, agency, analyst, tmp_path):
    rows = [force_row(), force_row(incident_id="UOF-2", officer_id="102", district="D1")]
    import_file(write_csv(tmp_path / "u.csv", rows), analyst, kind="use_of_force")
    client.force_login(analyst)
    listing = client.get(reverse("stops:incident_list"), {"badge": "102"}).content.decode()
    assert "UOF-2" in listing and "UOF-1" not in listing
    incident = UseOfForceIncident.objects.get(agency_reference="UOF-1")
    url = reverse("stops:incident_detail", args=[incident.pk])
    page = client.get(url).content.decode()
    assert "Physical force (hands, takedown), Chemical spray" in page
    wrong = client.post(url, {"reference": "CG-2020-999999"})
    assert wrong.status_code == 400
    assert "No complaint has this reference." in wrong.content.decode()
    report = file().report
    assert client.post(url, {"reference": report.reference}).status_code == 302
    incident.refresh_from_db()
    assert incident.complaint == report
