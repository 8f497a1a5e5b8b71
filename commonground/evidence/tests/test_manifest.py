import datetime

import pytest

from commonground.evidence import actions
from commonground.evidence.actions import EvidenceError, RecordingFacts, import_footage
from commonground.evidence.models import Recording, StoredFile
from commonground.evidence.tests.media import mp4, pdf, uploaded
from commonground.roster.models import Agency, Officer

pytestmark = [pytest.mark.django_db, pytest.mark.files]

CHICAGO = datetime.timezone(datetime.timedelta(hours=-5))


def stored_objects(directory: str = "evidence") -> list[str]:
    """Every object in evidence storage, through the storage API so it holds for S3 too."""
    storage = StoredFile.file.field.storage
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" for name in files]
    for folder in folders:
        names += stored_objects(f"{directory}/{folder}")
    return names


@pytest.fixture
def officers(db):
    agency = Agency.objects.create(name="Test PD")
    return {
        badge: Officer.objects.create(
            agency=agency, first_name=first, last_name="Rivera", badge_number=badge
        )
        for badge, first in [("101", "Alex"), ("102", "Sam")]
    }


def facts(officer, **overrides) -> RecordingFacts:
    values = dict(
        device_id="CAM-1",
        officer=officer,
        started_at=datetime.datetime(2025, 3, 14, 9, 30, tzinfo=CHICAGO),
        ended_at=datetime.datetime(2025, 3, 14, 9, 45, tzinfo=CHICAGO),
    )
    values.update(overrides)
    return RecordingFacts(**values)


# --- import_footage on its own ------------------------------------------------------------------


def test_footage_that_is_not_video_or_audio_is_refused_before_its_bytes_are_stored(
    custodian, officers
):
    with pytest.raises(EvidenceError, match="must be a video or audio file"):
        import_footage(
            upload=uploaded("memo.pdf", pdf()), facts=facts(officers["101"]), by=custodian
        )
    assert not StoredFile.objects.exists()
    assert stored_objects() == []


def test_a_failure_after_the_footage_was_stored_leaves_no_orphan_object(
    custodian, officers, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Recording.objects, "create", broken)
    with pytest.raises(RuntimeError):
        import_footage(
            upload=uploaded("cam.mp4", mp4()), facts=facts(officers["101"]), by=custodian
        )
    assert not StoredFile.objects.exists()
    assert stored_objects() == []


def test_a_failed_import_keeps_the_object_another_item_shares(custodian, officers, monkeypatch):
    held = actions.ingest_upload(upload=uploaded("copy.mp4", mp4()), kind="case_file", by=custodian)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Recording.objects, "create", broken)
    with pytest.raises(RuntimeError):
        import_footage(
            upload=uploaded("cam.mp4", mp4()), facts=facts(officers["101"]), by=custodian
        )
    assert stored_objects() == [held.file.name]
