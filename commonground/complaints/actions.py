import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.complaints import tracking
from commonground.complaints.models import (
    Attachment,
    Channel,
    DistrictSource,
    InvolvedOfficer,
    InvolvedPerson,
    Report,
    ReporterType,
    ReportUpdate,
    Status,
    StatusChange,
    UpdatePurpose,
)
from commonground.evidence.actions import RejectedFile, accept_draft_file, ingest_upload
from commonground.evidence.models import StoredFile
from commonground.lib.crypto import encrypt_json
from commonground.roster.models import Officer


class InvalidSubmission(ValueError):
    """The submission token was not issued by us or has expired."""


@dataclass
class OfficerInput:
    officer_id: int | None = None
    name_given: str = ""
    badge_given: str = ""
    description: str = ""
    vehicle: str = ""


@dataclass
class PersonInput:
    role: str
    name: str = ""
    email: str = ""
    phone: str = ""
    description: str = ""


@dataclass
class ReportInput:
    """Everything a report says, already validated by the intake forms."""

    kind: str
    reporter_type: str
    narrative: str
    incident_date: datetime.date
    incident_time: datetime.time | None = None
    incident_date_end: datetime.date | None = None
    location: str = ""
    district_id: int | None = None
    reporter_relationship: str = ""
    contact: dict = field(default_factory=dict)
    contact_method: str = "none"
    language: str = "en"
    officers: list[OfficerInput] = field(default_factory=list)
    people: list[PersonInput] = field(default_factory=list)


@dataclass(frozen=True)
class Filed:
    report: Report
    tracking_code: str
    created: bool


def file_report(
    *,
    data: ReportInput,
    submission_token: str,
    channel: str = Channel.ONLINE,
    by=None,
    files: list[StoredFile] = (),
    received_at: datetime.datetime | None = None,
    session_binding: str = "",
) -> Filed:
    """File a complaint or commendation once, however many times the same form is submitted.

    Online reports come from the public (`by` is None); any other channel is staff intake and
    needs the intake permission. Anonymous reports keep no contact details at all. A resident's
    token must come from the session it was made for (`session_binding`, see tracking), or
    the code of the report it already filed would be shown to whoever replays it.
    """
    if channel == Channel.ONLINE:
        if by is not None:
            raise ValueError("Online reports are filed by the public, not by staff.")
    else:
        require(by, "complaints.intake")
    try:
        code = tracking.code_for_token(submission_token, bound_to=session_binding)
    except signing.BadSignature as error:
        raise InvalidSubmission from error
    code_hash = tracking.hash_code(code)

    existing = Report.objects.filter(tracking_code_hash=code_hash).first()
    if existing:
        return Filed(existing, code, created=False)
    try:
        report = _create_report(
            data=data,
            code_hash=code_hash,
            channel=channel,
            by=by,
            files=files,
            received_at=received_at or timezone.now(),
        )
    except IntegrityError:
        # A concurrent submission with the same token won the race; show its report.
        report = Report.objects.get(tracking_code_hash=code_hash)
        return Filed(report, code, created=False)
    email = (report.reporter_contact or {}).get("email")
    if email:
        from commonground.complaints.tasks import send_tracking_code

        sealed = encrypt_json({"code": code})
        transaction.on_commit(
            lambda: send_tracking_code.enqueue(report_id=report.pk, sealed_code=sealed)
        )
    return Filed(report, code, created=True)


@transaction.atomic
def _create_report(*, data, code_hash, channel, by, files, received_at) -> Report:
    anonymous = data.reporter_type == ReporterType.ANONYMOUS
    contact = None if anonymous else {k: v for k, v in data.contact.items() if v} or None
    district_id, district_source = _district_for(data)
    report = Report.objects.create(
        kind=data.kind,
        status=Status.RECEIVED,
        channel=channel,
        received_at=received_at,
        received_by=by,
        tracking_code_hash=code_hash,
        language=data.language,
        reporter_type=data.reporter_type,
        reporter_relationship=(
            data.reporter_relationship if data.reporter_type == ReporterType.ON_BEHALF else ""
        ),
        reporter_contact=contact,
        contact_method=data.contact_method if contact else "none",
        incident_date=data.incident_date,
        incident_time=data.incident_time,
        incident_date_end=data.incident_date_end,
        location=data.location,
        district_id=district_id,
        district_source=district_source,
        narrative=data.narrative,
    )
    InvolvedOfficer.objects.bulk_create(
        InvolvedOfficer(
            report=report,
            officer_id=o.officer_id,
            name_given=o.name_given,
            badge_given=o.badge_given,
            description=o.description,
            vehicle=o.vehicle,
        )
        for o in data.officers
    )
    InvolvedPerson.objects.bulk_create(
        InvolvedPerson(
            report=report,
            role=p.role,
            details={k: v for k, v in vars(p).items() if k != "role" and v},
        )
        for p in data.people
    )
    _attach(report, files, added_later=False, by=by)
    StatusChange.objects.create(
        report=report, to_status=Status.RECEIVED, changed_at=received_at, changed_by=by
    )
    record(
        actor=by or "public",
        action="report.file",
        target=report,
        data={"kind": report.kind, "channel": channel, "files": len(files)},
    )
    return report


def _district_for(data: ReportInput) -> tuple[int | None, str]:
    if data.district_id:
        return data.district_id, DistrictSource.CHOSEN
    officer_ids = [o.officer_id for o in data.officers if o.officer_id]
    if not officer_ids:
        return None, DistrictSource.UNKNOWN
    districts = Counter(
        Officer.objects.filter(pk__in=officer_ids, unit__district__isnull=False).values_list(
            "unit__district", flat=True
        )
    )
    if districts:
        return districts.most_common(1)[0][0], DistrictSource.DERIVED
    return None, DistrictSource.UNKNOWN


def _attach(report: Report, files, *, added_later: bool, by=None) -> None:
    for stored in files:
        accept_draft_file(item=stored, by=by)
        Attachment.objects.create(report=report, stored_file=stored, added_later=added_later)


def ingest_attachments(
    uploads, *, already: int, draft_key: str = ""
) -> tuple[list[StoredFile], list[str]]:
    """Store each acceptable resident upload (metadata stripped); return what was stored and a
    message, for the person who sent them, per refused file."""
    stored, errors = [], []
    room = settings.ATTACHMENT_MAX_FILES - already
    if len(uploads) > room:
        extra = len(uploads) - max(room, 0)
        errors.append(
            ngettext(
                "You can attach at most %(max)d files; %(extra)d was not added.",
                "You can attach at most %(max)d files; %(extra)d were not added.",
                extra,
            )
            % {"max": settings.ATTACHMENT_MAX_FILES, "extra": extra}
        )
        uploads = uploads[: max(room, 0)]
    for upload in uploads:
        try:
            stored.append(ingest_upload(upload=upload, strip_metadata=True, draft_key=draft_key))
        except RejectedFile as error:
            errors.append(str(error))
    return stored, errors


def discard_unsent_attachments(stored: list[StoredFile]) -> None:
    """Remove uploads that were stored while a resident's addition was checked and then not
    sent (another file in it was refused). They are drafts, never evidence, so they have no chain
    of custody to keep; an object whose bytes another item shares stays."""
    for item in stored:
        if not item.draft_key:
            raise ValueError("Only draft uploads can be discarded.")
        with transaction.atomic():
            name = item.file.name
            item.delete()
            if not StoredFile.objects.filter(file=name).exists():
                item.file.storage.delete(name)


@transaction.atomic
def add_report_update(*, report: Report, text: str, files: list[StoredFile] = ()) -> ReportUpdate:
    """The reporter adds information or files through the status page (no account: the code
    they hold is the permission)."""
    update = ReportUpdate.objects.create(report=report, text=text, created_at=timezone.now())
    _attach(report, files, added_later=True)
    record(
        actor="public",
        action="report.add_information",
        target=report,
        data={"text_length": len(text), "files": len(files)},
    )
    return update


class ReviewNotPossible(ValueError):
    """The report is not closed, or a review of this closure was asked for already."""


@transaction.atomic
def request_review(*, report: Report, reason: str) -> ReportUpdate:
    """The holder of a closed complaint's code asks for its closure to be looked at again. It is
    kept with the report's additions, where staff read it on the case; one request per closure."""
    from commonground.complaints.selectors import followed_report, review_state

    state = review_state(report, followed_report(report))
    if not state.can_ask:
        raise ReviewNotPossible(
            _("A review was asked for already.") if state.asked else _("This report is not closed.")
        )
    update = ReportUpdate.objects.create(
        report=report,
        purpose=UpdatePurpose.REVIEW_REQUEST,
        text=reason,
        created_at=timezone.now(),
    )
    record(
        actor="public",
        action="report.request_review",
        target=report,
        data={"text_length": len(reason)},
    )
    return update


def record_staff_view(*, report: Report, by) -> None:
    """Every staff view of a report is an audit event."""
    record(actor=by, action="report.view", target=report)
