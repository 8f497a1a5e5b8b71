import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from commonground.evidence.actions import ingest_upload, record_custody
from commonground.evidence.models import CustodyEvent, CustodyKind, ItemKind, StoredFile
from commonground.evidence.selectors import verify_item
from commonground.evidence.tests.media import mp4, pdf, uploaded

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def items(investigator):
    footage = ingest_upload(
        upload=uploaded("cam.mp4", mp4(12)), kind=ItemKind.BWC_FOOTAGE, by=investigator
    )
    document = ingest_upload(
        upload=uploaded("memo.pdf", pdf()), kind=ItemKind.CASE_FILE, by=investigator
    )
    record_custody(item=footage, kind=CustodyKind.VIEWED, by=investigator, ip_address="10.0.0.5")
    return footage, document


def verify(*args):
    out = io.StringIO()
    call_command("verify_evidence", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def flip_one_byte(item: StoredFile) -> None:
    storage = item.file.storage
    with storage.open(item.file.name, "rb") as stored:
        content = bytearray(stored.read())
    content[len(content) // 2] ^= 0x01
    storage.delete(item.file.name)
    storage.save(item.file.name, io.BytesIO(bytes(content)))


def test_intact_items_pass(items):
    assert "2 intact, 0 failed" in verify()


def test_one_flipped_byte_in_a_stored_file_and_one_changed_custody_row_are_both_caught(items):
    footage, document = items
    flip_one_byte(document)
    CustodyEvent.objects.filter(item=footage, sequence=2).update(reason="nothing to see")
    with pytest.raises(CommandError, match="0 intact, 2 failed") as failure:
        verify()
    assert verify_item(document).problems == [
        "The stored file's SHA-256 differs from the one recorded at receipt."
    ]
    assert verify_item(footage).problems == ["Event 2 was changed after it was recorded."]
    assert "failed" in str(failure.value)


def test_a_deleted_event_breaks_the_chain(items):
    footage, _ = items
    record_custody(item=footage, kind=CustodyKind.VIEWED, by="system")
    CustodyEvent.objects.filter(item=footage, sequence=2).delete()
    problems = verify_item(footage).problems
    assert "Event 2 is missing (found 3 in its place)." in problems
    assert "Event 3 does not follow the event before it." in problems


def test_a_changed_hash_on_the_item_row_is_caught(items):
    footage, _ = items
    StoredFile.objects.filter(pk=footage.pk).update(sha256="0" * 64)
    footage.refresh_from_db()
    problems = verify_item(footage).problems
    assert "The item's recorded hash or size differs from what was received." in problems


def test_a_missing_stored_file_is_reported(items):
    footage, _ = items
    footage.file.storage.delete(footage.file.name)
    assert verify_item(footage).problems == ["The stored file is missing."]


def test_record_adds_a_verified_event_to_each_intact_item(items):
    footage, _document = items
    verify("--record")
    last = footage.custody.order_by("-sequence").first()
    assert last.kind == CustodyKind.VERIFIED
    assert last.details["intact"] is True
    assert verify_item(footage).ok


def test_objects_that_belong_to_no_item_are_reported_and_can_be_removed(items):
    import time_machine
    from django.core.files.storage import default_storage

    stray = default_storage.save("evidence/2026/01/left-behind", io.BytesIO(b"half an upload"))
    assert "0 stored object(s) belonging to no item" in verify()  # too recent to be sure
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)):
        report = verify()
        assert f"Not part of any item: {stray}" in report
        assert default_storage.exists(stray)
        verify("--remove-orphans")
    assert not default_storage.exists(stray)
    footage, document = items
    assert default_storage.exists(footage.file.name)
    assert default_storage.exists(document.file.name)
