"""What leaves the agency (redacted copies, export packages) carries no GPS position, device
serial number, owner, artist, author or XMP; the originals stay bit for bit as received."""

import hashlib
import io
import json
import re
import zipfile

import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from commonground.evidence.actions import (
    Box,
    EvidenceError,
    attach_redaction,
    export_package,
    ingest_upload,
    redact_image,
)
from commonground.evidence.files import duration_seconds
from commonground.evidence.models import CustodyKind, ItemKind
from commonground.evidence.selectors import verify_item
from commonground.evidence.tests import media
from commonground.evidence.tests.media import uploaded
from commonground.testing.browser import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.files]

WITH_METADATA = {
    "photo.jpg": media.jpeg_with_metadata,
    "photo.png": media.png_with_metadata,
    "photo.webp": media.webp_with_metadata,
    "IMG_0001.heic": media.heic_with_metadata,
    "clip.mp4": media.mp4_with_metadata,
    "clip.webm": media.webm_with_metadata,
    "call.mp3": media.mp3_with_metadata,
    "statement.pdf": media.pdf_with_metadata,
}


def original(name, by):
    content = WITH_METADATA[name]()
    assert media.PERSON.encode() in content
    item = ingest_upload(upload=uploaded(name, content), kind=ItemKind.CASE_FILE, by=by)
    return item, content


def stored(item) -> bytes:
    with default_storage.open(item.file.name, "rb") as handle:
        return handle.read()


def assert_untouched(item, content):
    item.refresh_from_db()
    assert stored(item) == content
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert verify_item(item).ok


def identifying_left(data: bytes) -> list:
    found = [marker for marker in media.IDENTIFYING if marker in data]
    if media.identifying_exif().tobytes()[8:] in data:
        found.append("EXIF block")
    return found


def package(item, by):
    with (
        export_package(
            item=item, by=by, reason="Charging decision", recipient="ADA Chen", custody_pdf=b"%PDF"
        ) as bundle,
        zipfile.ZipFile(bundle) as archive,
    ):
        folder = item.reference
        return (
            archive.read(f"{folder}/{item.original_name}"),
            json.loads(archive.read(f"{folder}/manifest.json")),
        )


@pytest.mark.parametrize("name", sorted(WITH_METADATA))
def test_an_export_carries_no_identifying_metadata_and_the_original_is_untouched(supervisor, name):
    item, content = original(name, supervisor)
    copy, manifest = package(item, supervisor)
    assert identifying_left(copy) == []
    assert manifest["sha256"] == item.sha256  # the original's, as held
    assert manifest["copy"]["sha256"] == hashlib.sha256(copy).hexdigest()
    assert manifest["copy"]["metadata_removed"]
    assert manifest["copy"]["identical_to_original"] is False
    assert (
        item.custody.get(kind=CustodyKind.EXPORTED).details["copy_sha256"]
        == (manifest["copy"]["sha256"])
    )
    assert_untouched(item, content)


def test_an_exported_photo_has_the_originals_very_pixels(supervisor):
    item, content = original("photo.jpg", supervisor)
    copy, _ = package(item, supervisor)
    with Image.open(io.BytesIO(content)) as before, Image.open(io.BytesIO(copy)) as after:
        assert after.tobytes() == before.tobytes()
        assert not after.getexif()
        assert "xmp" not in after.info and "comment" not in after.info


def test_exported_footage_still_plays_for_as_long_and_keeps_its_layout(supervisor):
    item, content = original("clip.mp4", supervisor)
    copy, _ = package(item, supervisor)
    assert len(copy) == len(content)  # emptied in place: no offset inside the file moves
    assert duration_seconds(io.BytesIO(copy), "video/mp4") == pytest.approx(30)


def decompressed(pdf_bytes: bytes) -> bytes:
    """The whole document as qpdf writes it with every stream decoded: what a reader can get."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
        out = io.BytesIO()
        document.save(out, qdf=True, stream_decode_level=pikepdf.StreamDecodeLevel.all)
        return out.getvalue()


def test_an_exported_pdf_is_a_sound_document_with_its_page_as_it_was(supervisor):
    item, _ = original("statement.pdf", supervisor)
    copy, manifest = package(item, supervisor)
    with pikepdf.open(io.BytesIO(copy)) as document:
        assert document.check_pdf_syntax() == []
        assert len(document.pages) == 1
        assert document.pages[0].MediaBox == [0, 0, 200, 200]
    assert b"/Author" not in decompressed(copy)
    assert set(manifest["copy"]["metadata_removed"]) == {"document properties", "xmp"}


def test_a_pdf_with_scripts_an_open_action_and_an_author_is_given_out_clean(supervisor):
    """The audit's finding: disclosed copies kept JavaScript, OpenAction and the author. The
    copy (export and attached redaction alike) keeps the page and a plain web link, nothing
    that runs, launches, submits or is embedded; the original keeps its hash."""
    content = media.pdf_with_active_content()
    item = ingest_upload(
        upload=uploaded("statement.pdf", content), kind=ItemKind.CASE_FILE, by=supervisor
    )
    copy, manifest = package(item, supervisor)
    redaction = attach_redaction(
        item=item,
        by=supervisor,
        upload=uploaded("redacted.pdf", content),
        purpose="release",
        note="Nothing to hide but the scripts",
    )
    for given_out in (copy, stored(redaction)):
        text = decompressed(given_out)
        assert [m for m in media.ACTIVE_PDF_MARKERS if m in text] == []
        assert b"https://agency.example/policy" in text
        with pikepdf.open(io.BytesIO(given_out)) as document:
            assert document.pages[0].Contents.read_bytes() == b"0 0 m 100 100 l S"
    assert {"javascript", "open action", "automatic actions", "embedded files"} <= set(
        manifest["copy"]["metadata_removed"]
    )
    assert_untouched(item, content)


def test_a_pdf_keeping_its_author_in_compressed_object_streams_is_given_out_clean(supervisor):
    """Object streams hide the document information from byte-level cleaning; qpdf reads them."""
    with pikepdf.open(io.BytesIO(media.pdf_with_metadata())) as document:
        packed = io.BytesIO()
        document.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    content = packed.getvalue()
    assert b"/Author" not in content  # compressed out of sight
    assert b"/Author (" + media.PERSON.encode() in decompressed(content)
    item = ingest_upload(
        upload=uploaded("scan.pdf", content), kind=ItemKind.CASE_FILE, by=supervisor
    )
    copy, _ = package(item, supervisor)
    assert identifying_left(decompressed(copy)) == []
    assert_untouched(item, content)


def test_a_pdf_that_cannot_be_read_is_not_given_out(supervisor):
    item = ingest_upload(
        upload=uploaded("scan.pdf", b"%PDF-1.7\n" + b"\x00" * 64 + b"\n%%EOF\n"),
        kind=ItemKind.CASE_FILE,
        by=supervisor,
    )
    with pytest.raises(EvidenceError, match="is damaged"):
        package(item, supervisor)
    assert not item.custody.filter(kind=CustodyKind.EXPORTED).exists()


def test_a_file_without_metadata_is_exported_as_it_is(supervisor):
    item = ingest_upload(
        upload=uploaded("plain.png", media.png()), kind=ItemKind.CASE_FILE, by=supervisor
    )
    copy, manifest = package(item, supervisor)
    assert copy == media.png()
    assert manifest["copy"]["identical_to_original"] is True


def test_a_redacted_photo_has_no_metadata_and_the_original_is_untouched(supervisor):
    item, content = original("photo.jpg", supervisor)
    copy = redact_image(item=item, by=supervisor, boxes=[Box(1, 1, 8, 8)], purpose="release")
    kept = stored(copy)
    assert identifying_left(kept) == []
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif()
    assert copy.metadata_stripped
    assert_untouched(item, content)


@pytest.mark.parametrize(
    ("original_name", "copy_name"),
    [
        ("photo.jpg", "photo.jpg"),
        ("photo.png", "photo.png"),
        ("clip.mp4", "clip.mp4"),
        ("clip.mp4", "clip.webm"),
        ("statement.pdf", "statement.pdf"),
        ("call.mp3", "call.mp3"),
    ],
)
def test_a_redaction_made_elsewhere_loses_its_metadata_when_attached(
    supervisor, original_name, copy_name
):
    item, content = original(original_name, supervisor)
    copy = attach_redaction(
        item=item,
        by=supervisor,
        upload=uploaded(f"redacted-{copy_name}", WITH_METADATA[copy_name]()),
        purpose="release",
        note="Faces blurred in an editor",
    )
    assert identifying_left(stored(copy)) == []
    assert copy.metadata_stripped
    assert copy.sha256 == hashlib.sha256(stored(copy)).hexdigest()
    event = item.custody.get(kind=CustodyKind.REDACTED)
    assert event.details["metadata_removed"]
    assert_untouched(item, content)


def test_the_export_page_sends_a_clean_copy_and_a_custody_report_without_an_author(
    client, supervisor
):
    item, content = original("photo.jpg", supervisor)
    client.force_login(supervisor)
    asked = client.post(
        reverse("evidence:export", args=[item.uuid]),
        {"export-reason": "Public records request", "export-recipient": "City Herald"},
    )
    response = client.post(asked["Location"], {"code": totp_code("JBSWY3DPEHPK3PXP")})
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        copy = archive.read(f"{item.reference}/{item.original_name}")
        report = archive.read(f"{item.reference}/custody-report.pdf")
    assert identifying_left(copy) == []
    assert not re.search(rb"/Author\s*\(", report)
    assert identifying_left(report) == []
    assert_untouched(item, content)
