"""Large footage sent in pieces: a dropped connection carries on where it stopped, a refused
form keeps what was uploaded, and nothing is left in storage once an upload is imported or
abandoned."""

import datetime
import hashlib
import io
import os

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.accounts.rules import PERMISSIONS
from commonground.conftest import make_staff
from commonground.evidence.actions import (
    discard_stale_upload_sessions,
    receive_upload_chunk,
    start_upload,
)
from commonground.evidence.models import (
    Recording,
    StoredFile,
    UploadChunk,
    UploadSession,
    UploadState,
)
from commonground.evidence.selectors import stored_names
from commonground.evidence.tests.helpers import officer
from commonground.evidence.tests.media import mp4
from commonground.evidence.tests.test_views import footage_post

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.files,
    # Pieces are removed from storage once the import is committed.
    pytest.mark.usefixtures("on_commit_immediately"),
]

CHUNK = 64 * 1024
IMPORTERS = set(PERMISSIONS["evidence.import"])


@pytest.fixture(autouse=True)
def _small_pieces(settings):
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = CHUNK


@pytest.fixture
def content():
    """Real footage (an MP4 header) with random bytes inside: three pieces, the last short."""
    return mp4(900, payload=os.urandom(2 * CHUNK + 1000))


def start(client, name, size):
    return client.post(
        reverse("evidence:start_upload"),
        {"name": name, "size": size},
        content_type="application/json",
    )


def put(client, session, offset, data):
    return client.put(
        session["chunk_url"],
        data,
        content_type="application/octet-stream",
        headers={"upload-offset": str(offset)},
    )


def send_all(client, session, content):
    offset = session["offset"]
    while offset < len(content):
        response = put(client, session, offset, content[offset : offset + CHUNK])
        assert response.status_code == 200, response.content
        offset = response.json()["offset"]
    return offset


def status_url(session):
    return reverse("evidence:upload_status", args=[session.uuid])


def chunk_url(session):
    return reverse("evidence:upload_chunk", args=[session.uuid])


def stored_pieces() -> list[str]:
    return list(stored_names(default_storage, "uploads"))


def form(badge, session_id, **overrides):
    return footage_post(badge, file=None, upload_session=session_id, **overrides)


def test_footage_sent_in_three_pieces_is_imported_bit_for_bit_and_the_pieces_go(
    client, custodian, content
):
    worn_by = officer()
    client.force_login(custodian)
    created = start(client, "cam12.mp4", len(content))
    assert created.status_code == 201
    session = created.json()
    assert (session["offset"], session["chunk_size"], session["state"]) == (0, CHUNK, "open")
    assert send_all(client, session, content) == len(content)
    assert UploadChunk.objects.count() == 3
    assert len(stored_pieces()) == 3
    status = client.get(session["url"]).json()
    assert (status["offset"], status["size"], status["state"]) == (
        len(content),
        len(content),
        "complete",
    )

    response = client.post(
        reverse("evidence:import_footage"), form(worn_by.badge_number, session["id"])
    )

    item = StoredFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:item_detail", args=[item.uuid])
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.size == len(content)
    assert item.original_name == "cam12.mp4"
    assert item.duration_seconds == pytest.approx(900)
    with item.file.open("rb") as stored:
        assert stored.read() == content
    assert item.custody.get().details["sha256"] == item.sha256
    assert Recording.objects.get().officer == worn_by
    upload = UploadSession.objects.get()
    assert (upload.state, upload.item) == (UploadState.DONE, item)
    assert not UploadChunk.objects.exists()
    assert stored_pieces() == []


def test_a_piece_sent_for_the_wrong_place_is_told_where_to_carry_on_and_resumes(
    client, custodian, content
):
    worn_by = officer()
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    assert put(client, session, 0, content[:CHUNK]).status_code == 200

    # The connection dropped after the piece was stored but before the answer arrived: the
    # sender tries the same piece again, and is told the upload is further on.
    again = put(client, session, 0, content[:CHUNK])
    assert again.status_code == 409
    assert again.json()["offset"] == CHUNK
    ahead = put(client, session, 2 * CHUNK, content[2 * CHUNK :])
    assert ahead.status_code == 409
    assert ahead.json()["offset"] == CHUNK

    assert client.get(session["url"]).json()["offset"] == CHUNK
    assert send_all(client, session | {"offset": CHUNK}, content) == len(content)
    assert UploadChunk.objects.count() == 3
    response = client.post(
        reverse("evidence:import_footage"), form(worn_by.badge_number, session["id"])
    )
    assert response.status_code == 302
    assert StoredFile.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_a_piece_past_the_announced_size_is_refused_and_not_kept(client, custodian, content):
    client.force_login(custodian)
    session = start(client, "cam12.mp4", 100).json()
    response = put(client, session, 0, content[:101])
    assert response.status_code == 400
    assert "past the end of the file" in response.json()["error"]
    assert not UploadChunk.objects.exists()
    assert stored_pieces() == []


def test_a_piece_larger_than_the_piece_size_is_refused_as_too_large(client, custodian, content):
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    response = put(client, session, 0, content[: CHUNK + 1])
    assert response.status_code == 413
    assert response.json()["error"] == (
        f"This piece is {CHUNK + 1} bytes; send pieces of at most {CHUNK} bytes."
    )
    assert stored_pieces() == []


@pytest.mark.parametrize(
    ("size", "status", "message"),
    [(0, 400, "is empty"), (9 * 1024**3, 413, "the limit is")],
)
def test_an_empty_or_too_large_file_is_refused_before_any_byte_is_sent(
    client, custodian, size, status, message
):
    client.force_login(custodian)
    response = start(client, "cam12.mp4", size)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not UploadSession.objects.exists()


def test_a_start_without_a_size_in_bytes_is_refused(client, custodian):
    client.force_login(custodian)
    assert start(client, "cam12.mp4", "lots").status_code == 400
    assert start(client, "cam12.mp4", 12.5).status_code == 400


def test_someone_elses_upload_is_not_found(client, custodian, supervisor, content):
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    send_all(client, session, content)
    client.force_login(supervisor)
    assert client.get(session["url"]).status_code == 404
    assert put(client, session, len(content), b"x").status_code == 404
    response = client.post(
        reverse("evidence:import_footage"), form(officer().badge_number, session["id"])
    )
    assert response.status_code == 400
    assert "no longer here" in response.content.decode()
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize("role", sorted(set(Role.values) - IMPORTERS))
def test_roles_that_cannot_import_cannot_upload(client, custodian, role):
    session = start_upload(by=custodian, name="cam12.mp4", size=1000)
    client.force_login(make_staff(f"x-{role}", role))
    assert start(client, "cam12.mp4", 1000).status_code == 403
    assert client.get(status_url(session)).status_code == 403
    assert client.put(chunk_url(session), b"x", headers={"upload-offset": "0"}).status_code == 403
    assert UploadSession.objects.count() == 1


@pytest.mark.parametrize("role", sorted(IMPORTERS))
def test_roles_that_import_may_upload(client, role):
    client.force_login(make_staff(f"x-{role}", role))
    session = start(client, "cam12.mp4", 1000).json()
    assert client.get(session["url"]).status_code == 200
    assert put(client, session, 0, b"\x00" * 1000).json()["state"] == "complete"


def test_the_public_is_sent_to_sign_in(client, custodian):
    session = start_upload(by=custodian, name="cam12.mp4", size=1000)
    for response in (
        start(client, "cam12.mp4", 1000),
        client.get(status_url(session)),
        client.put(chunk_url(session), b"x", headers={"upload-offset": "0"}),
    ):
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_pieces_need_the_csrf_token(custodian, content):
    session = start_upload(by=custodian, name="cam12.mp4", size=len(content))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(custodian)
    url = reverse("evidence:upload_chunk", args=[session.uuid])
    response = browser.put(
        url,
        content[:CHUNK],
        content_type="application/octet-stream",
        headers={"upload-offset": "0"},
    )
    assert response.status_code == 403
    assert stored_pieces() == []


def test_a_refused_form_keeps_the_upload_and_the_corrected_form_imports_it_without_resending(
    client, custodian, content
):
    worn_by = officer()
    client.force_login(custodian)
    # Another recording from the same camera already covers that time.
    client.post(reverse("evidence:import_footage"), footage_post(worn_by.badge_number))
    session = start(client, "cam12.mp4", len(content)).json()
    send_all(client, session, content)

    refused = client.post(
        reverse("evidence:import_footage"), form(worn_by.badge_number, session["id"])
    )
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "Device CAM-12 already has a recording at that time" in page
    assert "is already uploaded" in page
    assert f'value="{session["id"]}"' in page
    assert 'value="CAM-12"' in page
    assert StoredFile.objects.count() == 1
    assert UploadSession.objects.get().state == UploadState.COMPLETE
    assert len(stored_pieces()) == 3

    corrected = client.post(
        reverse("evidence:import_footage"),
        form(worn_by.badge_number, session["id"], device_id="CAM-13"),
    )
    assert corrected.status_code == 302
    item = StoredFile.objects.order_by("-pk").first()
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.recording.device_id == "CAM-13"
    assert stored_pieces() == []


def test_bytes_that_are_not_footage_are_refused_and_the_upload_kept_for_another_try(
    client, custodian
):
    client.force_login(custodian)
    content = b"%PDF-1.4\n" + os.urandom(1000)
    session = start(client, "cam12.mp4", len(content)).json()
    send_all(client, session, content)
    response = client.post(
        reverse("evidence:import_footage"), form(officer().badge_number, session["id"])
    )
    assert response.status_code == 400
    assert "is not what its name says" in response.content.decode()
    assert not StoredFile.objects.exists()
    upload = UploadSession.objects.get()
    assert upload.state == UploadState.COMPLETE
    assert "is not what its name says" in upload.error


def test_an_unfinished_upload_cannot_be_imported(client, custodian, content):
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    put(client, session, 0, content[:CHUNK])
    response = client.post(
        reverse("evidence:import_footage"), form(officer().badge_number, session["id"])
    )
    assert response.status_code == 400
    assert "has not finished uploading" in response.content.decode()
    assert not StoredFile.objects.exists()


def test_an_upload_imported_once_cannot_be_imported_again(client, custodian, content):
    worn_by = officer()
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    send_all(client, session, content)
    client.post(reverse("evidence:import_footage"), form(worn_by.badge_number, session["id"]))
    item = StoredFile.objects.get()
    again = client.post(
        reverse("evidence:import_footage"),
        form(worn_by.badge_number, session["id"], device_id="CAM-99"),
    )
    assert f"was imported already, as {item.reference}" in again.content.decode()
    assert StoredFile.objects.count() == 1


def test_a_piece_missing_from_storage_fails_the_upload_and_removes_the_rest(
    client, custodian, content
):
    client.force_login(custodian)
    session = start(client, "cam12.mp4", len(content)).json()
    send_all(client, session, content)
    default_storage.delete(UploadChunk.objects.order_by("offset")[1].name)
    response = client.post(
        reverse("evidence:import_footage"), form(officer().badge_number, session["id"])
    )
    assert response.status_code == 400
    assert "missing from storage" in response.content.decode()
    upload = UploadSession.objects.get()
    assert upload.state == UploadState.FAILED
    assert not UploadChunk.objects.exists()
    assert stored_pieces() == []
    assert client.get(session["url"]).json()["state"] == "failed"


def test_the_form_needs_exactly_one_file(client, custodian, content):
    client.force_login(custodian)
    badge = officer().badge_number
    neither = client.post(reverse("evidence:import_footage"), form(badge, None))
    assert "Choose the footage file." in neither.content.decode()
    session = start(client, "cam12.mp4", len(content)).json()
    both = client.post(
        reverse("evidence:import_footage"), footage_post(badge, upload_session=session["id"])
    )
    assert "not both" in both.content.decode()
    assert not StoredFile.objects.exists()


def test_stale_uploads_are_removed_with_their_pieces_and_fresh_ones_kept(
    client, custodian, content
):
    client.force_login(custodian)
    stale = start(client, "old.mp4", len(content)).json()
    put(client, stale, 0, content[:CHUNK])
    put(client, stale, CHUNK, content[CHUNK : 2 * CHUNK])
    # A piece stored by a process that died before writing its row is removed as well.
    default_storage.save(f"uploads/{stale['id'].replace('-', '')}/orphan", ContentFile(b"x"))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, hours=1)):
        fresh = start_upload(by=custodian, name="new.mp4", size=len(content))
        receive_upload_chunk(
            session=fresh, offset=0, stream=io.BytesIO(content[:CHUNK]), length=CHUNK
        )
        assert discard_stale_upload_sessions() == 1
    assert list(UploadSession.objects.values_list("name", flat=True)) == ["new.mp4"]
    assert UploadChunk.objects.count() == 1
    assert len(stored_pieces()) == 1
    assert client.get(stale["url"]).status_code == 404


def test_the_daily_task_discards_stale_uploads(custodian, settings):
    from commonground.evidence.tasks import discard_stale_uploads

    assert "commonground.evidence.tasks.discard_stale_uploads" in settings.DAILY_TASKS
    start_upload(by=custodian, name="old.mp4", size=10)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        assert discard_stale_uploads.enqueue().return_value == 1
    assert not UploadSession.objects.exists()
