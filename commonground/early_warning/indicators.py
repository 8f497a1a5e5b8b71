"""Counts per officer over a window of days, read from the records other apps keep.

Each indicator is one query for every officer at once (grouped by officer), so running all the
detectors over a large agency costs a handful of queries, not one per officer.
"""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import (
    Allegation,
    AllegationCategory,
    Finding,
    InvolvedOfficer,
    Kind,
    OfficerRole,
    Status,
    StatusChange,
)
from commonground.early_warning.models import CONTEXT_ONLY, Exposure, Indicator
from commonground.roster.models import Assignment, Commendation, Officer
from commonground.stops.models import ForceUsed
from commonground.stops.selectors import stop_counts_by_officer


def _grouped(queryset, officer_field: str, distinct: str = "pk") -> Counter:
    rows = queryset.values(officer_field).annotate(n=Count(distinct, distinct=True))
    return Counter({row[officer_field]: row["n"] for row in rows})


def _stop_figures(officers: Iterable[Officer], start, end) -> dict[int, object]:
    by_badge = stop_counts_by_officer(start, end)
    return {o.pk: by_badge[o.badge_number] for o in officers if o.badge_number in by_badge}


# Each complaint status's place in settings.OFFICER_COMPLAINT_STAGES, the order in which the
# agency's policy may let an officer learn of a complaint. Mediation ranks with investigation
# (the officer takes part in it); a complaint closed in triage is seen once closed.
STAGE_OF_STATUS = {
    Status.RECEIVED: "received",
    Status.TRIAGE: "triage",
    Status.INVESTIGATION: "investigation",
    Status.MEDIATION: "investigation",
    Status.SUPERVISOR_REVIEW: "supervisor_review",
    Status.BOARD_REVIEW: "board_review",
    Status.AGENCY_DECISION: "agency_decision",
    Status.CLOSED: "closed",
    Status.FORWARDED: "closed",
}


# When, under each setting, the officer named learns of a complaint (for their own page).
WHEN_OFFICER_SEES = {
    "received": _("as soon as it is received"),
    "triage": _("once its triage starts"),
    "investigation": _("once its investigation (or a mediation) opens"),
    "supervisor_review": _("once the investigator's findings go for approval"),
    "board_review": _("once it goes to the civilian oversight board"),
    "agency_decision": _("once it awaits the agency's decision"),
    "closed": _("once it is closed"),
}


def statuses_officer_sees() -> list[str]:
    """The statuses from which the officer named may know of a complaint
    (settings.OFFICER_SEES_COMPLAINT_FROM and every later stage)."""
    order = list(settings.OFFICER_COMPLAINT_STAGES)
    first = order.index(settings.OFFICER_SEES_COMPLAINT_FROM)
    return [status for status, stage in STAGE_OF_STATUS.items() if order.index(stage) >= first]


def seen_by_officer_q(report_field: str = "report") -> Q:
    """Reports that have reached the stage from which the officer may know of them (`report_field`
    names the report; "" for a query of reports). The history counts, not only the current
    status: a case sent back from review stays known."""
    statuses = statuses_officer_sees()
    if set(statuses) == set(Status.values):
        return Q()
    reached = StatusChange.objects.filter(
        report=OuterRef(report_field or "pk"), to_status__in=statuses
    )
    status = f"{report_field}__status__in" if report_field else "status__in"
    return Q(**{status: statuses}) | Q(Exists(reached))


def _named_in_complaints(officer_ids: list[int], start, end, *, seen_by_officer: bool = False):
    named = InvolvedOfficer.objects.filter(
        officer_id__in=officer_ids,
        role=OfficerRole.SUBJECT,
        report__kind=Kind.COMPLAINT,
        report__merged_into__isnull=True,
        report__received_at__date__range=(start, end),
    )
    return named.filter(seen_by_officer_q()) if seen_by_officer else named


def counts(
    indicator: str,
    officers: list[Officer],
    start: datetime.date,
    end: datetime.date,
    *,
    category: str = "",
    seen_by_officer: bool = False,
) -> Counter:
    """officer pk -> events of `indicator` dated from `start` to `end` inclusive.

    `seen_by_officer` counts only what the officers themselves may know of: complaints (and the
    sustained allegations of complaints) that have reached the agency's stage for telling the
    officer (settings.OFFICER_SEES_COMPLAINT_FROM).

    Complaints are dated by when they were received and counted once per report (merged
    duplicates left out); sustained allegations by when their report was received; use of force
    by the incident's date; stops by the stop's date; commendations by when they were received."""
    ids = [o.pk for o in officers]
    if indicator == Indicator.COMPLAINTS:
        named = _named_in_complaints(ids, start, end, seen_by_officer=seen_by_officer)
        if category:
            named = named.filter(allegations__category=category)
        return _grouped(named, "officer_id", "report")
    if indicator == Indicator.SUSTAINED:
        sustained = Allegation.objects.filter(
            involved_officer__officer_id__in=ids,
            final_finding=Finding.SUSTAINED,
            report__received_at__date__range=(start, end),
        )
        if seen_by_officer:
            sustained = sustained.filter(seen_by_officer_q())
        return _grouped(sustained, "involved_officer__officer_id")
    if indicator in (Indicator.USE_OF_FORCE, Indicator.FORCE_INJURIES):
        force = ForceUsed.objects.filter(
            officer_id__in=ids, incident__occurred_on__range=(start, end)
        )
        if indicator == Indicator.FORCE_INJURIES:
            force = force.filter(incident__subject_injured=True)
        return _grouped(force, "officer_id", "incident")
    if indicator == Indicator.COMMENDATIONS:
        praise = Commendation.objects.filter(officer_id__in=ids, received_on__range=(start, end))
        return _grouped(praise, "officer_id")
    field = STOP_FIELDS[indicator]
    return Counter({pk: getattr(f, field) for pk, f in _stop_figures(officers, start, end).items()})


def days_assigned(officers: list[Officer], start: datetime.date, end: datetime.date) -> Counter:
    """officer pk -> days from `start` to `end` on which the officer held an assignment."""
    days: Counter = Counter()
    overlapping = Assignment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start),
        officer__in=officers,
        started_on__lte=end,
    )
    for officer_id, started, ended in overlapping.values_list(
        "officer_id", "started_on", "ended_on"
    ):
        first, last = max(started, start), min(ended or end, end)
        days[officer_id] += (last - first).days + 1
    return days


def exposures(
    exposure: str, officers: list[Officer], start: datetime.date, end: datetime.date
) -> Counter | None:
    """officer pk -> the amount of `exposure`, or None when the comparison uses plain counts."""
    if exposure == Exposure.NONE:
        return None
    if exposure == Exposure.DAYS_ASSIGNED:
        return days_assigned(officers, start, end)
    return counts(exposure, officers, start, end)


# The windows an officer's record shows, in days.
RECORD_WINDOWS = (90, 180, 365)
STOP_FIELDS = {
    Indicator.STOPS: "stops",
    Indicator.SEARCHES: "searches",
    Indicator.FRUITLESS_SEARCHES: "fruitless",
}


def complaints_by_category(officer: Officer, start, end, *, seen_by_officer=False) -> Counter:
    """category -> complaints naming the officer with an allegation of that category against
    them (a complaint with allegations of two categories counts in both)."""
    named = _named_in_complaints([officer.pk], start, end, seen_by_officer=seen_by_officer).filter(
        allegations__category__isnull=False
    )
    return _grouped(named, "allegations__category", "report")


def _hit_rate(stops) -> str:
    if not stops or not stops.searches:
        return "—"
    return f"{stops.hits / stops.searches:.0%}"


def complaints_counted(
    indicator: str, officer: Officer, start, end, *, category: str = ""
) -> list[int]:
    """The complaints (report pks) behind the officer's count of `indicator`, for the alert to
    keep; none for indicators that are not complaints."""
    if indicator == Indicator.COMPLAINTS:
        named = _named_in_complaints([officer.pk], start, end)
        if category:
            named = named.filter(allegations__category=category)
        return sorted(set(named.values_list("report_id", flat=True)))
    if indicator == Indicator.SUSTAINED:
        sustained = Allegation.objects.filter(
            involved_officer__officer=officer,
            final_finding=Finding.SUSTAINED,
            report__received_at__date__range=(start, end),
        )
        return sorted(set(sustained.values_list("report_id", flat=True)))
    return []


def unseen_by_officer(indicator: str, officer: Officer, start, end, *, category: str = "") -> int:
    """How many of the officer's events of `indicator` from `start` to `end` the officer may
    not know of yet (complaints before the policy's stage; nothing else is withheld)."""
    if indicator not in (Indicator.COMPLAINTS, Indicator.SUSTAINED):
        return 0
    every = counts(indicator, [officer], start, end, category=category)
    seen = counts(indicator, [officer], start, end, category=category, seen_by_officer=True)
    return every[officer.pk] - seen[officer.pk]


def officer_record(
    officer: Officer, today: datetime.date, *, seen_by_officer: bool = False
) -> list[dict]:
    """Every indicator for one officer over each of RECORD_WINDOWS ending `today`, as table rows
    {"label", "context", "detail", "values": [one per window]}: complaints are followed by
    their categories (those seen in the longest window) and searches by the share that found
    contraband. Stop records are read once per window. `seen_by_officer` is for the officer's
    own page: complaints the officer may not know of yet are left out of every figure."""
    columns = []
    for days in RECORD_WINDOWS:
        start = today - datetime.timedelta(days=days - 1)
        stops = _stop_figures([officer], start, today).get(officer.pk)
        column = {
            indicator: (getattr(stops, STOP_FIELDS[indicator], 0) if stops else 0)
            if indicator in STOP_FIELDS
            else counts(indicator, [officer], start, today, seen_by_officer=seen_by_officer)[
                officer.pk
            ]
            for indicator in Indicator
        }
        column["categories"] = complaints_by_category(
            officer, start, today, seen_by_officer=seen_by_officer
        )
        column["hit_rate"] = _hit_rate(stops)
        columns.append(column)

    def row(label, values, *, context=False, detail=False) -> dict:
        return {"label": label, "context": context, "detail": detail, "values": values}

    rows = []
    for indicator in Indicator:
        rows.append(
            row(
                indicator.label,
                [column[indicator] for column in columns],
                context=indicator in CONTEXT_ONLY,
            )
        )
        if indicator == Indicator.COMPLAINTS:
            rows += [
                row(category.label, [c["categories"][category] for c in columns], detail=True)
                for category in AllegationCategory
                if columns[-1]["categories"][category]
            ]
        if indicator == Indicator.FRUITLESS_SEARCHES:
            rows.append(
                row(
                    _("Share of searches that found contraband"),
                    [column["hit_rate"] for column in columns],
                    detail=True,
                )
            )
    return rows
