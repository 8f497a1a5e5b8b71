import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from commonground.conftest import make_staff
from commonground.evidence.actions import ingest_upload
from commonground.evidence.models import CustodyKind, ItemKind, Recording, StoredFile
from commonground.evidence.tests.helpers import footage, officer
from commonground.evidence.tests.media import jpeg, mp4, uploaded
from commonground.testing.browser import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def footage_post(badge, content=None, **overrides):
    start = timezone.localtime() - datetime.timedelta(days=1)
    data = {
        "device_id": "CAM-12",
        "badge": badge,
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
        "latitude": "40.712800",
        "longitude": "-74.006000",
        "file": SimpleUploadedFile("cam12.mp4", content or mp4(900)),
        "upload_end": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_footage_imported_through_the_page_is_hashed_as_it_streams_and_sealed(client, custodian):
    worn_by = officer()
    content = mp4(900, payload=b"\x01" * 5_000_000)  # larger than one upload chunk
    client.force_login(custodian)
    response = client.post(
        reverse("evidence:import_footage"), footage_post(worn_by.badge_number, content)
    )
    item = StoredFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:item_detail", args=[item.uuid])
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.kind == ItemKind.BWC_FOOTAGE
    assert item.duration_seconds == pytest.approx(900)
    assert not item.evidentiary
    recording = Recording.objects.get()
    assert (recording.officer, recording.device_id) == (worn_by, "CAM-12")
    assert str(recording.latitude) == "40.712800"


def test_a_cut_off_upload_stores_nothing_and_says_so(client, custodian):
    worn_by = officer()
    client.force_login(custodian)
    response = client.post(
        reverse("evidence:import_footage"), footage_post(worn_by.badge_number, upload_end=None)
    )
    assert response.status_code == 400
    assert "cut off before it finished" in response.content.decode()
    assert not StoredFile.objects.exists()


def test_bytes_that_are_not_what_the_name_says_are_refused_with_the_form_kept(client, custodian):
    worn_by = officer()
    client.force_login(custodian)
    response = client.post(
        reverse("evidence:import_footage"),
        footage_post(worn_by.badge_number, file=SimpleUploadedFile("cam.mp4", jpeg())),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not what its name says" in page
    assert 'value="CAM-12"' in page
    assert not StoredFile.objects.exists()


def test_an_unknown_badge_and_an_overlapping_recording_are_refused(client, custodian):
    worn_by = officer()
    client.force_login(custodian)
    response = client.post(reverse("evidence:import_footage"), footage_post("9999"))
    assert "No officer on the roster has badge number 9999" in response.content.decode()
    client.post(reverse("evidence:import_footage"), footage_post(worn_by.badge_number))
    again = client.post(
        reverse("evidence:import_footage"),
        footage_post(worn_by.badge_number, file=SimpleUploadedFile("b.mp4", mp4(30))),
    )
    assert "Device CAM-12 already has a recording at that time" in again.content.decode()
    assert StoredFile.objects.count() == 1


def test_the_same_footage_twice_is_refused_and_names_the_item_held(client, custodian):
    worn_by = officer()
    client.force_login(custodian)
    client.post(reverse("evidence:import_footage"), footage_post(worn_by.badge_number))
    held = StoredFile.objects.get()
    later = timezone.localtime() - datetime.timedelta(hours=2)
    again = client.post(
        reverse("evidence:import_footage"),
        footage_post(
            worn_by.badge_number,
            started_at=later.strftime("%Y-%m-%dT%H:%M"),
            ended_at=(later + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert f"already held as {held.reference}" in again.content.decode()
    assert StoredFile.objects.count() == 1


def test_investigators_see_only_items_of_their_own_cases(client, investigator, custodian):
    item = footage(custodian)
    client.force_login(investigator)
    assert client.get(reverse("evidence:item_detail", args=[item.uuid])).status_code == 403
    assert item.reference not in client.get(reverse("evidence:item_list")).content.decode()
    client.force_login(custodian)
    assert client.get(reverse("evidence:item_detail", args=[item.uuid])).status_code == 200


@pytest.mark.parametrize("role", ["board_member", "analyst", "intake_clerk", "administrator"])
def test_roles_without_evidence_access_are_refused(client, custodian, role):
    item = footage(custodian)
    client.force_login(make_staff(f"x-{role}", role))
    assert client.get(reverse("evidence:item_list")).status_code == 403
    assert client.get(reverse("evidence:item_detail", args=[item.uuid])).status_code == 403
    assert client.get(reverse("evidence:content", args=[item.uuid])).status_code == 403


def test_viewing_the_content_is_a_custody_event_with_who_and_where(client, custodian):
    item = footage(custodian)
    client.force_login(custodian)
    response = client.get(reverse("evidence:content", args=[item.uuid]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    event = item.custody.order_by("-sequence").first()
    assert (event.kind, event.actor, event.ip_address) == (
        CustodyKind.VIEWED,
        custodian,
        "10.1.2.3",
    )


def test_a_download_without_a_reason_is_refused_and_nothing_is_sent(client, custodian):
    item = footage(custodian)
    client.force_login(custodian)
    response = client.post(reverse("evidence:download", args=[item.uuid]), {"download-reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not item.custody.filter(kind=CustodyKind.DOWNLOADED).exists()


def test_downloading_an_original_asks_for_a_fresh_second_factor_then_sends_it(client, custodian):
    item = footage(custodian)
    client.force_login(custodian)
    url = reverse("evidence:download", args=[item.uuid])
    asked = client.post(url, {"download-reason": "Prosecutor's request 26-114"})
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not item.custody.filter(kind=CustodyKind.DOWNLOADED).exists()
    resumed = client.post(asked["Location"], {"code": totp_code("JBSWY3DPEHPK3PXP")})
    assert resumed.status_code == 200
    assert resumed["Content-Disposition"].startswith("attachment")
    with item.file.open("rb") as stored:
        assert b"".join(resumed.streaming_content) == stored.read()
    event = item.custody.get(kind=CustodyKind.DOWNLOADED)
    assert event.reason == "Prosecutor's request 26-114"
    # Within the window, the next download does not ask again.
    again = client.post(url, {"download-reason": "Copy for the board"})
    assert again.status_code == 200


def test_a_redacted_copy_downloads_with_a_reason_but_no_second_factor(client, supervisor):
    original = ingest_upload(
        upload=uploaded("scene.jpg", jpeg((80, 60))), kind=ItemKind.CASE_FILE, by=supervisor
    )
    client.force_login(supervisor)
    made = client.post(
        reverse("evidence:item_action", args=[original.uuid, "redact"]),
        {"redact-boxes": "10, 10, 20, 20", "redact-purpose": "release", "redact-note": "A face"},
    )
    copy = StoredFile.objects.get(derived_from=original)
    assert made["Location"] == reverse("evidence:item_detail", args=[copy.uuid])
    response = client.post(
        reverse("evidence:download", args=[copy.uuid]), {"download-reason": "Public records"}
    )
    assert response.status_code == 200


def test_the_custody_report_shows_hash_events_and_check_in_html_and_pdf(client, custodian):
    item = footage(custodian)
    client.force_login(custodian)
    client.get(reverse("evidence:content", args=[item.uuid]))
    page = client.get(reverse("evidence:custody_report", args=[item.uuid])).content.decode()
    assert item.sha256 in page
    assert "Intact" in page
    for event in item.custody.all():
        assert event.hash in page
    pdf = client.get(reverse("evidence:custody_report_pdf", args=[item.uuid]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_custody_report_says_when_the_chain_is_broken(client, custodian):
    item = footage(custodian)
    item.custody.filter(sequence=1).update(actor_label="someone else")
    client.force_login(custodian)
    page = client.get(reverse("evidence:custody_report", args=[item.uuid])).content.decode()
    assert "Not intact" in page
    assert "Event 1 was changed after it was recorded." in page


def test_an_export_packages_the_file_its_custody_report_and_hashes_and_records_its_own_hash(
    client, custodian
):
    import io
    import json
    import zipfile

    item = footage(custodian)
    client.force_login(custodian)
    url = reverse("evidence:export", args=[item.uuid])
    missing = client.post(url, {"export-reason": "Charging decision", "export-recipient": ""})
    assert missing.status_code == 400
    asked = client.post(
        url, {"export-reason": "Charging decision", "export-recipient": "ADA Chen, County"}
    )
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))
    response = client.post(asked["Location"], {"code": totp_code("JBSWY3DPEHPK3PXP")})
    package = b"".join(response.streaming_content)
    event = item.custody.get(kind=CustodyKind.EXPORTED)
    assert event.details["package_sha256"] == hashlib.sha256(package).hexdigest()
    assert event.details["recipient"] == "ADA Chen, County"
    with zipfile.ZipFile(io.BytesIO(package)) as bundle:
        names = bundle.namelist()
        with item.file.open("rb") as stored:
            assert bundle.read(f"{item.reference}/{item.original_name}") == stored.read()
        assert bundle.read(f"{item.reference}/custody-report.pdf").startswith(b"%PDF")
        manifest = json.loads(bundle.read(f"{item.reference}/manifest.json"))
    assert len(names) == 3
    assert manifest["sha256"] == item.sha256
    assert manifest["recipient"] == "ADA Chen, County"


def test_custody_details_read_as_labelled_values(client, custodian):
    item = footage(custodian, minutes=3)
    client.force_login(custodian)
    page = client.get(reverse("evidence:item_detail", args=[item.uuid])).content.decode()
    assert f"Size in bytes: {item.size}" in page
    assert "Playing time in seconds: 180.0" in page
    assert "Photo metadata removed" not in page  # said only when it happened
