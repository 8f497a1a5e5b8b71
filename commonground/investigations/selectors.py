import datetime
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonground.accounts.models import Role, User
from commonground.accounts.rules import can, commands, require
from commonground.complaints.models import (
    OPEN_STATUSES,
    InvolvedOfficer,
    InvolvedPerson,
    Kind,
    OfficerRole,
    Report,
    Status,
    StatusChange,
    name_token_digests,
)
from commonground.complaints.selectors import (
    get_report_for_user,
    reports_for_staff,
    without_conflicts,
)
from commonground.evidence.models import Recording
from commonground.investigations.models import Case


def get_case_for_user(user, pk: int) -> tuple[Report, Case | None]:
    """The report with its case file (None before triage), for the case page."""
    report = get_report_for_user(user, pk)
    case = (
        Case.objects.select_related("investigator", "opened_by")
        .prefetch_related("tolls__paused_by", "tolls__resumed_by", "reviews__by")
        .filter(report=report)
        .first()
    )
    if case is not None:
        case.report = report
    return report, case


def assignment_conflicts(case: Case, user: User) -> list[str]:
    """Why this person may not investigate this case; empty when they may."""
    reasons = []
    if not user.is_active or not ({Role.INVESTIGATOR, Role.IA_SUPERVISOR} & user.roles()):
        reasons.append(_("they are not an investigator"))
    involved = list(case.report.officers.select_related("officer__unit"))
    own = user.officer_id
    if own and any(o.officer_id == own and o.role == OfficerRole.SUBJECT for o in involved):
        reasons.append(_("the complaint is about them"))
    if own and any(o.officer_id == own and o.role == OfficerRole.WITNESS for o in involved):
        reasons.append(_("they are a witness in it"))
    elif _named_as_witness(case, user):
        reasons.append(_("they are named as a witness in it"))
    for o in involved:
        if o.officer and commands(user, o.officer):
            reasons.append(_("they command %(officer)s") % {"officer": o.officer})
    units = {user.unit_id, user.officer.unit_id if own else None} - {None}
    for o in involved:
        if o.officer and o.officer.unit_id in units and o.officer_id != own:
            reasons.append(
                _("they work in the same unit (%(unit)s) as %(officer)s")
                % {"unit": o.officer.unit, "officer": o.officer}
            )
    return reasons


def _named_as_witness(case: Case, user: User) -> bool:
    name = " ".join(user.get_full_name().lower().split())
    if not name:
        return False
    people = InvolvedPerson.objects.filter(report=case.report)
    return any(" ".join(p.details.get("name", "").lower().split()) == name for p in people)


@dataclass(frozen=True)
class Candidate:
    user: User
    conflicts: list[str]


def investigator_candidates(case: Case) -> list[Candidate]:
    users = (
        User.objects.filter(groups__name=Role.INVESTIGATOR, is_active=True)
        .select_related("officer__unit", "unit")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )
    return [Candidate(u, assignment_conflicts(case, u)) for u in users]


# --- Who answers for a case --------------------------------------------------------------------

# Staff told of a stage or a deadline: the roles, and what they must be allowed on the case (so a
# conflicted supervisor or agency head is not told, and the head's alternate is where needed).
AUDIENCES = {
    "supervisors": ((Role.IA_SUPERVISOR,), "complaints.view_cases"),
    "board_staff": ((Role.BOARD_STAFF,), "complaints.view_cases"),
    "agency_head": ((Role.AGENCY_HEAD, Role.DECISION_ALTERNATE), "oversight.decide"),
}


def audience_users(audience: str) -> list[User]:
    roles, _permission = AUDIENCES[audience]
    return list(
        User.objects.filter(groups__name__in=roles, is_active=True).distinct().order_by("pk")
    )


def answers_for(user, case: Case, audience: str) -> bool:
    return can(user, AUDIENCES[audience][1], case)


# --- Work queues ---------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _soon() -> datetime.date:
    return _today() + datetime.timedelta(days=settings.DEADLINE_DUE_SOON_DAYS)


@dataclass(frozen=True)
class Queue:
    label: str
    description: str
    condition: object  # a function of the user giving a Q over cases


QUEUES: dict[str, Queue] = {
    "mine": Queue(
        gettext_lazy("My cases"),
        gettext_lazy("Open cases assigned to you."),
        lambda user: Q(investigator=user),
    ),
    "triage": Queue(
        gettext_lazy("Awaiting triage"),
        gettext_lazy("Cases opened for triage but not yet routed."),
        lambda user: Q(report__status=Status.TRIAGE),
    ),
    "unassigned": Queue(
        gettext_lazy("Unassigned"),
        gettext_lazy("Cases under investigation or mediation with no investigator."),
        lambda user: Q(
            investigator__isnull=True,
            report__status__in=[Status.INVESTIGATION, Status.MEDIATION],
        ),
    ),
    "due_soon": Queue(
        gettext_lazy("Due soon"),
        gettext_lazy("Deadlines in the next days, soonest first."),
        lambda user: Q(due_on__gte=_today(), due_on__lte=_soon()),
    ),
    "overdue": Queue(
        gettext_lazy("Overdue"),
        gettext_lazy("Deadlines already passed (paused clocks are not counted)."),
        lambda user: Q(due_on__lt=_today()),
    ),
    "awaiting_approval": Queue(
        gettext_lazy("Awaiting approval"),
        gettext_lazy("Proposed findings waiting for a supervisor."),
        lambda user: Q(report__status=Status.SUPERVISOR_REVIEW),
    ),
    "awaiting_board": Queue(
        gettext_lazy("Awaiting the board"),
        gettext_lazy("Approved findings with the civilian oversight board."),
        lambda user: Q(report__status=Status.BOARD_REVIEW),
    ),
}


def queue_cases(user, name: str) -> QuerySet[Case]:
    require(user, "investigations.queues")
    if name not in QUEUES:
        raise Http404
    return (
        without_conflicts(user, Case.objects.filter(report__status__in=OPEN_STATUSES), "report_id")
        .filter(QUEUES[name].condition(user))
        .select_related("report", "report__district", "investigator")
        .order_by("due_on", "opened_at", "pk")
    )


def queue_counts(user) -> dict[str, int]:
    require(user, "investigations.queues")
    open_cases = without_conflicts(
        user, Case.objects.filter(report__status__in=OPEN_STATUSES), "report_id"
    )
    return open_cases.aggregate(
        **{name: Count("pk", filter=queue.condition(user)) for name, queue in QUEUES.items()}
    )


def new_reports(user) -> QuerySet[Report]:
    """Reports nobody has triaged yet: complaints without a case, commendations to forward."""
    require(user, "investigations.queues")
    return without_conflicts(
        user, Report.objects.filter(status=Status.RECEIVED).order_by("received_at", "pk")
    )


# --- Overview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageFigures:
    status: str
    label: str
    open_now: int
    median_days: float | None
    completed: int


def ia_overview(user) -> list[StageFigures]:
    """Open complaints per stage, and the median days a stage took, over every stage left."""
    require(user, "investigations.overview")
    open_now = dict(
        Report.objects.filter(kind=Kind.COMPLAINT)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    durations: dict[str, list[float]] = defaultdict(list)
    entered: dict[int, tuple[str, datetime.datetime]] = {}
    changes = (
        StatusChange.objects.filter(report__kind=Kind.COMPLAINT)
        .order_by("report_id", "changed_at", "pk")
        .values_list("report_id", "to_status", "changed_at")
        .iterator(chunk_size=5000)
    )
    for report_id, to_status, changed_at in changes:
        if report_id in entered:
            stage, since = entered[report_id]
            durations[stage].append((changed_at - since).total_seconds() / 86400)
        entered[report_id] = (to_status, changed_at)
    return [
        StageFigures(
            status=status.value,
            label=status.label,
            open_now=open_now.get(status, 0) if status != Status.CLOSED else 0,
            median_days=round(statistics.median(durations[status]), 1)
            if durations[status]
            else None,
            completed=len(durations[status]),
        )
        for status in Status
        if status not in (Status.FORWARDED, Status.CLOSED)
    ]


def incident_window(report) -> tuple[datetime.datetime, datetime.datetime]:
    """When the incident happened, widened by the footage margin: the given time, or the whole
    day (or range of days) when the reporter gave none."""
    margin = datetime.timedelta(minutes=settings.FOOTAGE_MATCH_MARGIN_MINUTES)
    zone = timezone.get_current_timezone()
    if report.incident_time is not None:
        moment = datetime.datetime.combine(report.incident_date, report.incident_time, zone)
        return moment - margin, moment + margin
    start = datetime.datetime.combine(report.incident_date, datetime.time.min, zone)
    last_day = report.incident_date_end or report.incident_date
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, zone)
    return start - margin, end + margin


def footage_matches(case: Case) -> list[tuple[Recording, str]]:
    """Recordings by an officer on the case whose time overlaps the incident, with why each
    matched, oldest first."""
    officers = [o.officer for o in case.report.officers.select_related("officer") if o.officer]
    if not officers:
        return []
    start, end = incident_window(case.report)
    recordings = (
        Recording.objects.filter(
            officer__in=officers,
            started_at__lt=end,
            ended_at__gt=start,
            item__disposed_at__isnull=True,
        )
        .select_related("officer", "item")
        .order_by("started_at")
    )
    return [
        (
            recording,
            _(
                "%(officer)s's camera %(device)s recorded from %(start)s to %(end)s, within the incident time."
            )
            % {
                "officer": recording.officer,
                "device": recording.device_id,
                "start": timezone.localtime(recording.started_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(recording.ended_at).strftime("%H:%M"),
            },
        )
        for recording in recordings
    ]


# --- The case list -------------------------------------------------------------------------------

# `?sort=` -> the ordering it applies; "-" in front of a key reverses it. Statuses sort in the
# order of the workflow, not of their names.
STATUS_ORDER = models.Case(*(When(status=s, then=i) for i, s in enumerate(Status.values)))
CASE_SORTS = {
    "received": (F("received_at"),),
    "deadline": (F("case__due_on"),),
    "status": (STATUS_ORDER,),
    "reference": (F("pk"),),
}
DEFAULT_CASE_SORT = "-received"
# CG-2026-000123, cg 2026 123, 2026-000123, CG2026000123, 000123, 123.
REFERENCE_SEARCH = re.compile(
    r"^(?:cg)?[\s-]*(?:((?:19|20)\d{2})(?:[\s-]+|(?=\d{6,}$)))?0*(\d{1,12})$", re.IGNORECASE
)


def parse_reference(text: str) -> tuple[int | None, int] | None:
    """(year or None, number) of a staff reference however it is typed, or None."""
    if match := REFERENCE_SEARCH.match(text.strip()):
        year, number = match.groups()
        return (int(year) if year else None, int(number))
    return None


def names_visible_q(user) -> Q:
    """The reports whose people's names the user may read: the queryset form of
    `accounts.rules._needs_to_know` (IA supervisors; the assigned investigator; intake until an
    investigator is assigned). Conflicts are left out by `reports_for_staff` already."""
    roles = user.roles()
    if Role.IA_SUPERVISOR in roles:
        return Q()
    visible = Q(pk__in=[])
    if Role.INVESTIGATOR in roles:
        visible |= Q(case__investigator=user)
    if Role.INTAKE_CLERK in roles:
        visible |= Q(case__isnull=True) | Q(case__investigator__isnull=True)
    return visible


def _search_q(user, text: str) -> Q:
    """Reports matching a reference (any case, spaces, with or without "CG" and the year), a
    roster officer (badge or name), or a reporter's or involved person's name where the user may
    read names. Names are matched through their blind index, word by word."""
    words = text.split()
    found = Q(pk__in=[])
    if reference := parse_reference(text):
        year, number = reference
        found |= Q(pk=number) & (Q(received_at__year=year) if year else Q())
    badge = text.strip().lstrip("#")
    by_officer = Q(officers__officer__badge_number__iexact=badge)
    by_name = Q()
    for word in words:
        by_name &= Q(officers__officer__first_name__icontains=word) | Q(
            officers__officer__last_name__icontains=word
        )
    found |= by_officer | by_name
    digests = name_token_digests(text)
    if digests:
        reporter, person = Q(), Q()
        for digest in digests:
            reporter &= Q(reporter_name_index__contains=f" {digest} ")
            person &= Q(people__name_index__contains=f" {digest} ")
        found |= (reporter | person) & names_visible_q(user)
    return found


def case_list(user, filters: dict, *, search: str = "", sort: str = "") -> QuerySet[Report]:
    """The reports on the staff case list: filtered, searched, sorted, with the roster officers
    named in each (`named_officers`)."""
    reports = reports_for_staff(user, filters)
    if search.strip():
        matching = reports_for_staff(user, {}).filter(_search_q(user, search)).values("pk")
        reports = reports.filter(pk__in=matching)
    key = sort if sort.lstrip("-") in CASE_SORTS else DEFAULT_CASE_SORT
    descending = key.startswith("-")
    order = [
        e.desc(nulls_last=True) if descending else e.asc(nulls_last=True)
        for e in CASE_SORTS[key.lstrip("-")]
    ]
    tiebreak = "-pk" if descending else "pk"
    named = InvolvedOfficer.objects.filter(officer__isnull=False).select_related("officer")
    return (
        reports.select_related("case")
        .prefetch_related(Prefetch("officers", queryset=named, to_attr="named_officers"))
        .order_by(*order, tiebreak)
    )
