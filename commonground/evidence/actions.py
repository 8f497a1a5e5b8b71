"""Every write to evidence: ingest, the chain of custody, redaction, retention, holds, disposal.

Originals are never changed: what happens to an item is a new custody event, and a redaction is a
new item that names its original."""

import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from commonground.audit.actions import record
from commonground.evidence.files import RejectedFile, duration_seconds, sha256_of, validate
from commonground.evidence.models import (
    GENESIS_HASH,
    CustodyEvent,
    CustodyKind,
    ItemKind,
    RetentionSchedule,
    StoredFile,
)

__all__ = ["RejectedFile", "ingest_upload", "record_custody"]

RE_ENCODED_IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # a decompression bomb is refused, not decoded


class EvidenceError(ValueError):
    """An evidence operation refused; the message is for the person who asked."""


def _label(by) -> str:
    if by is None:
        return "system"
    if isinstance(by, str):
        return by
    return by.get_username()


@transaction.atomic
def record_custody(
    *,
    item: StoredFile,
    kind: CustodyKind,
    by,
    reason: str = "",
    details: dict | None = None,
    ip_address: str | None = None,
) -> CustodyEvent:
    """Append one event to the item's chain, and the same event to the audit log.

    `by` is a staff user, or a label ("resident", "system") for those without an account. A
    resident's address is never passed in. The item's row is locked so that two events on one
    item cannot take the same place in its chain."""
    StoredFile.objects.select_for_update().filter(pk=item.pk).first()
    last = item.custody.order_by("-sequence").first()
    user = by if getattr(by, "is_authenticated", False) else None
    event = CustodyEvent(
        item=item,
        sequence=(last.sequence + 1) if last else 1,
        kind=kind,
        occurred_at=timezone.now(),
        actor=user,
        actor_label=_label(by),
        ip_address=ip_address if user else None,
        reason=reason,
        details=details or {},
        previous_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = event.compute_hash(item.uuid)
    event.save(force_insert=True)
    record(
        actor=user or _label(by),
        action=f"evidence.{kind}",
        target=item,
        data={"sequence": event.sequence, "custody_hash": event.hash, "reason": reason},
    )
    return event


def record_verification(*, item: StoredFile, check, by, ip_address: str | None = None):
    """A verification is itself part of the record, whether it passed or not."""
    return record_custody(
        item=item,
        kind=CustodyKind.VERIFIED,
        by=by,
        ip_address=ip_address,
        details={
            "intact": check.ok,
            "bytes_checked": check.bytes_checked,
            "events_checked": check.events,
            "problems": check.problems,
        },
    )


# --- Ingest ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    allowed_types: list[str]


def resident_limits() -> Limits:
    return Limits(settings.ATTACHMENT_MAX_BYTES, settings.ATTACHMENT_ALLOWED_TYPES)


def staff_limits() -> Limits:
    return Limits(settings.EVIDENCE_MAX_BYTES, settings.EVIDENCE_ALLOWED_TYPES)


def check_uploads(uploads, *, limits: Limits) -> None:
    """Check every file before any is stored: raises RejectedFile for the first refused."""
    for upload in uploads:
        validate(
            upload,
            name=upload.name or "upload",
            size=upload.size,
            max_bytes=limits.max_bytes,
            allowed=limits.allowed_types,
        )


def _strip_image_metadata(upload, content_type: str) -> io.BytesIO:
    """Re-encode the pixels only: EXIF, GPS, XMP and comments do not survive."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RejectedFile(_("This image is too large to process.")) from None
    except (OSError, SyntaxError, ValueError):
        raise RejectedFile(_("This image is damaged or incomplete.")) from None
    out = io.BytesIO()
    fmt = RE_ENCODED_IMAGES[content_type]
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    out.seek(0)
    return out


def _retention(kind: str, evidentiary: bool, received: datetime.datetime):
    schedule = RetentionSchedule.objects.filter(kind=kind, evidentiary=evidentiary).first()
    if schedule is None or schedule.keep_days is None:
        return schedule, None
    return schedule, timezone.localdate(received) + datetime.timedelta(days=schedule.keep_days)


def _same_bytes(sha256: str) -> StoredFile | None:
    """A live item whose stored object already holds these bytes."""
    return (
        StoredFile.objects.filter(sha256=sha256, disposed_at__isnull=True)
        .exclude(file="")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def ingest_upload(
    *,
    upload,
    kind: ItemKind = ItemKind.RESIDENT_UPLOAD,
    by=None,
    strip_metadata: bool = False,
    draft_key: str = "",
    evidentiary: bool = True,
    limits: Limits | None = None,
    derived_from: StoredFile | None = None,
    ip_address: str | None = None,
    reason: str = "",
) -> StoredFile:
    """Validate, hash and store one file as a new item with its first custody event.

    The SHA-256 comes from the upload handler when the bytes were hashed on arrival, and is
    computed here otherwise. Bytes already held by a live item are not stored again: the new
    item points at the same object. Raises RejectedFile with a message for the sender; nothing
    is left behind when it does."""
    name = (upload.name or "upload").rsplit("/", 1)[-1][-255:]
    limits = limits or (resident_limits() if kind == ItemKind.RESIDENT_UPLOAD else staff_limits())
    sniffed = validate(
        upload,
        name=name,
        size=upload.size,
        max_bytes=limits.max_bytes,
        allowed=limits.allowed_types,
    )
    source, stripped = upload, False
    if strip_metadata and sniffed.content_type in RE_ENCODED_IMAGES:
        source, stripped = _strip_image_metadata(upload, sniffed.content_type), True
    sha256 = "" if stripped else getattr(upload, "sha256", "")
    if sha256:
        size = upload.size
    else:
        sha256, size = sha256_of(source)
    now = timezone.now()
    schedule, retain_until = _retention(kind, evidentiary, now)
    item = StoredFile(
        kind=kind,
        original_name=name,
        content_type=sniffed.content_type,
        size=size,
        sha256=sha256,
        duration_seconds=duration_seconds(source, sniffed.content_type),
        metadata_stripped=stripped,
        uploaded_at=now,
        received_by=by if getattr(by, "is_authenticated", False) else None,
        draft_key=draft_key,
        derived_from=derived_from,
        evidentiary=evidentiary,
        retention_schedule=schedule,
        retain_until=retain_until,
    )
    twin = _same_bytes(sha256)
    written = ""
    try:
        if twin is not None and twin.file.storage.exists(twin.file.name):
            item.file.name = twin.file.name
        else:
            source.seek(0)
            item.file.save("upload", source, save=False)
            written = item.file.name
        with transaction.atomic():
            item.save(force_insert=True)
            if not draft_key:
                _received(item, by=by, reason=reason, ip_address=ip_address, twin=twin)
    except BaseException:
        if written:
            item.file.storage.delete(written)
        raise
    return item


def _received(item: StoredFile, *, by, reason="", ip_address=None, twin=None) -> None:
    """The first link of the chain seals what was received: hash, size, type and name."""
    record_custody(
        item=item,
        kind=CustodyKind.RECEIVED,
        by=by or "resident",
        reason=reason,
        ip_address=ip_address,
        details={
            "sha256": item.sha256,
            "size": item.size,
            "content_type": item.content_type,
            "name": item.original_name,
            "duration_seconds": item.duration_seconds,
            "metadata_stripped": item.metadata_stripped,
            "same_bytes_as": twin.reference if twin else "",
            "derived_from": item.derived_from.reference if item.derived_from else "",
        },
    )


@transaction.atomic
def accept_draft_file(*, item: StoredFile, by=None) -> StoredFile:
    """A resident's draft upload becomes evidence when the report is filed: its chain starts."""
    if not item.draft_key:
        return item
    item.draft_key = ""
    item.save(update_fields=["draft_key"])
    _received(item, by=by)
    return item


def discard_draft_files(*, older_than: datetime.timedelta) -> int:
    """Remove uploads of reports that were never filed: they never became evidence, so they
    have no chain of custody to keep."""
    cutoff = timezone.now() - older_than
    stale = StoredFile.objects.exclude(draft_key="").filter(uploaded_at__lt=cutoff)
    count = 0
    for item in stale:
        with transaction.atomic():
            name = item.file.name
            item.delete()
            if not StoredFile.objects.filter(file=name).exists():
                item.file.storage.delete(name)
        count += 1
    return count
