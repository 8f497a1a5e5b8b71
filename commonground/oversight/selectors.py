"""Every read of the oversight board's pages, the agency head's queue and the public minutes.

Board members see a case without the complainant's or witnesses' personal data: the summary
here carries allegations, officers, the proposed findings and the log's kinds and dates, and the
narrative only for roles that may read personal data. The public pages read `public_meetings`,
`get_public_meeting` and `public_minutes` only, which are built from structured fields alone."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonground.accounts.models import Role
from commonground.accounts.rules import can, require
from commonground.complaints.models import (
    Allegation,
    AllegationCategory,
    Report,
    Status,
)
from commonground.complaints.selectors import can_see_personal_data, without_conflicts
from commonground.investigations.models import Case, FindingsReview, ReviewDecision
from commonground.oversight.actions import Line, latest_review
from commonground.oversight.models import (
    AgencyDecision,
    CaseReview,
    DisciplineLevel,
    FinalDiscipline,
    Meeting,
    MeetingStatus,
    Recommendation,
    Recusal,
    ReviewResult,
    Vote,
    VoteChoice,
)


@dataclass(frozen=True)
class Tally:
    concur: int = 0
    do_not_concur: int = 0
    abstain: int = 0
    recused: int = 0

    @property
    def voted(self) -> int:
        return self.concur + self.do_not_concur + self.abstain


def _tallies(review_ids: list[int]) -> dict[int, Tally]:
    votes = Counter(
        Vote.objects.filter(review_id__in=review_ids)
        .values_list("review_id", "choice")
        .order_by()
        .iterator()
    )
    recusals = Counter(
        Recusal.objects.filter(review_id__in=review_ids).values_list("review_id", flat=True)
    )
    return {
        pk: Tally(
            concur=votes[(pk, VoteChoice.CONCUR)],
            do_not_concur=votes[(pk, VoteChoice.DO_NOT_CONCUR)],
            abstain=votes[(pk, VoteChoice.ABSTAIN)],
            recused=recusals[pk],
        )
        for pk in review_ids
    }


def _categories(report_ids: list[int]) -> dict[int, list[str]]:
    """Each report's allegation categories, in words, one per category."""
    found: dict[int, list[str]] = {pk: [] for pk in report_ids}
    rows = (
        Allegation.objects.filter(report_id__in=report_ids)
        .values_list("report_id", "category")
        .order_by("report_id", "category")
        .distinct()
    )
    for report_id, category in rows:
        found[report_id].append(str(AllegationCategory(category).label))
    return found


def _district(report: Report) -> str:
    return report.district.name if report.district_id else _("District unknown")


# --- The board's pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AwaitingCase:
    case: Case
    reference: str
    district: str
    categories: list[str]
    waiting_days: int


def cases_awaiting_board(user) -> list[AwaitingCase]:
    """Cases with approved findings that are on no agenda yet, the longest waiting first."""
    require(user, "oversight.view")
    on_agenda = CaseReview.objects.filter(closed_at__isnull=True).values("case_id")
    cases = list(
        without_conflicts(
            user, Case.objects.filter(report__status=Status.BOARD_REVIEW), "report_id"
        )
        .exclude(pk__in=on_agenda)
        .select_related("report__district")
        .order_by("stage_started_on", "pk")
    )
    categories = _categories([c.report_id for c in cases])
    today = timezone.localdate()
    return [
        AwaitingCase(
            case=c,
            reference=c.report.reference,
            district=_district(c.report),
            categories=categories[c.report_id],
            waiting_days=(today - c.stage_started_on).days,
        )
        for c in cases
    ]


def board_meetings(user) -> tuple[list[Meeting], list[Meeting], list[Meeting]]:
    """Meetings still ahead (soonest first); those whose time has passed but that are not yet
    marked as held, so their minutes are awaited (oldest first); and those held or cancelled
    (latest first). Each with its number of agenda items as `items`."""
    require(user, "oversight.view")
    now = timezone.now()
    meetings = Meeting.objects.annotate(items=Count("reviews"))
    scheduled = meetings.filter(status=MeetingStatus.SCHEDULED).order_by("starts_at", "pk")
    past = meetings.exclude(status=MeetingStatus.SCHEDULED).order_by("-starts_at", "-pk")
    return (
        list(scheduled.filter(starts_at__gt=now)),
        list(scheduled.filter(starts_at__lte=now)),
        list(past),
    )


def get_meeting_for_user(user, pk: int) -> Meeting:
    require(user, "oversight.view")
    meeting = Meeting.objects.filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


@dataclass(frozen=True)
class AgendaItem:
    review: CaseReview
    reference: str
    district: str
    categories: list[str]
    tally: Tally


def agenda(meeting: Meeting, user) -> list[AgendaItem]:
    """The meeting's cases, leaving out those the user is conflicted on."""
    reviews = list(
        without_conflicts(
            user,
            meeting.reviews.select_related("case__report__district").order_by("position", "pk"),
            "case__report_id",
        )
    )
    tallies = _tallies([r.pk for r in reviews])
    categories = _categories([r.case.report_id for r in reviews])
    return [
        AgendaItem(
            review=r,
            reference=r.case.report.reference,
            district=_district(r.case.report),
            categories=categories[r.case.report_id],
            tally=tallies[r.pk],
        )
        for r in reviews
    ]


def get_review_for_user(user, pk: int) -> CaseReview:
    require(user, "oversight.view")
    review = (
        CaseReview.objects.select_related("meeting", "case__report__district", "case__investigator")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404
    review.case.report.case = review.case
    require(user, "oversight.view", review)
    return review


@dataclass(frozen=True)
class LogStep:
    kind: str
    occurred_on: datetime.date


@dataclass(frozen=True)
class CaseSummary:
    """What the board reads about a case. `narrative` is None for roles that may not read
    personal data (board members among them)."""

    report: Report
    district: str
    allegations: list[Allegation]  # with subtype, officer and proposed finding loaded
    approval: FindingsReview | None
    log: list[LogStep]
    narrative: str | None


def case_summary(case: Case, user) -> CaseSummary:
    report = case.report
    allegations = list(
        report.allegations.select_related(
            "subtype",
            "involved_officer__officer",
            "proposed_finding__approved_by",
        ).order_by("pk")
    )
    approval = (
        case.reviews.filter(decision=ReviewDecision.APPROVED)
        .select_related("by")
        .order_by("-at")
        .first()
    )
    log = [
        LogStep(kind=entry.get_kind_display(), occurred_on=entry.occurred_on)
        for entry in case.log.only("kind", "occurred_on", "occurred_at")
    ]
    return CaseSummary(
        report=report,
        district=_district(report),
        allegations=allegations,
        approval=approval,
        log=log,
        narrative=report.narrative if can_see_personal_data(user, report) else None,
    )


@dataclass(frozen=True)
class MemberState:
    """Where one board member stands on one review."""

    is_member: bool
    vote: Vote | None
    recusal: Recusal | None


def member_state(review: CaseReview, user) -> MemberState:
    if Role.BOARD_MEMBER not in user.roles() or not can(user, "oversight.vote"):
        return MemberState(is_member=False, vote=None, recusal=None)
    return MemberState(
        is_member=True,
        vote=review.votes.filter(member=user).first(),
        recusal=review.recusals.filter(member=user).first(),
    )


@dataclass(frozen=True)
class ReviewRecord:
    """A review with what the board decided in it, for the review and case pages."""

    review: CaseReview
    tally: Tally
    votes: list[Vote]
    recusals: list[Recusal]
    recommendations: list[Recommendation]


def review_records(reviews: list[CaseReview]) -> list[ReviewRecord]:
    ids = [r.pk for r in reviews]
    tallies = _tallies(ids)
    votes = Vote.objects.filter(review_id__in=ids).select_related("member")
    recusals = Recusal.objects.filter(review_id__in=ids).select_related("member")
    recommendations = Recommendation.objects.filter(review_id__in=ids).select_related(
        "discipline", "allegation__involved_officer__officer"
    )
    return [
        ReviewRecord(
            review=r,
            tally=tallies[r.pk],
            votes=sorted(
                (v for v in votes if v.review_id == r.pk),
                key=lambda v: (v.member.last_name, v.member.first_name, v.member.username),
            ),
            recusals=[x for x in recusals if x.review_id == r.pk],
            recommendations=sorted(
                (x for x in recommendations if x.review_id == r.pk), key=lambda x: x.allegation_id
            ),
        )
        for r in reviews
    ]


def recommendation_lines(review: CaseReview) -> dict[int, Line]:
    """The starting point of the board's recommendation form: what it recorded, or else the
    approved proposed finding of each allegation."""
    recorded = {
        r.allegation_id: Line(r.finding, r.discipline.code, r.days)
        for r in review.recommendations.select_related("discipline")
    }
    if recorded:
        return recorded
    return {
        a.pk: Line(a.proposed_finding.finding, "", None)
        for a in review.case.report.allegations.select_related("proposed_finding")
        if getattr(a, "proposed_finding", None) and a.proposed_finding.approved_at
    }


@dataclass(frozen=True)
class CaseBoardFile:
    """Everything the board and the agency head decided on one case."""

    report: Report
    case: Case
    reviews: list[ReviewRecord]
    decision: AgencyDecision | None
    allegations: list[Allegation]
    # What the decision form starts from: the board's latest recommendation.
    recommended: dict[int, Line]


def get_case_board_file_for_user(user, report_pk: int) -> CaseBoardFile:
    require(user, "oversight.view")
    case = (
        Case.objects.select_related("report__district", "investigator")
        .filter(report_id=report_pk)
        .first()
    )
    if case is None:
        raise Http404
    case.report.case = case
    require(user, "oversight.view", case)
    reviews = list(
        case.board_reviews.select_related("meeting").order_by("opened_at", "pk"),
    )
    decision = (
        AgencyDecision.objects.filter(case=case)
        .select_related("decided_by")
        .prefetch_related("lines__discipline", "lines__allegation")
        .first()
    )
    latest = latest_review(case)
    recommended = (
        {
            r.allegation_id: Line(r.finding, r.discipline.code, r.days)
            for r in latest.recommendations.select_related("discipline")
        }
        if latest
        else {}
    )
    return CaseBoardFile(
        report=case.report,
        case=case,
        reviews=review_records(reviews),
        decision=decision,
        allegations=list(
            case.report.allegations.select_related("subtype", "involved_officer__officer")
        ),
        recommended=recommended,
    )


def active_ladder() -> list[DisciplineLevel]:
    return list(DisciplineLevel.objects.filter(active=True).order_by("rank"))


# --- The agency head's queue ---------------------------------------------------------------------


@dataclass(frozen=True)
class AwaitingDecision:
    case: Case
    reference: str
    district: str
    categories: list[str]
    waiting_days: int
    due_on: datetime.date | None
    overdue: bool


def decision_queue(user) -> list[AwaitingDecision]:
    """Cases the board has reviewed, waiting for the agency head, the oldest first: those the
    user may decide (not a case the head is conflicted on; for the alternate, only those)."""
    require(user, "oversight.decide")
    cases = [
        case
        for case in Case.objects.filter(report__status=Status.AGENCY_DECISION)
        .select_related("report__district")
        .order_by("stage_started_on", "pk")
        if can(user, "oversight.decide", case)
    ]
    categories = _categories([c.report_id for c in cases])
    today = timezone.localdate()
    return [
        AwaitingDecision(
            case=c,
            reference=c.report.reference,
            district=_district(c.report),
            categories=categories[c.report_id],
            waiting_days=(today - c.stage_started_on).days,
            due_on=c.stage_due_on,
            overdue=bool(c.stage_due_on and c.stage_due_on < today and not c.paused),
        )
        for c in cases
    ]


# --- The public minutes --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMeeting:
    """A meeting as the public notice shows it: never its title (staff's own words)."""

    pk: int
    starts_at: datetime.datetime
    place: str
    how_to_attend: str
    agenda_summary: str
    items: int  # cases on its agenda
    held: bool
    # For a held meeting: how many items ended in each result, "" for those not decided.
    results: dict[str, int]

    @property
    def concurred(self) -> int:
        return self.results.get(ReviewResult.CONCUR, 0)

    @property
    def not_concurred(self) -> int:
        return self.results.get(ReviewResult.DO_NOT_CONCUR, 0)

    @property
    def sent_back(self) -> int:
        return self.results.get(ReviewResult.MORE_INVESTIGATION, 0)

    @property
    def undecided(self) -> int:
        return self.results.get("", 0)


@dataclass(frozen=True)
class PublicNotice:
    upcoming: list[PublicMeeting]  # soonest first
    awaiting_minutes: list[PublicMeeting]  # its time has passed; not yet marked as held
    held: list[PublicMeeting]  # latest first


def _held() -> Q:
    return Q(status=MeetingStatus.HELD)


_PUBLIC_FIELDS = ("pk", "starts_at", "place", "how_to_attend", "agenda_summary", "status")


def _public(rows, results: dict[int, dict[str, int]]) -> list[PublicMeeting]:
    return [
        PublicMeeting(
            pk=row["pk"],
            starts_at=row["starts_at"],
            place=row["place"],
            how_to_attend=row["how_to_attend"],
            agenda_summary=row["agenda_summary"],
            items=row["n"],
            held=row["status"] == MeetingStatus.HELD,
            results=results.get(row["pk"], {}),
        )
        for row in rows
    ]


def _results(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    rows = (
        CaseReview.objects.filter(meeting_id__in=meeting_ids)
        .values_list("meeting_id", "result")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for meeting_id, result, n in rows:
        found.setdefault(meeting_id, {})[result] = n
    return found


def public_meetings() -> PublicNotice:
    """The public notice of board meetings: those ahead (with where and how to attend), those
    awaiting their minutes, and those held, each with its counts by result."""
    now = timezone.now()
    rows = Meeting.objects.exclude(status=MeetingStatus.CANCELLED).annotate(n=Count("reviews"))
    scheduled = rows.filter(status=MeetingStatus.SCHEDULED).order_by("starts_at", "pk")
    held = list(rows.filter(_held()).order_by("-starts_at", "-pk").values(*_PUBLIC_FIELDS, "n"))
    return PublicNotice(
        upcoming=_public(scheduled.filter(starts_at__gt=now).values(*_PUBLIC_FIELDS, "n"), {}),
        awaiting_minutes=_public(
            scheduled.filter(starts_at__lte=now).values(*_PUBLIC_FIELDS, "n"), {}
        ),
        held=_public(held, _results([row["pk"] for row in held])),
    )


def get_public_meeting(pk: int) -> PublicMeeting:
    rows = list(
        Meeting.objects.filter(_held(), pk=pk)
        .annotate(n=Count("reviews"))
        .values(*_PUBLIC_FIELDS, "n")
    )
    if not rows:
        raise Http404
    return _public(rows, _results([pk]))[0]


# Each result in a word or two, for the table of every item.
SHORT_RESULTS = {
    ReviewResult.CONCUR: gettext_lazy("Concurred"),
    ReviewResult.DO_NOT_CONCUR: gettext_lazy("Did not concur"),
    ReviewResult.MORE_INVESTIGATION: gettext_lazy("Sent back"),
    "": gettext_lazy("Not decided"),
}


@dataclass(frozen=True)
class MinutesItem:
    number: int
    tally: Tally
    result: str  # in a word or two (SHORT_RESULTS)


@dataclass(frozen=True)
class MinutesGroup:
    """Items that ended the same way by the same vote: one row of the minutes' summary table."""

    result: str
    tally: Tally
    numbers: list[int]


@dataclass(frozen=True)
class Minutes:
    items: list[MinutesItem]
    groups: list[MinutesGroup]


def public_minutes(meeting: PublicMeeting) -> Minutes:
    """The minutes of a held meeting: for each item, how the board voted and what it concluded,
    and the items grouped by result and vote.

    Nothing about the case itself: its district, the kinds of allegation and the discipline
    recommended, listed case by case, made counts of one that the open data's tables hide, and
    let an item be matched to the records. Those appear only in the open data, counted with
    every other case under the same suppression."""
    reviews = list(
        CaseReview.objects.filter(meeting_id=meeting.pk, meeting__status=MeetingStatus.HELD)
        .order_by("position", "pk")
        .values_list("pk", "result")
    )
    tallies = _tallies([pk for pk, _result in reviews])
    items = [
        MinutesItem(
            number=number,
            tally=tallies[pk],
            result=str(SHORT_RESULTS.get(result, SHORT_RESULTS[""])),
        )
        for number, (pk, result) in enumerate(reviews, start=1)
    ]
    grouped: dict[tuple[str, Tally], list[int]] = {}
    for item in items:
        grouped.setdefault((item.result, item.tally), []).append(item.number)
    groups = sorted(
        (MinutesGroup(result=r, tally=t, numbers=ns) for (r, t), ns in grouped.items()),
        key=lambda g: (-len(g.numbers), g.numbers[0]),
    )
    return Minutes(items=items, groups=groups)


# The records the public figures are drawn from (commonground.publish reads only these).
def published_decisions():
    return AgencyDecision.objects.order_by()


def published_discipline():
    return FinalDiscipline.objects.order_by()
