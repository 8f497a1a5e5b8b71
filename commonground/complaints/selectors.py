from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from commonground.accounts.rules import can, require
from commonground.complaints import tracking
from commonground.complaints.models import Report, Status, StatusChange
from commonground.complaints.status_text import EXPLANATIONS


def get_report_by_code(code: str) -> Report | None:
    """The report a tracking code belongs to, or None; raises MalformedCode for bad input."""
    # Only what the public status page shows: personal data is not even read.
    return (
        Report.objects.filter(tracking_code_hash=tracking.hash_code(code))
        .only("id", "kind", "status", "received_at", "language")
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
    """The stages a report has passed, in plain language, for the person who holds its code."""
    changes = list(StatusChange.objects.filter(report=report))
    return [
        Stage(
            status=change.to_status,
            label=Status(change.to_status).label,
            explanation=EXPLANATIONS[change.to_status],
            reached_at=change.changed_at,
            current=index == len(changes) - 1,
        )
        for index, change in enumerate(changes)
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


def reports_for_staff(user, filters: dict | None = None) -> QuerySet[Report]:
    require(user, "complaints.view_cases")
    qs = Report.objects.select_related("district").order_by("-received_at", "-pk")
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
    return report


def can_see_personal_data(user, report: Report) -> bool:
    return can(user, "complaints.view_personal_data", report)
