import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commonground.evidence.actions import RejectedFile, ingest_upload
from commonground.evidence.files import HashingWriter
from commonground.evidence.models import CustodyKind, ItemKind, StoredFile
from commonground.evidence.tests.media import jpeg, mp4, pdf, png, uploaded

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def test_staff_file_is_kept_bit_for_bit_with_hash_size_type_and_duration(investigator):
    content = mp4(93.5)
    item = ingest_upload(
        upload=uploaded("stop.mp4", content), kind=ItemKind.BWC_FOOTAGE, by=investigator
    )
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.size == len(content)
    assert item.content_type == "video/mp4"
    assert item.duration_seconds == pytest.approx(93.5)
    with item.file.open("rb") as stored:
        assert stored.read() == content
    assert item.received_by == investigator


def test_receipt_starts_the_custody_chain_with_what_was_received(investigator):
    item = ingest_upload(upload=uploaded("a.pdf", pdf()), kind=ItemKind.CASE_FILE, by=investigator)
    (event,) = item.custody.all()
    assert event.kind == CustodyKind.RECEIVED
    assert event.sequence == 1
    assert event.details["sha256"] == item.sha256
    assert event.details["size"] == item.size
    assert event.actor == investigator


def test_images_and_documents_have_no_duration(investigator):
    item = ingest_upload(upload=uploaded("a.png", png()), kind=ItemKind.CASE_FILE, by=investigator)
    assert item.duration_seconds is None


def test_the_same_bytes_are_stored_once_and_both_items_point_at_them(investigator):
    first = ingest_upload(
        upload=uploaded("one.jpg", jpeg()), kind=ItemKind.CASE_FILE, by=investigator
    )
    second = ingest_upload(
        upload=uploaded("two.jpg", jpeg()), kind=ItemKind.CASE_FILE, by=investigator
    )
    assert first.pk != second.pk
    assert second.file.name == first.file.name
    assert second.custody.get().details["same_bytes_as"] == first.reference


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"plain text pretending", "could not recognise"),
        ("photo.pdf", None, "not what its name says"),
        ("empty.jpg", b"", "is empty"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(
    investigator, name, content, message
):
    content = jpeg() if content is None else content
    with pytest.raises(RejectedFile, match=message):
        ingest_upload(
            upload=SimpleUploadedFile(name, content), kind=ItemKind.CASE_FILE, by=investigator
        )
    assert not StoredFile.objects.exists()


def test_a_file_over_the_limit_names_its_size_and_the_limit(investigator, settings):
    settings.EVIDENCE_MAX_BYTES = 1_000_000
    with pytest.raises(RejectedFile, match=r"is 2 MB; the limit is 1 MB"):
        ingest_upload(
            upload=uploaded("big.mp4", mp4(payload=b"\x00" * 2_000_000)),
            kind=ItemKind.BWC_FOOTAGE,
            by=investigator,
        )


def test_a_failure_after_the_bytes_were_written_leaves_no_orphan_object(investigator, monkeypatch):
    from commonground.evidence import actions

    written = []
    real_save = StoredFile.file.field.storage.save

    def save_and_note(name, content, max_length=None):
        name = real_save(name, content, max_length=max_length)
        written.append(name)
        return name

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(StoredFile.file.field.storage, "save", save_and_note)
    monkeypatch.setattr(actions, "_received", broken)
    with pytest.raises(RuntimeError):
        ingest_upload(upload=uploaded("a.pdf", pdf()), kind=ItemKind.CASE_FILE, by=investigator)
    assert written
    assert not StoredFile.file.field.storage.exists(written[0])
    assert not StoredFile.objects.exists()


@given(
    data=st.binary(max_size=300_000),
    chunk_size=st.sampled_from([1, 7, 4096, 65_536, 1_048_576]),
)
@hypothesis_settings(max_examples=60, deadline=None)
def test_the_hashing_writer_writes_and_hashes_exactly_the_bytes_given(data, chunk_size):
    out = io.BytesIO()
    writer = HashingWriter(out)
    for start in range(0, len(data), chunk_size):
        writer.write(data[start : start + chunk_size])
    assert writer.finish() == hashlib.sha256(data).hexdigest()
    assert writer.size == len(data)
    assert out.getvalue() == data


def test_a_residents_address_is_never_recorded_even_if_passed(db):
    from commonground.evidence.actions import record_custody

    item = ingest_upload(upload=uploaded("a.jpg", jpeg()), strip_metadata=True)
    event = record_custody(
        item=item, kind=CustodyKind.VIEWED, by="resident", ip_address="203.0.113.9"
    )
    assert event.ip_address is None
    assert item.custody.get(sequence=1).ip_address is None


def test_reading_a_recordings_tags_leaves_the_process_locale_as_it_was(investigator):
    import locale

    from commonground.evidence.tests.media import mp3_with_metadata

    before = locale.setlocale(locale.LC_ALL)
    ingest_upload(
        upload=uploaded("call.mp3", mp3_with_metadata()), kind=ItemKind.CASE_FILE, by=investigator
    )
    assert locale.setlocale(locale.LC_ALL) == before
