import datetime

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from commonground.complaints.models import Report
from commonground.complaints.tests.factories import file
from commonground.complaints.tests.test_intake_views import jpeg_with_gps, upload
from commonground.evidence.actions import ingest_upload
from commonground.evidence.models import StoredFile

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def raw_contact():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_contact FROM complaints_report")
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_with_the_new_key_and_old_keys_can_then_go(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    file(contact={"name": "Maria Lopez", "email": "maria@example.org"})
    before = raw_contact()
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption")
    assert raw_contact() != before
    settings.ENCRYPTION_KEYS = [new]
    assert Report.objects.get().reporter_contact["name"] == "Maria Lopez"


def test_unfiled_uploads_are_removed_after_a_day_and_filed_ones_kept():
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)):
        draft = ingest_upload(
            upload=upload("draft.jpg", jpeg_with_gps()), strip_metadata=True, draft_key="abc"
        )
        kept = ingest_upload(
            upload=upload("kept.jpg", jpeg_with_gps("blue")), strip_metadata=True, draft_key="def"
        )
        file(files=[kept])
    call_command("discard_unfiled_uploads")
    assert list(StoredFile.objects.values_list("original_name", flat=True)) == ["kept.jpg"]
    assert not draft.file.storage.exists(draft.file.name)
    assert kept.file.storage.exists(kept.file.name)


def test_an_unfiled_upload_with_the_same_bytes_as_a_filed_one_leaves_those_bytes():
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)):
        draft = ingest_upload(
            upload=upload("draft.jpg", jpeg_with_gps()), strip_metadata=True, draft_key="abc"
        )
        kept = ingest_upload(
            upload=upload("kept.jpg", jpeg_with_gps()), strip_metadata=True, draft_key="def"
        )
        file(files=[kept])
    assert draft.file.name == kept.file.name  # stored once
    call_command("discard_unfiled_uploads")
    assert kept.file.storage.exists(kept.file.name)
