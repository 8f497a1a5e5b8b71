"""Every write to evidence: ingest, the chain of custody, redaction, retention, holds, disposal.

Originals are never changed: what happens to an item is a new custody event, and a redaction is a
new item that names its original."""

import contextlib
import datetime
import hashlib
import io
import json
import logging
import os
import secrets
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageOps

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.evidence.files import (
    CHUNK,
    EXTENSIONS,
    HashedTemporaryFile,
    HashingWriter,
    RejectedFile,
    check_size,
    clean_name,
    duration_seconds,
    local_temporary_file,
    open_stored,
    sha256_of,
    sniff,
    validate,
)
from commonground.evidence.metadata import MetadataError, clean_copy, plan_copy, write_copy
from commonground.evidence.models import (
    GENESIS_HASH,
    CustodyEvent,
    CustodyKind,
    ImportBatch,
    ItemKind,
    LegalHold,
    Recording,
    RedactionPurpose,
    RetentionSchedule,
    StoredFile,
    UploadChunk,
    UploadSession,
    UploadState,
)
from commonground.evidence.selectors import (
    orphan_objects,
    stored_names,
    upload_offset,
    verify_item,
    visible_items,
    withheld,
)
from commonground.lib.sizes import readable_size

__all__ = ["RejectedFile", "ingest_upload", "record_custody"]

logger = logging.getLogger(__name__)

RE_ENCODED_IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


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
            name=clean_name(upload.name),
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


def _retain_until(schedule: RetentionSchedule | None, received: datetime.datetime):
    """The last day a schedule keeps an item received then; None: kept until removed by hand."""
    if schedule is None or schedule.keep_days is None:
        return None
    return timezone.localdate(received) + datetime.timedelta(days=schedule.keep_days)


def _retention(kind: str, evidentiary: bool, received: datetime.datetime):
    schedule = RetentionSchedule.objects.filter(kind=kind, evidentiary=evidentiary).first()
    return schedule, _retain_until(schedule, received)


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
    stripped_already: bool = False,
) -> StoredFile:
    """Validate, hash and store one file as a new item with its first custody event.

    The name the sender gave is cleaned (evidence.files.clean_name) and only ever shown: the
    object is stored under a random UUID. `strip_metadata` (residents' uploads) re-encodes
    photos, or for HEIC, which is not decoded here, overwrites their EXIF and XMP;
    `stripped_already` says the caller made this copy without metadata.

    The SHA-256 comes from the upload handler when the bytes were hashed on arrival, and is
    computed here otherwise. Bytes already held by a live item are not stored again: the new
    item points at the same object. Raises RejectedFile with a message for the sender; nothing
    is left behind when it does."""
    name = clean_name(upload.name)
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
    elif strip_metadata and sniffed.content_type.startswith("image/"):
        source, stripped = clean_copy(upload, sniffed.content_type, name=name)[0], True
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
        metadata_stripped=stripped or stripped_already,
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


@contextlib.contextmanager
def _removed_if_failed(item: StoredFile):
    """For writes that follow ingest in the same transaction: if one fails, the transaction
    rolls the item back, and this removes the object ingest stored for it (not one a twin with
    the same bytes still uses). Whether it is shared is asked first, because no query can run
    once a database error has broken the transaction."""
    shared = StoredFile.objects.filter(file=item.file.name).exclude(pk=item.pk).exists()
    try:
        yield
    except BaseException:
        if not shared:
            item.file.storage.delete(item.file.name)
        raise


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


# --- Access ---------------------------------------------------------------------------------------


def _require_item(by, permission: str, item: StoredFile) -> None:
    """The role holds the permission and the item is one the user may see."""
    require(by, permission)
    if not visible_items(by).filter(pk=item.pk).exists():
        raise PermissionDenied(permission)


def _require_live(item: StoredFile) -> None:
    if item.is_disposed:
        raise EvidenceError(_("This item was disposed of: its file no longer exists."))


def _require_intact(item: StoredFile) -> None:
    """A file whose last check found it changed (or its chain broken) is not shown, downloaded,
    exported or copied, until a check passes again (once it is restored from a backup, say)."""
    if withheld(item):
        raise EvidenceError(
            _(
                "%(reference)s failed its last integrity check: its file is withheld until a "
                "check passes again."
            )
            % {"reference": item.reference}
        )


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError(_("Say why: every access to evidence is recorded with its reason."))
    return reason


def record_view(*, item: StoredFile, by, ip_address: str | None = None) -> CustodyEvent:
    _require_item(by, "evidence.view", item)
    _require_live(item)
    _require_intact(item)
    return record_custody(item=item, kind=CustodyKind.VIEWED, by=by, ip_address=ip_address)


def record_download(
    *, item: StoredFile, by, reason: str, ip_address: str | None = None
) -> CustodyEvent:
    """The caller has checked a fresh second factor for originals (accounts.freshness)."""
    _require_item(by, "evidence.view", item)
    reason = _reason_required(reason)
    _require_live(item)
    _require_intact(item)
    return record_custody(
        item=item,
        kind=CustodyKind.DOWNLOADED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={"original": item.derived_from_id is None},
    )


def share_item(
    *, item: StoredFile, by, party: str, recipient: str, reason: str, ip_address=None
) -> CustodyEvent:
    """Record that the item (or a copy) was given to a party outside the investigation."""
    _require_item(by, "evidence.share", item)
    reason = _reason_required(reason)
    if not recipient.strip():
        raise EvidenceError(_("Name who received it."))
    return record_custody(
        item=item,
        kind=CustodyKind.SHARED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={"party": party, "recipient": recipient.strip()},
    )


def verify_now(*, item: StoredFile, by, ip_address=None) -> CustodyEvent:
    _require_item(by, "evidence.view", item)
    return record_verification(item=item, check=verify_item(item), by=by, ip_address=ip_address)


# --- Body-worn-camera footage -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingFacts:
    """What the camera says about one recording; checked by check_recording."""

    device_id: str
    officer: object  # roster.Officer
    started_at: datetime.datetime
    ended_at: datetime.datetime
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def recording_problems(facts: RecordingFacts, *, sha256: str = "") -> list[str]:
    """Everything wrong with a recording's facts, each a sentence for the person importing."""
    problems = []
    if not facts.device_id.strip():
        problems.append(_("The device id is missing."))
    if facts.ended_at <= facts.started_at:
        problems.append(_("The recording must end after it starts."))
    elif facts.started_at > timezone.now():
        problems.append(_("The recording cannot start in the future."))
    if (facts.latitude is None) != (facts.longitude is None):
        problems.append(_("Give both latitude and longitude, or neither."))
    elif facts.latitude is not None and not (
        -90 <= facts.latitude <= 90 and -180 <= facts.longitude <= 180
    ):
        problems.append(_("The GPS position is not a place on Earth."))
    if facts.device_id.strip() and facts.ended_at > facts.started_at:
        overlap = Recording.objects.filter(
            device_id=facts.device_id.strip(),
            started_at__lt=facts.ended_at,
            ended_at__gt=facts.started_at,
        ).first()
        if overlap:
            problems.append(
                _(
                    "Device %(device)s already has a recording at that time (%(reference)s, "
                    "%(start)s to %(end)s)."
                )
                % {
                    "device": overlap.device_id,
                    "reference": overlap.item.reference,
                    "start": timezone.localtime(overlap.started_at).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(overlap.ended_at).strftime("%H:%M"),
                }
            )
    if sha256:
        held = (
            StoredFile.objects.filter(sha256=sha256, kind=ItemKind.BWC_FOOTAGE)
            .filter(disposed_at__isnull=True)
            .first()
        )
        if held:
            problems.append(
                _("This footage is already held as %(reference)s.") % {"reference": held.reference}
            )
    return problems


def _lock_device(device_id: str) -> None:
    """Two imports for one camera at once must not both pass the overlap check. SQLite's
    immediate transactions already take the write lock; PostgreSQL gets a lock per device held
    until the transaction ends."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def import_footage(
    *, upload, facts: RecordingFacts, by, batch: ImportBatch | None = None, ip_address=None
) -> StoredFile:
    """One recording with what the camera says about it. Non-evidentiary until a case needs it."""
    require(by, "evidence.import")
    # Checked before ingest: once the bytes are stored, a refusal would leave them behind.
    check_uploads([upload], limits=staff_limits())
    name = clean_name(upload.name)
    if not sniff(upload, name).content_type.startswith(("video/", "audio/")):
        raise EvidenceError(_("Body-worn camera footage must be a video or audio file."))
    if not getattr(upload, "sha256", ""):
        # Hashed once here; ingest uses this digest rather than reading the file again.
        upload.sha256 = sha256_of(upload)[0]
    _lock_device(facts.device_id.strip())
    problems = recording_problems(facts, sha256=upload.sha256)
    if problems:
        raise EvidenceError(" ".join(problems))
    item = ingest_upload(
        upload=upload,
        kind=ItemKind.BWC_FOOTAGE,
        by=by,
        evidentiary=False,
        limits=staff_limits(),
        ip_address=ip_address,
    )
    with _removed_if_failed(item):
        Recording.objects.create(
            item=item,
            device_id=facts.device_id.strip(),
            officer=facts.officer,
            started_at=facts.started_at,
            ended_at=facts.ended_at,
            latitude=facts.latitude,
            longitude=facts.longitude,
            batch=batch,
        )
    return item


@transaction.atomic
def make_evidentiary(*, item: StoredFile, by, reason: str) -> StoredFile:
    """Footage a case needs moves to the evidentiary schedule (called when a link is confirmed)."""
    if item.evidentiary:
        return item
    schedule, retain_until = _retention(item.kind, True, item.uploaded_at)
    _set_retention(item, schedule, retain_until, by=by, reason=reason, evidentiary=True)
    return item


# --- Resumable uploads ----------------------------------------------------------------------------
#
# A large file comes in pieces (JSON endpoints in views.py, driven by web/static/web/upload.js):
# each piece is its own object in the default storage until the footage form is submitted, when
# they are joined in order into one local temporary file, hashed as it is written, and imported
# like any upload. Nothing is kept on a web process's disk between requests, so any process may
# receive any piece, on local disk and on S3-compatible storage alike.

UPLOAD_PREFIX = "uploads"
# An import that started this long ago and never finished died with its process (a worker
# timeout, say): another attempt may take the upload over.
ABANDONED_IMPORT = datetime.timedelta(hours=1)


class UploadConflict(EvidenceError):
    """A piece sent for another place than the one the upload has reached (or to an upload that
    takes no more pieces). `offset` is where the sender should carry on from."""

    def __init__(self, message, *, offset: int):
        super().__init__(message)
        self.offset = offset


class BrokenUpload(EvidenceError):
    """The stored pieces do not add up to the file that was announced."""


class _Piece(io.RawIOBase):
    """At most `size` bytes of a request body, read as the storage asks for them and counted, so
    that a body cut short is noticed. Not seekable: storages read it once, front to back."""

    def __init__(self, stream, size: int):
        super().__init__()
        self.stream, self.size, self.received = stream, size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        left = self.size - self.received
        n = left if n is None or n < 0 else min(n, left)
        data = self.stream.read(n) if n else b""
        self.received += len(data)
        return data


def _chunk_name(session: UploadSession, offset: int) -> str:
    # The random part keeps two requests racing to send one piece from writing the same object:
    # on a storage that overwrites (S3's default), the loser's clean-up would delete the winner's.
    return f"{UPLOAD_PREFIX}/{session.uuid.hex}/{offset:015d}-{secrets.token_hex(4)}"


def _upload_objects(session: UploadSession) -> set[str]:
    """Every object the session has in storage: its pieces, and any a dead process left behind."""
    left = stored_names(default_storage, f"{UPLOAD_PREFIX}/{session.uuid.hex}")
    return set(session.chunks.values_list("name", flat=True)) | set(left)


def _delete_objects(names) -> None:
    for name in names:
        default_storage.delete(name)


def start_upload(*, by, name: str, size: int) -> UploadSession:
    """Announce a file to be sent in pieces. Its size is checked now, before any byte is sent."""
    require(by, "evidence.import")
    name = clean_name(name)
    check_size(name=name, size=size, max_bytes=settings.EVIDENCE_MAX_BYTES)
    now = timezone.now()
    return UploadSession.objects.create(
        created_by=by, name=name, size=size, created_at=now, updated_at=now
    )


def receive_upload_chunk(*, session: UploadSession, offset: int, stream, length: int) -> int:
    """Store the next piece of an upload, read from `stream` as it arrives; returns how many bytes
    have arrived in all. The piece must start where the upload has reached, or UploadConflict says
    where that is. The object is stored before its row, and deleted again if the row cannot be
    written (another request stored the same piece first, or the upload was discarded meanwhile):
    no object outlives a refusal."""
    received = upload_offset(session)
    if session.state != UploadState.OPEN:
        raise UploadConflict(_("This upload takes no more pieces."), offset=received)
    if offset != received:
        raise UploadConflict(
            _("The upload has reached byte %(offset)d: carry on from there.")
            % {"offset": received},
            offset=received,
        )
    if length <= 0:
        raise EvidenceError(_("The piece sent was empty."))
    if length > settings.EVIDENCE_UPLOAD_CHUNK_BYTES:
        raise EvidenceError(
            _("Send pieces of at most %(size)d bytes.")
            % {"size": settings.EVIDENCE_UPLOAD_CHUNK_BYTES}
        )
    if offset + length > session.size:
        raise EvidenceError(
            _("This piece goes past the end of the file, which was announced as %(size)d bytes.")
            % {"size": session.size}
        )
    piece = _Piece(stream, length)
    name = default_storage.save(_chunk_name(session, offset), File(piece, name="chunk"))
    try:
        if piece.received != length:
            raise EvidenceError(_("The piece was cut off before it finished: send it again."))
        end = _add_chunk(session, offset=offset, size=length, name=name)
    except BaseException:
        default_storage.delete(name)
        raise
    return end


def _add_chunk(session: UploadSession, *, offset: int, size: int, name: str) -> int:
    try:
        with transaction.atomic():
            # The session's row is the lock: pieces of one upload are recorded one at a time,
            # and never after the clean-up closed it.
            locked = UploadSession.objects.select_for_update().filter(pk=session.pk).first()
            received = upload_offset(session)
            if locked is None or locked.state != UploadState.OPEN or received != offset:
                raise UploadConflict(
                    _("Another request sent this piece first: carry on from byte %(offset)d.")
                    % {"offset": received},
                    offset=received,
                )
            UploadChunk.objects.create(session=locked, offset=offset, size=size, name=name)
            locked.updated_at = timezone.now()
            if offset + size == locked.size:
                locked.state = UploadState.COMPLETE
            locked.save(update_fields=["updated_at", "state"])
    except IntegrityError:
        raise UploadConflict(
            _("Another request sent this piece first."), offset=upload_offset(session)
        ) from None
    session.state, session.updated_at = locked.state, locked.updated_at
    return offset + size


def _claim_for_import(session: UploadSession) -> None:
    """One import at a time per upload, whichever process the form was submitted to."""
    now = timezone.now()
    claimed = (
        UploadSession.objects.filter(pk=session.pk)
        .filter(
            Q(state=UploadState.COMPLETE)
            | Q(state=UploadState.ASSEMBLING, updated_at__lt=now - ABANDONED_IMPORT)
        )
        .update(state=UploadState.ASSEMBLING, updated_at=now)
    )
    session.refresh_from_db()
    if claimed:
        return
    names = {"name": session.name}
    if session.state == UploadState.OPEN:
        raise EvidenceError(
            _(
                "“%(name)s” has not finished uploading (%(received)s of %(size)s arrived). "
                "Choose the file again to carry on."
            )
            % {
                **names,
                "received": readable_size(upload_offset(session)),
                "size": readable_size(session.size),
            }
        )
    if session.state == UploadState.ASSEMBLING:
        raise EvidenceError(
            _(
                "“%(name)s” is being imported already, perhaps from another window. Look for it "
                "in the evidence list in a minute."
            )
            % names
        )
    if session.state == UploadState.DONE and session.item_id:
        raise EvidenceError(
            _("“%(name)s” was imported already, as %(reference)s.")
            % {**names, "reference": session.item.reference}
        )
    raise EvidenceError(
        _("“%(name)s” cannot be used: %(error)s Choose the file again.")
        % {**names, "error": session.error}
    )


def _release(session: UploadSession, *, error: str = "") -> None:
    """The import was refused (or crashed): the pieces stay, for another attempt."""
    UploadSession.objects.filter(pk=session.pk, state=UploadState.ASSEMBLING).update(
        state=UploadState.COMPLETE, error=error, updated_at=timezone.now()
    )
    session.refresh_from_db()


def _fail(session: UploadSession, *, error: str) -> None:
    """Pieces that cannot make the file are of no use to anyone: they go at once."""
    names = _upload_objects(session)
    with transaction.atomic():
        session.chunks.all().delete()
        UploadSession.objects.filter(pk=session.pk).update(
            state=UploadState.FAILED, error=error, updated_at=timezone.now()
        )
    transaction.on_commit(lambda: _delete_objects(names))
    session.refresh_from_db()


def _assemble(session: UploadSession) -> HashedTemporaryFile:
    """The pieces joined in order into one local temporary file, hashed as it is written, ready
    to be imported like a file sent in one request (and moved, not copied, into local storage)."""
    upload = HashedTemporaryFile(session.name, "application/octet-stream", None)
    writer = HashingWriter(upload)
    try:
        for chunk in session.chunks.order_by("offset"):
            if chunk.offset != writer.size:
                raise BrokenUpload(_("A piece of the file is missing."))
            try:
                with default_storage.open(chunk.name, "rb") as stored:
                    while data := stored.read(CHUNK):
                        writer.write(data)
            except FileNotFoundError:
                raise BrokenUpload(_("A piece of the file is missing from storage.")) from None
            if writer.size != chunk.offset + chunk.size:
                raise BrokenUpload(_("A piece of the file changed in storage."))
        if writer.size != session.size:
            raise BrokenUpload(_("The file is shorter than announced."))
        upload.sha256 = writer.finish()
    except BaseException:
        writer.close()
        upload.close()
        raise
    upload.size = writer.size
    upload.seek(0)
    return upload


def import_uploaded_footage(
    *, session: UploadSession, facts: RecordingFacts, by, ip_address=None
) -> StoredFile:
    """Footage that arrived in pieces, imported with what the camera says about it.

    The facts are checked before the pieces are joined, so a mistyped field costs no wait. A
    refusal keeps the pieces, so the person corrects the form and submits again without sending
    the file again; success removes them. Joining happens outside any transaction: a database
    write lock is never held while gigabytes are copied."""
    require(by, "evidence.import")
    if session.created_by_id != by.pk:
        raise PermissionDenied("evidence.import")
    problems = recording_problems(facts)
    if problems:
        raise EvidenceError(" ".join(problems))
    _claim_for_import(session)
    try:
        upload = _assemble(session)
    except BrokenUpload as broken:
        _fail(session, error=str(broken))
        raise EvidenceError(
            _("“%(name)s” cannot be used: %(error)s Choose the file again.")
            % {"name": session.name, "error": broken}
        ) from None
    except BaseException:
        _release(session)
        raise
    try:
        with transaction.atomic():
            item = import_footage(upload=upload, facts=facts, by=by, ip_address=ip_address)
            names = _upload_objects(session)
            session.chunks.all().delete()
            UploadSession.objects.filter(pk=session.pk).update(
                state=UploadState.DONE, item=item, error="", updated_at=timezone.now()
            )
    except (EvidenceError, RejectedFile) as refused:
        _release(session, error=str(refused))
        raise
    except BaseException:
        _release(session)
        raise
    finally:
        upload.close()
    transaction.on_commit(lambda: _delete_objects(names))
    session.refresh_from_db()
    return item


def discard_stale_upload_sessions(*, older_than: datetime.timedelta | None = None) -> int:
    """Remove uploads with no progress for a few days (never imported, refused and left, or
    imported long ago) with every object they have in storage. Returns how many went.

    Each is closed first (a piece arriving now is refused, and deletes its own object), then its
    objects go, then its rows: a crash part-way leaves it for the next run, never an orphan."""
    older_than = older_than or datetime.timedelta(days=settings.EVIDENCE_UPLOAD_KEEP_DAYS)
    cutoff = timezone.now() - older_than
    discarded = 0
    for pk in UploadSession.objects.filter(updated_at__lt=cutoff).values_list("pk", flat=True):
        closed = UploadSession.objects.filter(pk=pk, updated_at__lt=cutoff).update(
            state=UploadState.FAILED
        )
        if not closed:
            continue  # it moved on meanwhile: not stale after all
        session = UploadSession.objects.get(pk=pk)
        _delete_objects(_upload_objects(session))
        session.delete()
        discarded += 1
    return discarded


def discard_orphans(*, older_than: datetime.timedelta) -> dict:
    """After a crash: remove what a killed process left behind, old enough that no request can
    still be writing it. Stored objects no item points at (a process died between storing a
    file and committing its row), pieces of uploads that have no session, and temporary upload
    files. Rows are never touched: a row is committed only once its file is stored."""
    cutoff = timezone.now() - older_than
    orphans = orphan_objects(default_storage, older_than=older_than)
    sessions = {uuid.hex for uuid in UploadSession.objects.values_list("uuid", flat=True)}
    orphans += [
        name
        for name in stored_names(default_storage, UPLOAD_PREFIX)
        if name.split("/")[1] not in sessions and default_storage.get_modified_time(name) < cutoff
    ]
    _delete_objects(orphans)
    temporary = 0
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    for path in folder.iterdir() if folder.is_dir() else ():
        modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
        if path.is_file() and modified < cutoff:
            path.unlink(missing_ok=True)
            temporary += 1
    return {"stored": len(orphans), "temporary": temporary}


# --- Redaction ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    width: int
    height: int


@transaction.atomic
def redact_image(
    *, item: StoredFile, by, boxes: list[Box], purpose: str, note: str = "", ip_address=None
) -> StoredFile:
    """A copy of an image with each box blacked out, re-encoded without metadata. The original
    is untouched; the copy names it, and the original's chain records the copy."""
    _require_item(by, "evidence.redact", item)
    if item.content_type not in RE_ENCODED_IMAGES:
        raise EvidenceError(
            _("Only photos can be redacted here; attach a redaction made elsewhere instead.")
        )
    if item.derived_from_id:
        raise EvidenceError(_("Redact the original, not a copy."))
    _require_live(item)
    _require_intact(item)
    if not boxes:
        raise EvidenceError(_("Mark at least one area to black out."))
    try:
        with item.file.open("rb") as stored, Image.open(stored) as image:
            width, height = image.size  # checked before a pixel is decoded
            for box in boxes:
                if (
                    box.width <= 0
                    or box.height <= 0
                    or box.left < 0
                    or box.top < 0
                    or box.left + box.width > width
                    or box.top + box.height > height
                ):
                    raise EvidenceError(
                        _("Each area must lie inside the image, which is %(w)d by %(h)d pixels.")
                        % {"w": width, "h": height}
                    )
            image.load()
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except EvidenceError:
        raise
    except Image.DecompressionBombError:
        raise EvidenceError(_("This image has too many pixels to be opened safely.")) from None
    except (OSError, SyntaxError, ValueError):
        raise EvidenceError(_("This image is damaged or incomplete.")) from None
    draw = ImageDraw.Draw(clean)
    for box in boxes:
        draw.rectangle(
            [box.left, box.top, box.left + box.width - 1, box.top + box.height - 1], fill="black"
        )
    out = io.BytesIO()
    fmt = RE_ENCODED_IMAGES[item.content_type]
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    stem = item.original_name.rsplit(".", 1)[0]
    extension = sorted(EXTENSIONS[item.content_type])[0]
    copy = File(out, name=f"{stem}-redacted{extension}")
    copy.size = out.getbuffer().nbytes
    regions = [[b.left, b.top, b.width, b.height] for b in boxes]
    # Only the pixels were copied: no EXIF, XMP, IPTC or colour profile comes with them.
    return _add_derivative(
        item,
        copy,
        by=by,
        purpose=purpose,
        note=note,
        ip_address=ip_address,
        regions=regions,
        metadata_removed=["all (pixels only)"],
    )


@transaction.atomic
def attach_redaction(
    *, item: StoredFile, by, upload, purpose: str, note: str, ip_address=None
) -> StoredFile:
    """A redacted copy produced elsewhere (video, say), attached to its original."""
    _require_item(by, "evidence.redact", item)
    if item.derived_from_id:
        raise EvidenceError(_("Attach the redaction to the original, not to a copy."))
    if not note.strip():
        raise EvidenceError(_("Say what was redacted and with what tool."))
    _require_intact(item)
    check_uploads([upload], limits=staff_limits())
    name = clean_name(upload.name)
    sniffed = sniff(upload, name).content_type
    if sniffed.split("/")[0] != item.content_type.split("/")[0]:
        raise EvidenceError(
            _("A redacted copy must be the same kind of file as its original (%(type)s).")
            % {"type": item.content_type}
        )
    # A redacted copy is made to be given out: what the tool that made it (or the camera before
    # it) wrote into its metadata goes, as it would from an export.
    cleaned, removed = clean_copy(upload, sniffed, name=name)
    with cleaned:
        copy = File(cleaned, name=name)
        copy.size = os.fstat(cleaned.fileno()).st_size
        return _add_derivative(
            item,
            copy,
            by=by,
            purpose=purpose,
            note=note,
            ip_address=ip_address,
            metadata_removed=removed,
        )


def _add_derivative(
    original, upload, *, by, purpose, note, ip_address, regions=None, metadata_removed=()
):
    if purpose not in RedactionPurpose.values:
        raise EvidenceError(_("Say who the redacted copy is for."))
    copy = ingest_upload(
        upload=upload,
        kind=ItemKind.REDACTION,
        by=by,
        derived_from=original,
        limits=staff_limits(),
        ip_address=ip_address,
        reason=note,
        stripped_already=True,
    )
    with _removed_if_failed(copy):
        copy.redaction_purpose = purpose
        copy.redaction_note = note.strip()
        copy.save(update_fields=["redaction_purpose", "redaction_note"])
        record_custody(
            item=original,
            kind=CustodyKind.REDACTED,
            by=by,
            reason=note.strip(),
            ip_address=ip_address,
            details={
                "copy": copy.reference,
                "copy_sha256": copy.sha256,
                "purpose": purpose,
                "regions": regions or [],
                "metadata_removed": list(metadata_removed),
            },
        )
    return copy


# --- Retention, legal holds, disposal -----------------------------------------------------------


def _set_retention(item, schedule, retain_until, *, by, reason, evidentiary=None, ip_address=None):
    before = {
        "schedule": str(item.retention_schedule or ""),
        "retain_until": item.retain_until,
        "evidentiary": item.evidentiary,
    }
    item.retention_schedule, item.retain_until = schedule, retain_until
    if evidentiary is not None:
        item.evidentiary = evidentiary
    item.save(update_fields=["retention_schedule", "retain_until", "evidentiary"])
    record_custody(
        item=item,
        kind=CustodyKind.RETENTION_CHANGED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={
            "before": before,
            "after": {
                "schedule": str(schedule or ""),
                "retain_until": retain_until,
                "evidentiary": item.evidentiary,
            },
        },
    )


@transaction.atomic
def change_retention(
    *,
    item: StoredFile,
    by,
    reason: str,
    schedule: RetentionSchedule | None = None,
    retain_until: datetime.date | None = None,
    ip_address=None,
) -> StoredFile:
    """Move an item to another schedule, or set its own date (empty date: keep until removed)."""
    _require_item(by, "evidence.retention", item)
    reason = _reason_required(reason)
    _require_live(item)
    if schedule is not None and retain_until is None:
        retain_until = _retain_until(schedule, item.uploaded_at)
    if retain_until is not None and retain_until < timezone.localdate():
        raise EvidenceError(_("The date to keep it until cannot be in the past."))
    _set_retention(
        item,
        schedule or item.retention_schedule,
        retain_until,
        by=by,
        reason=reason,
        ip_address=ip_address,
    )
    return item


@transaction.atomic
def place_hold(*, item: StoredFile, by, matter: str, reason: str, ip_address=None) -> LegalHold:
    _require_item(by, "evidence.retention", item)
    if not matter.strip():
        raise EvidenceError(_("Name the matter the hold is for."))
    reason = _reason_required(reason)
    _require_live(item)
    hold = LegalHold.objects.create(
        item=item, matter=matter.strip(), reason=reason, placed_by=by, placed_at=timezone.now()
    )
    record_custody(
        item=item,
        kind=CustodyKind.HOLD_PLACED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={"hold": hold.pk, "matter": hold.matter},
    )
    return hold


@transaction.atomic
def release_hold(*, hold: LegalHold, by, reason: str, ip_address=None) -> LegalHold:
    _require_item(by, "evidence.retention", hold.item)
    reason = _reason_required(reason)
    if hold.released_at:
        raise EvidenceError(_("This hold was already released."))
    hold.released_by, hold.released_at, hold.release_reason = by, timezone.now(), reason
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    record_custody(
        item=hold.item,
        kind=CustodyKind.HOLD_RELEASED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={"hold": hold.pk, "matter": hold.matter},
    )
    return hold


@transaction.atomic
def dispose_item(*, item: StoredFile, by, reason: str, ip_address=None) -> StoredFile:
    """Remove an item's bytes and keep the record of what was removed, when, by whom and under
    which rule. Refused while a legal hold is in force, or while a redacted copy still exists."""
    if not isinstance(by, str):
        _require_item(by, "evidence.dispose", item)
    reason = _reason_required(reason)
    item = StoredFile.objects.select_for_update().get(pk=item.pk)
    if item.is_disposed:
        raise EvidenceError(_("This item was already disposed of."))
    holds = list(item.legal_holds.filter(released_at__isnull=True))
    if holds:
        raise EvidenceError(
            _("%(reference)s is under legal hold (%(matters)s): it cannot be disposed of.")
            % {"reference": item.reference, "matters": "; ".join(h.matter for h in holds)}
        )
    if item.derivatives.filter(disposed_at__isnull=True).exists():
        raise EvidenceError(_("Dispose of the redacted copies of this item first."))
    name = item.file.name
    shared = StoredFile.objects.filter(file=name, disposed_at__isnull=True).exclude(pk=item.pk)
    item.disposed_at = timezone.now()
    item.save(update_fields=["disposed_at"])
    record_custody(
        item=item,
        kind=CustodyKind.DISPOSED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={
            "schedule": str(item.retention_schedule or ""),
            "retain_until": item.retain_until,
            "sha256": item.sha256,
            "size": item.size,
            # Bytes still used by another item stay where they are.
            "bytes_removed": not shared.exists(),
        },
    )
    if not shared.exists():
        transaction.on_commit(lambda: item.file.storage.delete(name))
    return item


def dispose_due_items(*, today: datetime.date | None = None) -> tuple[int, int]:
    """The disposal task: items past their retention date and under no hold lose their bytes.
    Returns how many were disposed of and how many were held back by a hold."""
    today = today or timezone.localdate()
    due = StoredFile.objects.filter(retain_until__lt=today, disposed_at__isnull=True, draft_key="")
    disposed = held = 0
    # Copies before originals, so an original whose copies are also due goes in the same run.
    for item in due.order_by(F("derived_from_id").desc(nulls_last=True), "pk"):
        if item.legal_holds.filter(released_at__isnull=True).exists():
            held += 1
            continue
        try:
            dispose_item(
                item=item,
                by="retention schedule",
                reason=_("Retention period ended on %(date)s under “%(schedule)s”.")
                % {"date": item.retain_until, "schedule": item.retention_schedule},
            )
            disposed += 1
        except EvidenceError:
            held += 1
    return disposed, held


@transaction.atomic
def reschedule_items(*, schedule_id: int) -> int:
    """Recompute the dates of the live items on a schedule whose period changed."""
    schedule = RetentionSchedule.objects.get(pk=schedule_id)
    changed = 0
    for item in schedule.items.filter(disposed_at__isnull=True).select_for_update():
        retain_until = _retain_until(schedule, item.uploaded_at)
        if retain_until != item.retain_until:
            _set_retention(
                item,
                schedule,
                retain_until,
                by="retention schedule",
                reason=_("The schedule “%(schedule)s” was changed.") % {"schedule": schedule},
            )
            changed += 1
    return changed


# --- Export ---------------------------------------------------------------------------------------


def export_package(
    *, item: StoredFile, by, reason: str, recipient: str, custody_pdf: bytes, ip_address=None
):
    """A ZIP for a party outside the agency: a copy of the file without its identifying metadata
    (evidence.metadata: GPS, device serial numbers, owner and author names, XMP...; the picture,
    sound and frames are the original's bytes), its custody report (PDF) and a manifest with the
    hashes of the original as held and of the copy, and what was removed. Returns an open
    temporary file; the export, with the package's own SHA-256 (so the recipient can show they
    received this very package), goes into the chain. The caller has checked a fresh second
    factor.

    The stored bytes are checked against the hash sealed at receipt as they are read: a file
    that no longer matches is not exported, and the failed check goes into its chain (which
    withholds it until a check passes again)."""
    _require_item(by, "evidence.share", item)
    reason = _reason_required(reason)
    if not recipient.strip():
        raise EvidenceError(_("Name who receives the export."))
    _require_live(item)
    _require_intact(item)
    name = clean_name(item.original_name)
    with local_temporary_file() as held:
        _copy_checked(item, held, by=by, ip_address=ip_address)
        try:
            plan = plan_copy(held, item.content_type, name=name)
        except MetadataError as refused:
            raise EvidenceError(str(refused)) from None
        last = item.custody.order_by("-sequence").first()
        manifest = {
            "item": item.reference,
            "uuid": str(item.uuid),
            "file": name,
            "content_type": item.content_type,
            "size": item.size,
            "sha256": item.sha256,
            "custody_events": last.sequence,
            "last_custody_hash": last.hash,
            "exported_at": timezone.now().isoformat(),
            "exported_by": _label(by),
            "recipient": recipient.strip(),
            "reason": reason,
        }
        package = local_temporary_file(suffix=".zip")
        with zipfile.ZipFile(
            package, "w", compression=zipfile.ZIP_STORED, allowZip64=True
        ) as bundle:
            folder = item.reference
            with bundle.open(f"{folder}/{name}", "w", force_zip64=True) as entry:
                copied = _HashingOut(entry)
                write_copy(held, plan, copied)
            manifest["copy"] = {
                "file": name,
                "size": copied.size,
                "sha256": copied.digest.hexdigest(),
                "metadata_removed": sorted(plan.removed),
                "identical_to_original": copied.digest.hexdigest() == item.sha256,
            }
            bundle.writestr(f"{folder}/custody-report.pdf", custody_pdf)
            bundle.writestr(f"{folder}/manifest.json", json.dumps(manifest, indent=2))
    digest, size = sha256_of(package)
    record_custody(
        item=item,
        kind=CustodyKind.EXPORTED,
        by=by,
        reason=reason,
        ip_address=ip_address,
        details={
            "recipient": recipient.strip(),
            "package_sha256": digest,
            "package_size": size,
            "copy_sha256": manifest["copy"]["sha256"],
            "metadata_removed": manifest["copy"]["metadata_removed"],
        },
    )
    package.seek(0)
    return package


class _HashingOut:
    """Passes writes on to `out`, hashing and counting them."""

    def __init__(self, out):
        self.out, self.digest, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.out.write(data)


def _copy_checked(item: StoredFile, out, *, by, ip_address=None) -> None:
    """Copy the stored object to `out`, refusing it (and recording the failed check) when its
    bytes are not those sealed at receipt."""
    copied = _HashingOut(out)
    with contextlib.closing(open_stored(item.file.storage, item.file.name)) as stored:
        while chunk := stored.read(CHUNK):
            copied.write(chunk)
    out.seek(0)
    if (copied.digest.hexdigest(), copied.size) != (item.sha256, item.size):
        record_verification(item=item, check=verify_item(item), by=by, ip_address=ip_address)
        raise EvidenceError(
            _(
                "The stored file of %(reference)s no longer matches the hash recorded at "
                "receipt: it was not exported, and is withheld until a check passes again."
            )
            % {"reference": item.reference}
        )


# --- Body-worn-camera manifests -----------------------------------------------------------------


def import_manifest(*, manifest_path, folder=None, by, progress=None) -> ImportBatch:
    """Every recording a manifest lists, imported whole or not at all.

    The manifest and every file it names are checked first (evidence.manifest); any problem
    raises ManifestError with the full report, and nothing is stored. Then one transaction
    creates the batch and imports each row. If anything fails on the way, the transaction rolls
    back and the objects already written for the batch are removed: ingest and import_footage
    clean up after their own failures, but an earlier row's object would outlive the rollback.
    Durable, so that no outer transaction can roll the rows back after that cleanup has passed.

    `progress(size)` is called with each file's size once it is stored (tqdm's `update` fits)."""
    from commonground.evidence.manifest import ManifestError, Problem, check_manifest

    require(by, "evidence.import")
    checked = check_manifest(manifest_path=manifest_path, folder=folder)
    if checked.problems:
        raise ManifestError(checked.problems)
    written: list[str] = []
    try:
        with transaction.atomic(durable=True):
            batch = ImportBatch.objects.create(
                manifest_name=checked.name[-255:],
                manifest_sha256=checked.sha256,
                imported_by=by,
                imported_by_label=_label(by),
                imported_at=timezone.now(),
                rows=len(checked.rows),
            )
            references = []
            for row in checked.rows:
                with row.path.open("rb") as handle:
                    try:
                        item = import_footage(
                            upload=File(handle, name=row.file_name),
                            facts=row.facts,
                            by=by,
                            batch=batch,
                        )
                    except (EvidenceError, RejectedFile) as error:
                        # Something changed since the check (another import, the file itself).
                        raise ManifestError([Problem(row.number, "", str(error))]) from error
                if not StoredFile.objects.filter(file=item.file.name).exclude(pk=item.pk).exists():
                    written.append(item.file.name)
                references.append(item.reference)
                if progress is not None:
                    progress(row.size)
            record(
                actor=by,
                action="evidence.import_batch",
                target=batch,
                data={"manifest_sha256": batch.manifest_sha256, "items": references},
            )
    except BaseException:
        storage = StoredFile.file.field.storage
        for name in written:
            try:
                storage.delete(name)
            except Exception:  # the import's own error is the one to raise
                logger.exception("Could not remove %s after a failed manifest import", name)
        raise
    return batch
