"""Files that failed a check are never served: not refused uploads (never stored), and not
stored items whose bytes no longer match the hash sealed at receipt."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from commonground.evidence.actions import ingest_upload, verify_now
from commonground.evidence.models import CustodyKind, ItemKind, StoredFile
from commonground.evidence.selectors import stored_names, withheld
from commonground.evidence.tests.helpers import footage
from commonground.evidence.tests.media import jpeg, uploaded
from commonground.evidence.tests.test_verify import flip_one_byte
from commonground.evidence.tests.test_views import footage_post
from commonground.testing.browser import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def object_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def stored_bytes(item) -> bytes:
    return object_bytes(item.file.name)


def served(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def photo(custodian):
    return ingest_upload(
        upload=uploaded("scene.jpg", jpeg()), kind=ItemKind.CASE_FILE, by=custodian
    )


def through_mfa(client, response):
    """Give the second factor when a download or an export asks for it."""
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        return client.post(response["Location"], {"code": totp_code("JBSWY3DPEHPK3PXP")})
    return response


def try_every_way_to_the_bytes(client, item) -> list:
    """Every URL that serves an item's file: shown in its page, downloaded, exported."""
    return [
        client.get(reverse("evidence:content", args=[item.uuid])),
        through_mfa(
            client,
            client.post(
                reverse("evidence:download", args=[item.uuid]), {"download-reason": "Review"}
            ),
        ),
        through_mfa(
            client,
            client.post(
                reverse("evidence:export", args=[item.uuid]),
                {"export-reason": "Court", "export-recipient": "Clerk of court"},
            ),
        ),
    ]


def test_a_file_whose_check_failed_is_refused_everywhere_until_a_check_passes(
    client, custodian, photo
):
    client.force_login(custodian)
    good = stored_bytes(photo)
    flip_one_byte(photo)
    changed = stored_bytes(photo)
    verify_now(item=photo, by=custodian)
    assert withheld(photo)
    page = client.get(reverse("evidence:item_detail", args=[photo.uuid])).content.decode()
    assert "failed its last integrity check" in page
    assert reverse("evidence:content", args=[photo.uuid]) not in page
    for response in try_every_way_to_the_bytes(client, photo):
        assert response.status_code in (400, 409), response
        assert changed not in served(response)
        assert "failed its last integrity check" in served(response).decode()
    assert not photo.custody.filter(
        kind__in=[CustodyKind.VIEWED, CustodyKind.DOWNLOADED, CustodyKind.EXPORTED]
    ).exists()

    default_storage.delete(photo.file.name)
    default_storage.save(photo.file.name, io.BytesIO(good))  # restored from a backup
    verify_now(item=photo, by=custodian)
    assert not withheld(photo)
    response = client.get(reverse("evidence:content", args=[photo.uuid]))
    assert response.status_code == 200
    assert served(response) == good


def test_the_nightly_check_withholds_what_it_finds_changed(custodian, photo):
    flip_one_byte(photo)
    with pytest.raises(CommandError, match="1 failed"):
        call_command("verify_evidence", stdout=io.StringIO(), stderr=io.StringIO())
    event = photo.custody.get(kind=CustodyKind.VERIFIED)
    assert event.details["intact"] is False
    assert withheld(photo)


def test_an_export_checks_the_bytes_it_sends_and_refuses_changed_ones(client, custodian):
    item = footage(custodian)
    flip_one_byte(item)
    client.force_login(custodian)
    (_, _, export) = try_every_way_to_the_bytes(client, item)
    assert export.status_code == 400
    assert "no longer matches the hash recorded at receipt" in export.content.decode()
    assert not item.custody.filter(kind=CustodyKind.EXPORTED).exists()
    assert item.custody.get(kind=CustodyKind.VERIFIED).details["intact"] is False
    assert withheld(item)


def test_a_refused_upload_leaves_no_bytes_for_any_url_to_serve(client, custodian):
    marker = b"MARKER-refused-footage-77d1"
    client.force_login(custodian)
    response = client.post(
        reverse("evidence:import_footage"),
        footage_post("101", file=uploaded("cam.mp4", b"MZ\x90\x00" + marker)),
    )
    assert response.status_code == 400
    item = footage(custodian)
    refused = client.post(
        reverse("evidence:item_action", args=[item.uuid, "attach_redaction"]),
        {
            "attach_redaction-file": uploaded("cut.mp4", b"<html>" + marker),
            "attach_redaction-purpose": "release",
            "attach_redaction-note": "Faces blurred",
        },
    )
    assert refused.status_code in (400, 403)
    assert StoredFile.objects.count() == 1
    for folder in ("evidence", "uploads"):
        for name in stored_names(default_storage, folder):
            assert marker not in object_bytes(name), name
    for response in try_every_way_to_the_bytes(client, item):
        assert marker not in served(response)
    for name in os.listdir(settings.FILE_UPLOAD_TEMP_DIR):
        with open(os.path.join(settings.FILE_UPLOAD_TEMP_DIR, name), "rb") as left:
            assert marker not in left.read()
