import uuid

from django.db import models


def _storage_path(instance, filename):
    # Never the uploaded name: names can carry personal data and path tricks.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{instance.uuid.hex}"


class StoredFile(models.Model):
    """One file held by Common Ground, with the hash and type established at ingest.

    Written only by commonground.evidence.actions; the chain of custody builds on it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=_storage_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # True when image metadata (EXIF, GPS) was removed by re-encoding at ingest.
    metadata_stripped = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField()
    # An upload made during a resident's unfinished report: the draft's random key, cleared when
    # the report is filed. Unclaimed drafts are removed by a task.
    draft_key = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self):
        return f"{self.original_name} ({self.content_type}, {self.size} bytes)"
