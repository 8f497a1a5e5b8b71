"""Every file Common Ground holds, and what happened to it.

A `StoredFile` is one evidence item: a resident's upload, an investigator's file, body-worn-camera
footage or a redacted copy of another item. Its bytes never change after ingest. Each item carries
its own hash chain of `CustodyEvent`s (received, viewed, downloaded, shared, redacted, verified,
held, disposed...), so an edit, deletion or reordering of any event, or of the recorded hash, is
caught by `manage.py verify_evidence`.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


def _storage_path(instance, filename):
    # Never the uploaded name: names can carry personal data and path tricks.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{instance.uuid.hex}"


class ItemKind(models.TextChoices):
    RESIDENT_UPLOAD = "resident_upload", _("Resident's upload")
    CASE_FILE = "case_file", _("Investigator's file")
    BWC_FOOTAGE = "bwc_footage", _("Body-worn camera footage")
    REDACTION = "redaction", _("Redacted copy")


class RedactionPurpose(models.TextChoices):
    RELEASE = "release", _("For public release")
    RESIDENT = "resident", _("For the resident")
    PARTY = "party", _("For a party (prosecutor, board, court)")


class RetentionSchedule(models.Model):
    """How long items of one kind are kept before the disposal task removes their bytes.

    Evidentiary items (attached to a report or confirmed on a case) and non-evidentiary ones
    (footage no case needs) have separate schedules. Kept in the admin; a change recomputes the
    dates of the items on it."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind of item"), max_length=20, choices=ItemKind.choices)
    evidentiary = models.BooleanField(
        _("evidentiary"),
        help_text=_("Applies to items attached to a report or confirmed as evidence on a case."),
    )
    keep_days = models.PositiveIntegerField(
        _("keep for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Counted from the day the item was received. Empty: kept until removed by hand."
        ),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["kind", "evidentiary"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "evidentiary"], name="one_schedule_per_kind")
        ]

    def __str__(self):
        return self.name


class StoredFile(models.Model):
    """One evidence item, with the hash, size and type established at ingest.

    Written only by commonground.evidence.actions. `sha256` and `size` are also sealed in the
    item's first custody event, so a changed row is caught as surely as a changed file."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    # Several items may share one stored object: the same bytes are never stored twice.
    file = models.FileField(upload_to=_storage_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    # True when image metadata (EXIF, GPS) was removed by re-encoding at ingest.
    metadata_stripped = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # An upload made during a resident's unfinished report: the draft's random key, cleared when
    # the report is filed. Unclaimed drafts are removed by a task.
    draft_key = models.CharField(max_length=64, blank=True, db_index=True)

    # A redacted copy names its original; originals are never changed.
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives"
    )
    redaction_purpose = models.CharField(
        max_length=20, choices=RedactionPurpose.choices, blank=True
    )
    redaction_note = models.TextField(blank=True)

    evidentiary = models.BooleanField(default=True)
    retention_schedule = models.ForeignKey(
        RetentionSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    retain_until = models.DateField(null=True, blank=True, db_index=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "uploaded_at"])]

    def __str__(self):
        return f"{self.reference} {self.original_name} ({self.content_type}, {self.size} bytes)"

    @property
    def reference(self) -> str:
        return f"EV-{self.pk:06d}" if self.pk else "EV-new"

    @property
    def is_disposed(self) -> bool:
        return self.disposed_at is not None


class CustodyKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported")
    SHARED = "shared", _("Shared with a party")
    REDACTED = "redacted", _("Redacted copy made")
    VERIFIED = "verified", _("Verified")
    LINKED = "linked", _("Linked to a case")
    RETENTION_CHANGED = "retention_changed", _("Retention changed")
    HOLD_PLACED = "hold_placed", _("Legal hold placed")
    HOLD_RELEASED = "hold_released", _("Legal hold released")
    DISPOSED = "disposed", _("Disposed")


class CustodyEvent(models.Model):
    """One link in an item's chain of custody. Written only by evidence.actions.record_custody;
    never updated or deleted. The hash covers every field and the previous event's hash."""

    item = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="custody")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=CustodyKind.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    # Staff only: a resident's address is never stored.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["item", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["item", "sequence"], name="one_event_per_position")
        ]

    def __str__(self):
        return f"{self.item_id}#{self.sequence} {self.kind}"

    def canonical(self, item_uuid: uuid.UUID) -> bytes:
        payload = {
            "item": str(item_uuid),
            "sequence": self.sequence,
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "ip_address": self.ip_address,
            "reason": self.reason,
            "details": self.details,
            "previous_hash": self.previous_hash,
        }
        return json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()

    def compute_hash(self, item_uuid: uuid.UUID) -> str:
        return hashlib.sha256(self.canonical(item_uuid)).hexdigest()


class LegalHold(models.Model):
    """While a hold is in force the item cannot be disposed of, whatever its schedule says."""

    item = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="legal_holds")
    matter = models.CharField(max_length=200)
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self):
        return self.matter


class ImportBatch(models.Model):
    """One body-worn-camera manifest imported whole."""

    manifest_name = models.CharField(max_length=255)
    manifest_sha256 = models.CharField(max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_by_label = models.CharField(max_length=150)
    imported_at = models.DateTimeField()
    rows = models.PositiveIntegerField()

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return self.manifest_name


class Recording(models.Model):
    """What the camera says about a piece of footage: whose device, when, where."""

    item = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="recording")
    device_id = models.CharField(max_length=80)
    officer = models.ForeignKey(
        "roster.Officer", on_delete=models.PROTECT, related_name="recordings"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["officer", "started_at"]),
            models.Index(fields=["device_id", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="recording_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.device_id} {self.started_at:%Y-%m-%d %H:%M}"


# --- Resumable uploads ----------------------------------------------------------------------------


class UploadState(models.TextChoices):
    OPEN = "open", _("Receiving")
    COMPLETE = "complete", _("Received, not yet imported")
    ASSEMBLING = "assembling", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class UploadSession(models.Model):
    """A large file sent in chunks by one staff member, so that a dropped connection resumes
    where it stopped. Not evidence yet: it becomes an item only when the form it belongs to is
    submitted, and is discarded if that does not happen within a couple of days.

    Written only by commonground.evidence.actions. How much has arrived is never stored here:
    it is the sum of the chunk rows, which is the one truth every web process shares."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # As the sender's browser named it; shown back to them, and checked at import like any name.
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    # Every chunk received moves it on: stale sessions are those idle for days.
    updated_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=20, choices=UploadState.choices, default=UploadState.OPEN)
    error = models.TextField(blank=True)
    item = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.uuid} {self.name} ({self.state})"


class UploadChunk(models.Model):
    """One received piece of an upload session, kept as its own object in the default storage
    until the whole is assembled. One row per offset: of two requests racing to send the same
    piece, only one is kept."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="chunks")
    offset = models.PositiveBigIntegerField()
    size = models.PositiveIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["session", "offset"]
        constraints = [
            models.UniqueConstraint(fields=["session", "offset"], name="one_chunk_per_offset")
        ]

    def __str__(self):
        return f"{self.session_id}@{self.offset}+{self.size}"
