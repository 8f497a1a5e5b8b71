from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from commonground.accounts.rules import can, conflict_q, require
from commonground.complaints import tracking
from commonground.complaints.models import (
    MILESTONES,
    Allegation,
    InvolvedOfficer,
    Kind,
    Milestone,
    Report,
    ReportUpdate,
    Status,
    StatusChange,
    UpdatePurpose,
)
from commonground.complaints.status_text import explanation


def get_report_by_code(code: str) -> Report | None:
    """The report a tracking code belongs to, or None; raises MalformedCode for bad input."""
    # Only what the public status page shows: personal data is not even read.
    return (
        Report.objects.filter(tracking_code_hash=tracking.hash_code(code))
        .only(
            "id",
            "kind",
            "status",
            "received_at",
            "language",
            "reporter_type",
            "outcome",
            "merged_into_id",
        )
        .order_by()
        .first()
    )


@dataclass(frozen=True)
class Stage:
    status: str
    label: str
    explanation: str
    reached_at: object
    current: bool


def public_timeline(report: Report) -> list[Stage]:
    """The milestones a report has reached, in plain language, for the person who holds its
    code. Internal steps (triage, supervisor approval) fold into the milestone they belong to."""
    reached = []
    for change in StatusChange.objects.filter(report=report).only("to_status", "changed_at"):
        milestone = MILESTONES[change.to_status]
        if not reached or reached[-1][0] != milestone:
            reached.append((milestone, change.changed_at))
    return [
        Stage(
            status=milestone,
            label=Milestone(milestone).label,
            explanation=explanation(milestone, kind=report.kind, outcome=report.outcome),
            reached_at=at,
            current=index == len(reached) - 1,
        )
        for index, (milestone, at) in enumerate(reached)
    ]


def followed_report(report: Report) -> Report:
    """The report whose progress the holder of this report's code follows: itself, or the
    report it was combined with."""
    seen = {report.pk}
    while report.merged_into_id and report.merged_into_id not in seen:
        seen.add(report.merged_into_id)
        report = Report.objects.only(
            "id", "kind", "status", "received_at", "reporter_type", "outcome", "merged_into_id"
        ).get(pk=report.merged_into_id)
    return report


@dataclass(frozen=True)
class Addition:
    purpose: str
    text: str
    files: list[str]
    added_at: object


def resident_additions(report: Report) -> list[Addition]:
    """What the holder of this report's code added to it after filing: their words, the names of
    their files and their requests for review, with dates (nothing staff wrote or attached)."""
    updates = ReportUpdate.objects.filter(report=report).order_by("created_at", "pk")
    files = list(
        report.attachments.filter(added_later=True)
        .select_related("stored_file")
        .order_by("stored_file__uploaded_at")
    )
    additions = []
    for update in updates:
        # A file belongs to the addition it was sent with: uploaded just before it was saved.
        sent = [a for a in files if a.stored_file.uploaded_at <= update.created_at]
        files = [a for a in files if a not in sent]
        additions.append(
            Addition(
                purpose=update.purpose,
                text=update.text,
                files=[a.stored_file.original_name for a in sent],
                added_at=update.created_at,
            )
        )
    return additions


@dataclass(frozen=True)
class ReviewState:
    can_ask: bool  # a closed complaint with no request since it was closed
    asked: object  # when it was asked for, since the last closure, or None


def review_state(report: Report, followed: Report) -> ReviewState:
    """Whether the holder of this report's code may ask for the closure to be looked at again."""
    if followed.kind != Kind.COMPLAINT or followed.status != Status.CLOSED:
        return ReviewState(can_ask=False, asked=None)
    closed = (
        StatusChange.objects.filter(report=followed, to_status=Status.CLOSED)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    asked = (
        ReportUpdate.objects.filter(report=report, purpose=UpdatePurpose.REVIEW_REQUEST)
        .filter(created_at__gte=closed)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
        if closed
        else None
    )
    return ReviewState(can_ask=asked is None, asked=asked)


@dataclass(frozen=True)
class PublicFinding:
    category: str
    finding: str
    officer: str


def public_findings(report: Report, *, reporter_anonymous: bool) -> list[PublicFinding]:
    """Findings per allegation on the status page: only when the agency's disclosure setting
    allows it, and never for anonymous reporters (they see the outcome category only)."""
    if reporter_anonymous or not settings.PUBLIC_DISCLOSE_OFFICER_OUTCOMES:
        return []
    allegations = (
        Allegation.objects.filter(report=report)
        .exclude(final_finding="")
        .select_related("involved_officer__officer")
    )
    return [
        PublicFinding(
            category=a.get_category_display(),
            finding=a.get_final_finding_display(),
            officer=a.involved_officer.officer.full_name if a.involved_officer.officer else "",
        )
        for a in allegations
    ]


# Case-list filter -> the lookup it applies.
CASE_FILTERS = {
    "status": "status",
    "kind": "kind",
    "channel": "channel",
    "district": "district",
    "received_from": "received_at__date__gte",
    "received_to": "received_at__date__lte",
    "officer": "officers__officer__badge_number",
}


def without_conflicts(user, reports: QuerySet[Report], field: str = "pk") -> QuerySet[Report]:
    """The reports (or cases, with `field="report_id"`) leaving out those the user is conflicted
    on: the queryset form of `accounts.rules.conflicted`, for lists and queues."""
    if (named := conflict_q(user)) is None:
        return reports
    involved = InvolvedOfficer.objects.filter(named).values("report_id")
    return reports.exclude(**{f"{field}__in": involved})


def reports_for_staff(user, filters: dict | None = None) -> QuerySet[Report]:
    require(user, "complaints.view_cases")
    qs = without_conflicts(
        user, Report.objects.select_related("district").order_by("-received_at", "-pk")
    )
    lookups = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = qs.filter(**{CASE_FILTERS[k]: v for k, v in lookups.items()})
    if "officer" in lookups:
        qs = qs.distinct()
    return qs


def get_report_for_user(user, pk: int) -> Report:
    require(user, "complaints.view_cases")
    report = (
        Report.objects.select_related("district", "received_by")
        .prefetch_related("officers__officer", "people", "attachments__stored_file", "updates")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    # A staff member named in the case, or commanding an officer named in it, may not open it.
    require(user, "complaints.view_cases", report)
    return report


def can_see_personal_data(user, report: Report) -> bool:
    """The one test for every name, contact detail and word of the reporter, witnesses and
    people interviewed (narrative, descriptions, log entries, files' names, added information)."""
    return can(user, "complaints.view_personal_data", report)


# The records the public figures are drawn from (commonground.publish reads only these). A
# duplicate merged into another report is counted once, on the report it was merged into.
def published_reports(kind: str) -> QuerySet[Report]:
    return Report.objects.filter(kind=kind, merged_into=None).order_by()


ENDED = (Status.CLOSED, Status.FORWARDED)


def closed_at(report_field: str = "pk") -> Subquery:
    """When the report named by `report_field` last ended (reports may reopen and end again)."""
    return Subquery(
        StatusChange.objects.filter(report=OuterRef(report_field), to_status__in=ENDED)
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )


def published_closed_reports(kind: str) -> QuerySet[Report]:
    """Reports that have ended, with `closed_at`."""
    return published_reports(kind).filter(status__in=ENDED).annotate(closed_at=closed_at())


def published_allegations() -> QuerySet[Allegation]:
    return Allegation.objects.filter(
        report__kind=Kind.COMPLAINT, report__merged_into=None
    ).order_by()
