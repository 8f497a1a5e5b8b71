"""Redaction, retention, legal holds and disposal: originals never change, and the record of
what was removed stays."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from PIL import Image

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.evidence.actions import (
    Box,
    EvidenceError,
    attach_redaction,
    change_retention,
    dispose_due_items,
    dispose_item,
    ingest_upload,
    place_hold,
    redact_image,
    release_hold,
    reschedule_items,
    share_item,
)
from commonground.evidence.models import CustodyKind, ItemKind, RetentionSchedule, StoredFile
from commonground.evidence.selectors import verify_item
from commonground.evidence.tests.helpers import footage
from commonground.evidence.tests.media import jpeg, mp4, png, uploaded

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.files,
    # Bytes are removed once the disposal is committed.
    pytest.mark.usefixtures("on_commit_immediately"),
]


@pytest.fixture
def photo(supervisor):
    return ingest_upload(
        upload=uploaded("scene.png", png((60, 40), "white")), kind=ItemKind.CASE_FILE, by=supervisor
    )


def pixels(item):
    with item.file.open("rb") as stored, Image.open(stored) as image:
        return image.convert("RGB").load(), image.size


def test_image_redaction_blacks_out_the_boxes_in_a_copy_and_leaves_the_original(photo, supervisor):
    before = photo.sha256
    copy = redact_image(
        item=photo, by=supervisor, boxes=[Box(10, 5, 20, 10)], purpose="release", note="Face"
    )
    copy_pixels, size = pixels(copy)
    assert size == (60, 40)
    assert copy_pixels[15, 10] == (0, 0, 0)
    assert copy_pixels[40, 30] == (255, 255, 255)
    original_pixels, _ = pixels(photo)
    assert original_pixels[15, 10] == (255, 255, 255)
    photo.refresh_from_db()
    assert photo.sha256 == before
    assert verify_item(photo).ok
    assert copy.derived_from == photo
    assert copy.kind == ItemKind.REDACTION
    redacted = photo.custody.get(kind=CustodyKind.REDACTED)
    assert redacted.details["copy"] == copy.reference
    assert redacted.details["regions"] == [[10, 5, 20, 10]]


def test_a_box_outside_the_image_is_refused(photo, supervisor):
    with pytest.raises(EvidenceError, match="60 by 40 pixels"):
        redact_image(item=photo, by=supervisor, boxes=[Box(50, 5, 20, 10)], purpose="release")
    assert not StoredFile.objects.filter(derived_from=photo).exists()


def test_a_video_redaction_made_elsewhere_is_attached_to_its_original(supervisor, custodian):
    original = footage(custodian)
    copy = attach_redaction(
        item=original,
        by=supervisor,
        upload=uploaded("blurred.mp4", mp4(1200, payload=b"blurred")),
        purpose="resident",
        note="Faces of bystanders blurred in the video editor",
    )
    assert copy.derived_from == original
    assert copy.redaction_purpose == "resident"
    with pytest.raises(EvidenceError, match=r"same kind of file as its original \(video/mp4\)"):
        attach_redaction(
            item=original,
            by=supervisor,
            upload=uploaded("x.jpg", jpeg()),
            purpose="release",
            note="Wrong file",
        )


def test_an_investigator_cannot_redact_an_item_outside_their_cases(photo, investigator):
    with pytest.raises(PermissionDenied):
        redact_image(item=photo, by=investigator, boxes=[Box(0, 0, 5, 5)], purpose="release")


def test_footage_no_case_needs_is_kept_for_its_schedule_then_disposed_with_its_record(custodian):
    item = footage(custodian)
    schedule = RetentionSchedule.objects.get(kind=ItemKind.BWC_FOOTAGE, evidentiary=False)
    assert item.retention_schedule == schedule
    assert item.retain_until == timezone.localdate(item.uploaded_at) + datetime.timedelta(180)
    name = item.file.name
    with time_machine.travel(item.retain_until + datetime.timedelta(days=2)):
        assert dispose_due_items() == (1, 0)
    item.refresh_from_db()
    assert item.disposed_at is not None
    assert not item.file.storage.exists(name)
    event = item.custody.order_by("-sequence").first()
    assert event.kind == CustodyKind.DISPOSED
    assert event.actor_label == "retention schedule"
    assert event.details["sha256"] == item.sha256
    assert "Retention period ended" in event.reason
    assert verify_item(item).ok  # the record of what was removed still proves itself


def test_a_legal_hold_blocks_disposal_until_it_is_released(custodian):
    item = footage(custodian)
    hold = place_hold(item=item, by=custodian, matter="Doe v. City", reason="Litigation notice")
    with pytest.raises(EvidenceError, match=r"under legal hold \(Doe v\. City\)"):
        dispose_item(item=item, by=custodian, reason="Clean-up")
    with time_machine.travel(item.retain_until + datetime.timedelta(days=2)):
        assert dispose_due_items() == (0, 1)
    item.refresh_from_db()
    assert item.file.storage.exists(item.file.name)
    release_hold(hold=hold, by=custodian, reason="Case settled")
    dispose_item(item=item, by=custodian, reason="Settled; schedule passed")
    item.refresh_from_db()
    assert item.is_disposed
    kinds = list(item.custody.values_list("kind", flat=True))
    assert kinds[-3:] == [CustodyKind.HOLD_PLACED, CustodyKind.HOLD_RELEASED, CustodyKind.DISPOSED]


def test_disposing_of_one_item_keeps_bytes_another_item_still_uses(supervisor):
    first = ingest_upload(upload=uploaded("a.jpg", jpeg()), kind=ItemKind.CASE_FILE, by=supervisor)
    second = ingest_upload(upload=uploaded("b.jpg", jpeg()), kind=ItemKind.CASE_FILE, by=supervisor)
    custodian = make_staff("keeper", Role.EVIDENCE_CUSTODIAN)
    dispose_item(item=first, by=custodian, reason="Duplicate")
    assert second.file.storage.exists(second.file.name)
    assert first.custody.order_by("-sequence").first().details["bytes_removed"] is False


def test_retention_can_be_changed_with_a_reason_and_never_into_the_past(custodian):
    item = footage(custodian)
    with pytest.raises(EvidenceError, match="Say why"):
        change_retention(item=item, by=custodian, reason="", retain_until=timezone.localdate())
    with pytest.raises(EvidenceError, match="cannot be in the past"):
        change_retention(
            item=item,
            by=custodian,
            reason="Typo",
            retain_until=timezone.localdate() - datetime.timedelta(days=1),
        )
    later = timezone.localdate() + datetime.timedelta(days=3000)
    change_retention(item=item, by=custodian, reason="Records request pending", retain_until=later)
    item.refresh_from_db()
    assert item.retain_until == later
    event = item.custody.get(kind=CustodyKind.RETENTION_CHANGED)
    assert event.details["after"]["retain_until"] == later.isoformat()


def test_changing_a_schedules_period_gives_its_items_new_dates(custodian):
    item = footage(custodian)
    schedule = item.retention_schedule
    schedule.keep_days = 365
    schedule.save()
    assert reschedule_items(schedule_id=schedule.pk) == 1
    item.refresh_from_db()
    assert item.retain_until == timezone.localdate(item.uploaded_at) + datetime.timedelta(365)


def test_sharing_records_the_party_and_needs_a_named_recipient(custodian):
    item = footage(custodian)
    with pytest.raises(EvidenceError, match="Name who received it"):
        share_item(item=item, by=custodian, party="prosecutor", recipient=" ", reason="Charging")
    share_item(
        item=item, by=custodian, party="prosecutor", recipient="ADA Chen", reason="Charging review"
    )
    event = item.custody.get(kind=CustodyKind.SHARED)
    assert event.details == {"party": "prosecutor", "recipient": "ADA Chen"}


def test_verification_reports_bytes_left_behind_by_a_disposal(custodian, monkeypatch):
    item = footage(custodian)
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, **kwargs: None)
    dispose_item(item=item, by=custodian, reason="Crash before the bytes went")
    item.refresh_from_db()
    assert verify_item(item).problems == ["The item was disposed of, but its file is still stored."]


def test_a_redacted_copy_that_fails_to_be_recorded_leaves_no_object(photo, supervisor, monkeypatch):
    from commonground.evidence import actions

    real = actions.record_custody
    written = []

    def fail_on_redacted(**kwargs):
        if kwargs["kind"] == CustodyKind.REDACTED:
            written.append(StoredFile.objects.get(derived_from=photo).file.name)
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(actions, "record_custody", fail_on_redacted)
    with pytest.raises(RuntimeError):
        redact_image(item=photo, by=supervisor, boxes=[Box(0, 0, 5, 5)], purpose="release")
    assert written
    assert not photo.file.storage.exists(written[0])
    assert photo.file.storage.exists(photo.file.name)
