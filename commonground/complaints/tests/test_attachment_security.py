"""Residents' attachments: what is too large for a form, files that are not what they claim,
hostile names, and what a photo says about who took it and where."""

import io
import os
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from commonground.complaints.models import Report
from commonground.complaints.tests.test_intake_views import code_in, submit, upload, walk_to
from commonground.evidence.models import StoredFile
from commonground.evidence.selectors import stored_names
from commonground.evidence.tests import media
from commonground.evidence.tests.test_upload_limits import post_declaring

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def small_limits(settings):
    settings.ATTACHMENT_MAX_BYTES = 1_000_000
    settings.ATTACHMENT_MAX_FILES = 2
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000


def test_a_resident_form_larger_than_all_allowed_files_gets_413_before_it_is_read(
    client, small_limits
):
    walk_to(client, "what")
    response = post_declaring(client, "/en/report/files/", 5_000_000_000)
    page = response.content.decode()
    assert response.status_code == 413
    assert "What you sent (5 GB) is more than we can receive at once." in page
    assert "You can send up to 2 files of at most 1 MB each at a time." in page
    assert not StoredFile.objects.exists()


def test_too_many_large_files_at_once_get_413_in_plain_words(client, small_limits):
    walk_to(client, "what")
    files = [upload(f"p{i}.jpg", media.jpeg() + bytes(900_000)) for i in range(3)]
    response = client.post("/en/report/files/", {"files": files, "action": "upload"})
    assert response.status_code == 413
    assert "Choose fewer or smaller files" in response.content.decode()
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize("url", ["/en/status/add/", "/en/staff/intake/"])
def test_the_other_forms_with_attachments_answer_413_too(client, small_limits, intake_clerk, url):
    client.force_login(intake_clerk)
    assert post_declaring(client, url, 5_000_000_000).status_code == 413


def test_one_file_over_its_limit_is_named_at_the_field_and_the_text_is_kept(client, small_limits):
    walk_to(client, "what")
    code = code_in(submit(client)[0])
    response = client.post(
        "/en/status/add/",
        {
            "code": code,
            "text": "The car number was 4412, and the officer's name tag said Reyes.",
            "files": [upload("big.jpg", media.jpeg() + bytes(1_200_000))],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was added yet" in page
    assert "is 1.2 MB; the limit is 1 MB." in page
    assert "the officer&#x27;s name tag said Reyes." in page
    assert not Report.objects.get().updates.exists()


def hostile_multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A form as a hostile client would send it: the file name exactly as given."""
    boundary = "HostileBoundary7"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="action"\r\n\r\nupload\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\windows\\system32\\evil.jpg", "evil.jpg"),
        ("/var/www/html/shell.jpg", "shell.jpg"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("re\u202egpj.exe.jpg", "regpj.exe.jpg"),
        ("a\tb\x07c.jpg", "abc.jpg"),
        ("x" * 400 + ".jpg", "x" * 146 + ".jpg"),
    ],
)
def test_a_hostile_file_name_never_decides_where_the_file_goes_and_is_shown_clean(
    client, sent, shown
):
    walk_to(client, "what")
    body, content_type = hostile_multipart(sent, media.jpeg())
    response = client.generic("POST", "/en/report/files/", body, content_type=content_type)
    assert response.status_code == 302
    stored = StoredFile.objects.get()
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}", stored.file.name)
    assert stored.original_name == shown
    assert list(stored_names(default_storage, "evidence")) == [stored.file.name]
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "..", "etc", "passwd.jpg"))


def test_a_rejected_attachment_is_never_stored_anywhere_a_url_could_serve_it(client):
    marker = b"MARKER-0f9d2c-never-served"
    walk_to(client, "what")
    for name, content in [
        ("invoice.jpg", b"MZ\x90\x00" + marker),
        ("page.jpg", b"<!doctype html><script>alert(1)</script>" + marker),
        ("photos.jpg", media.zip_bomb(8 * 1024 * 1024) + marker),
        ("flood.png", media.png_declaring(50_000, 50_000) + marker),
    ]:
        response = client.post("/en/report/files/", {"files": [upload(name, content)]})
        assert response.status_code == 200
        assert f"“{name}”" in response.content.decode()
    assert not StoredFile.objects.exists()
    for name in stored_names(default_storage, ""):
        with default_storage.open(name, "rb") as stored:
            assert marker not in stored.read(), name
    for name in os.listdir(settings.FILE_UPLOAD_TEMP_DIR):
        with open(os.path.join(settings.FILE_UPLOAD_TEMP_DIR, name), "rb") as left:
            assert marker not in left.read(), name


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("photo.jpg", media.jpeg_with_metadata),
        ("photo.png", media.png_with_metadata),
        ("photo.webp", media.webp_with_metadata),
        ("IMG_0001.heic", media.heic_with_metadata),
    ],
)
def test_a_residents_photo_keeps_no_gps_serial_number_name_or_xmp(client, name, build):
    original = build()
    assert all(marker in original for marker in (media.PERSON.encode(), media.SERIAL.encode()))
    walk_to(client, "what")
    client.post("/en/report/files/", {"files": [upload(name, original)], "action": "upload"})
    stored = StoredFile.objects.get()
    with stored.file.open("rb") as handle:
        kept = handle.read()
    assert stored.metadata_stripped
    assert [marker for marker in media.IDENTIFYING if marker in kept] == []
    assert media.identifying_exif().tobytes()[8:] not in kept
    if stored.content_type != "image/heic":
        with Image.open(io.BytesIO(kept)) as image:
            assert not image.getexif()
            assert not image.getexif().get_ifd(0x8825)  # GPS
            assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info


def test_a_residents_pdf_with_scripts_is_kept_as_sent_and_given_out_clean(client, supervisor):
    """A resident's PDF is evidence, kept bit for bit; what the agency gives out of it (an
    export) runs nothing, launches nothing, embeds nothing and names no author."""
    import hashlib
    import zipfile

    import pikepdf

    from commonground.evidence.actions import export_package

    hostile = media.pdf_with_active_content()
    walk_to(client, "what")
    client.post(
        "/en/report/files/", {"files": [upload("statement.pdf", hostile)], "action": "upload"}
    )
    code_in(submit(client)[0])
    stored = StoredFile.objects.get()
    assert stored.sha256 == hashlib.sha256(hostile).hexdigest()
    with stored.file.open("rb") as handle:
        assert handle.read() == hostile

    with (
        export_package(
            item=stored,
            by=supervisor,
            reason="Records request",
            recipient="City Herald",
            custody_pdf=b"%PDF",
        ) as bundle,
        zipfile.ZipFile(bundle) as archive,
    ):
        copy = archive.read(f"{stored.reference}/{stored.original_name}")
    with pikepdf.open(io.BytesIO(copy)) as document:
        readable = io.BytesIO()
        document.save(readable, qdf=True, stream_decode_level=pikepdf.StreamDecodeLevel.all)
    assert [m for m in media.ACTIVE_PDF_MARKERS if m in readable.getvalue()] == []
    stored.refresh_from_db()
    assert stored.sha256 == hashlib.sha256(hostile).hexdigest()
