"""Reads of evidence: what a user may see, and the checks that prove an item is what it was."""

import contextlib
import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.rules import can, conflict_q
from commonground.evidence.files import CHUNK, open_stored
from commonground.evidence.models import GENESIS_HASH, CustodyKind, StoredFile, UploadSession
from commonground.lib.storage import walk


def visible_items(user) -> QuerySet[StoredFile]:
    """Items the user may see: all of them for roles that hold every item, otherwise those on a
    case the user investigates (a report's attachments, the case log's files, footage linked or
    suggested), and redacted copies of those."""
    items = StoredFile.objects.filter(draft_key="")
    if not can(user, "evidence.view"):
        return items.none()
    if (conflicted := _on_conflicted_cases(user)) is not None:
        items = items.exclude(pk__in=conflicted).exclude(derived_from__in=conflicted)
    if can(user, "evidence.view_all"):
        return items
    on_my_case = (
        Q(attachment__report__case__investigator=user)
        | Q(log_attachment__entry__case__investigator=user)
        | Q(case_links__case__investigator=user)
    )
    originals = StoredFile.objects.filter(on_my_case).values("pk")
    return items.filter(Q(pk__in=originals) | Q(derived_from__in=originals))


# The reports an item belongs to, by the reverse names of the apps that link files to cases.
REPORT_PATHS = (
    "attachment__report",
    "log_attachment__entry__case__report",
    "case_links__case__report",
)


def _on_conflicted_cases(user) -> QuerySet | None:
    """Items of cases the user may not open (`accounts.rules.conflicted`: their linked officer
    is named in it, or commands a named officer's unit): even a role that holds every item does
    not see those. None for staff linked to no officer."""
    named = conflict_q(user, *(f"{path}__officers" for path in REPORT_PATHS))
    return None if named is None else StoredFile.objects.filter(named).values("pk")


def get_item_for_user(user, uuid) -> StoredFile:
    """The item, or 404 when it does not exist and 403 when the user may not see it."""
    item = (
        StoredFile.objects.select_related("derived_from", "retention_schedule", "received_by")
        .filter(uuid=uuid, draft_key="")
        .first()
    )
    if item is None:
        raise Http404
    if not visible_items(user).filter(pk=item.pk).exists():
        raise PermissionDenied("evidence.view")
    return item


def find_upload_session(user, uuid) -> UploadSession | None:
    """The user's own upload session, or None: nobody else's is ever found, whatever their role."""
    if user is None or not can(user, "evidence.import"):
        return None
    return UploadSession.objects.filter(uuid=uuid, created_by=user).first()


def get_upload_session_for_user(user, uuid) -> UploadSession:
    """The user's own upload session, or 404 (never 403, which would say that it exists)."""
    session = find_upload_session(user, uuid)
    if session is None:
        raise Http404
    return session


def upload_offset(session: UploadSession) -> int:
    """How many bytes of the upload have arrived. Pieces are only ever added at the current end
    (evidence.actions.receive_upload_chunk), so their sizes add up to one unbroken run."""
    return session.chunks.aggregate(received=Sum("size"))["received"] or 0


def active_holds(item: StoredFile):
    return item.legal_holds.filter(released_at__isnull=True)


# --- Verification ---------------------------------------------------------------------------------


@dataclass
class Check:
    """What verifying one item found. `problems` is empty when the item is intact."""

    item: StoredFile
    events: int = 0
    bytes_checked: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def chain_problems(item: StoredFile, events=None) -> list[str]:
    """Every way the item's custody chain fails to prove itself, in plain words."""
    events = list(events if events is not None else item.custody.order_by("sequence"))
    if not events:
        return [_("No custody events: the item's receipt was never recorded.")]
    problems = []
    previous = GENESIS_HASH
    for expected, event in enumerate(events, start=1):
        if event.sequence != expected:
            problems.append(
                _("Event %(expected)d is missing (found %(found)d in its place).")
                % {"expected": expected, "found": event.sequence}
            )
        if event.previous_hash != previous:
            problems.append(
                _("Event %(n)d does not follow the event before it.") % {"n": event.sequence}
            )
        if event.compute_hash(item.uuid) != event.hash:
            problems.append(
                _("Event %(n)d was changed after it was recorded.") % {"n": event.sequence}
            )
        previous = event.hash
    first = events[0]
    if first.kind != CustodyKind.RECEIVED:
        problems.append(_("The chain does not start with the item's receipt."))
    elif (first.details.get("sha256"), first.details.get("size")) != (item.sha256, item.size):
        problems.append(_("The item's recorded hash or size differs from what was received."))
    return problems


def bytes_problems(item: StoredFile) -> list[str]:
    """Re-hash the stored object and compare it with the hash sealed at receipt."""
    storage, name = item.file.storage, item.file.name
    if not name or not storage.exists(name):
        return [_("The stored file is missing.")]
    digest, size = hashlib.sha256(), 0
    with contextlib.closing(open_stored(storage, name)) as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    problems = []
    if size != item.size:
        problems.append(
            _("The stored file is %(found)d bytes; %(expected)d were received.")
            % {"found": size, "expected": item.size}
        )
    if digest.hexdigest() != item.sha256:
        problems.append(_("The stored file's SHA-256 differs from the one recorded at receipt."))
    return problems


def verify_item(item: StoredFile, *, rehash: bool = True) -> Check:
    events = list(item.custody.order_by("sequence"))
    check = Check(item=item, events=len(events), problems=chain_problems(item, events))
    if rehash and not item.is_disposed:
        check.problems += bytes_problems(item)
        check.bytes_checked = True
    elif item.is_disposed and _bytes_left_behind(item):
        check.problems.append(_("The item was disposed of, but its file is still stored."))
    return check


def _bytes_left_behind(item: StoredFile) -> bool:
    name = item.file.name
    still_used = StoredFile.objects.filter(file=name, disposed_at__isnull=True).exists()
    return bool(name) and not still_used and item.file.storage.exists(name)


@dataclass
class CustodyReport:
    item: StoredFile
    events: list
    check: Check
    generated_at: datetime.datetime
    generated_by: object


def custody_report(item: StoredFile, *, by) -> CustodyReport:
    events = list(item.custody.select_related("actor").order_by("sequence"))
    return CustodyReport(
        item=item,
        events=events,
        check=verify_item(item),
        generated_at=timezone.now(),
        generated_by=by,
    )


def stored_names(storage, folder: str = "evidence"):
    """Every object under a folder of a storage, local disk or S3 alike."""
    return walk(storage, folder)


def orphan_objects(storage, *, older_than: datetime.timedelta) -> list[str]:
    """Stored objects no item points at (left by a process that died between storing a file and
    committing its record), old enough that no upload can still be finishing them."""
    known = set(StoredFile.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    return [
        name
        for name in stored_names(storage)
        if name not in known and storage.get_modified_time(name) < cutoff
    ]


def withheld(item: StoredFile) -> bool:
    """Whether the item's last integrity check failed: its file is then not served, exported or
    copied until a later check passes."""
    last = item.custody.filter(kind=CustodyKind.VERIFIED).order_by("-sequence").first()
    return last is not None and not last.details.get("intact", True)
