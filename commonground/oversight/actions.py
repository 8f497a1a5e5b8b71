"""Every write of the civilian oversight board and of the agency's response to it.

Status changes of the case go through `investigations.actions.transition_case`; these actions
validate the board's part first (membership, recusals, quorum, the discipline ladder)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonground.accounts.models import Role
from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.complaints.models import Allegation, Finding, Status
from commonground.investigations.actions import CaseError, claim_case, transition_case
from commonground.investigations.models import Case
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


class BoardError(CaseError):
    """A board or agency step the rules refuse; the message is for the person who tried it."""


@dataclass(frozen=True)
class Line:
    """A finding and a discipline for one allegation, as the board or the agency head set it."""

    finding: str
    discipline: str  # a DisciplineLevel code
    days: int | None = None


def too_early(starts_at: datetime.datetime) -> bool:
    """Whether a meeting starting then would start in the past. Times are typed to the minute,
    so a meeting set for the current minute still counts as ahead."""
    return starts_at < timezone.now().replace(second=0, microsecond=0)


@transaction.atomic
def schedule_meeting(
    *,
    title: str,
    starts_at: datetime.datetime,
    by,
    place: str = "",
    how_to_attend: str = "",
    agenda_summary: str = "",
) -> Meeting:
    require(by, "oversight.manage")
    if not title.strip():
        raise BoardError(_("Give the meeting a title."))
    if too_early(starts_at):
        raise BoardError(_("A meeting can only be scheduled in the future."))
    meeting = Meeting.objects.create(
        title=title.strip(),
        starts_at=starts_at,
        place=place.strip(),
        how_to_attend=how_to_attend.strip(),
        agenda_summary=agenda_summary.strip(),
        created_by=by,
    )
    record(actor=by, action="board.schedule_meeting", target=meeting)
    return meeting


@transaction.atomic
def add_to_agenda(*, meeting: Meeting, cases: list[Case], by) -> list[CaseReview]:
    """Put cases awaiting the board on a meeting's agenda, each opening its review."""
    require(by, "oversight.manage")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise BoardError(_("Cases can only be added to a meeting that is still to be held."))
    if not cases:
        raise BoardError(_("Choose at least one case."))
    position = meeting.reviews.aggregate(last=Max("position"))["last"] or 0
    reviews = []
    for case in cases:
        if case.report.status != Status.BOARD_REVIEW:
            raise BoardError(
                _("%(ref)s is not awaiting the board.") % {"ref": case.report.reference}
            )
        if CaseReview.objects.filter(case=case, closed_at__isnull=True).exists():
            raise BoardError(_("%(ref)s is already on an agenda.") % {"ref": case.report.reference})
        position += 1
        review = CaseReview.objects.create(
            case=case, meeting=meeting, position=position, opened_at=timezone.now()
        )
        record(actor=by, action="board.add_to_agenda", target=review, data={"case": case.pk})
        reviews.append(review)
    return reviews


@transaction.atomic
def remove_from_agenda(*, review: CaseReview, by) -> Case:
    """Take a case off a meeting's agenda before the meeting: it waits for the board again.

    Only while nothing has been recorded on it, so no vote, recusal or recommendation is lost."""
    require(by, "oversight.manage")
    # Locked first, so a vote cast meanwhile waits for this and then finds no review, rather
    # than being deleted with it unseen.
    review = (
        CaseReview.objects.select_for_update().select_related("meeting", "case").get(pk=review.pk)
    )
    meeting = review.meeting
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= timezone.now():
        raise BoardError(_("The meeting has started: its agenda can no longer change."))
    _require_open(review)
    if review.votes.exists() or review.recusals.exists() or review.recommendations.exists():
        raise BoardError(
            _(
                "Members have already voted, stepped aside or recommended on this case, so it "
                "stays on the agenda."
            )
        )
    case = review.case
    record(
        actor=by,
        action="board.remove_from_agenda",
        target=meeting,
        data={"case": case.pk, "review": review.pk},
    )
    review.delete()
    return case


@transaction.atomic
def mark_meeting_held(*, meeting: Meeting, by) -> Meeting:
    """The meeting took place; its public minutes appear."""
    require(by, "oversight.manage")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise BoardError(_("This meeting is not scheduled."))
    if meeting.starts_at > timezone.now():
        raise BoardError(_("A meeting cannot be marked as held before it starts."))
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    record(actor=by, action="board.meeting_held", target=meeting)
    return meeting


def _require_member(user) -> None:
    if user is None or Role.BOARD_MEMBER not in user.roles():
        raise BoardError(_("Only members of the oversight board can do this."))
    require(user, "oversight.vote")


def _require_open(review: CaseReview) -> None:
    if not review.is_open:
        raise BoardError(_("The review of this case is closed."))


@transaction.atomic
def declare_recusal(*, review: CaseReview, reason: str, by) -> Recusal:
    """A member steps aside from one case (a conflict of interest), before voting on it."""
    _require_member(by)
    _require_open(review)
    if not reason.strip():
        raise BoardError(_("Give the reason for your recusal."))
    if review.votes.filter(member=by).exists():
        raise BoardError(_("You have already voted on this case; a recusal comes before a vote."))
    if review.recusals.filter(member=by).exists():
        raise BoardError(_("You have already recused yourself from this case."))
    recusal = Recusal.objects.create(
        review=review, member=by, reason=reason.strip(), declared_at=timezone.now()
    )
    record(actor=by, action="board.recuse", target=review)
    return recusal


@transaction.atomic
def cast_vote(*, review: CaseReview, choice: str, by) -> Vote:
    """A member's vote on whether the board concurs with the findings; it may be changed until
    the review closes."""
    _require_member(by)
    _require_open(review)
    if review.recusals.filter(member=by).exists():
        raise BoardError(_("You recused yourself from this case, so you cannot vote on it."))
    if choice not in VoteChoice.values:
        raise BoardError(_("Choose concur, do not concur or abstain."))
    vote, _created = Vote.objects.update_or_create(
        review=review, member=by, defaults={"choice": choice, "cast_at": timezone.now()}
    )
    record(actor=by, action="board.vote", target=review, data={"choice": choice})
    return vote


def _validated_lines(
    case: Case, lines: dict[int, Line]
) -> list[tuple[Allegation, Line, DisciplineLevel]]:
    """Every allegation of the case, each with a finding and a rung of the ladder."""
    allegations = list(case.report.allegations.order_by("pk"))
    if {a.pk for a in allegations} != set(lines):
        raise BoardError(_("Give a finding and a discipline level for every allegation."))
    ladder = {level.code: level for level in DisciplineLevel.objects.filter(active=True)}
    checked = []
    for allegation in allegations:
        line = lines[allegation.pk]
        if line.finding not in Finding.values:
            raise BoardError(_("Choose a finding from the list."))
        level = ladder.get(line.discipline)
        if level is None:
            raise BoardError(
                _("“%(level)s” is not on the discipline ladder.") % {"level": line.discipline}
            )
        if level.takes_days:
            if not line.days or line.days < 1 or (level.max_days and line.days > level.max_days):
                raise BoardError(
                    _("%(level)s needs a number of days from 1 to %(max)s.")
                    % {"level": level.name, "max": level.max_days or "…"}
                )
        elif line.days:
            raise BoardError(_("%(level)s does not take a number of days.") % {"level": level.name})
        checked.append((allegation, line, level))
    return checked


@transaction.atomic
def record_recommendation(*, review: CaseReview, lines: dict[int, Line], by) -> None:
    """The board's recommended finding and discipline on each allegation."""
    require(by, "oversight.manage")
    _require_open(review)
    checked = _validated_lines(review.case, lines)
    review.recommendations.all().delete()
    Recommendation.objects.bulk_create(
        Recommendation(
            review=review,
            allegation=allegation,
            finding=line.finding,
            discipline=level,
            days=line.days if level.takes_days else None,
        )
        for allegation, line, level in checked
    )
    record(
        actor=by,
        action="board.recommend",
        target=review,
        data={str(a.pk): [line.finding, level.code, line.days] for a, line, level in checked},
    )


def tally(review: CaseReview) -> dict[str, int]:
    counts = {choice: 0 for choice in VoteChoice.values}
    for choice in review.votes.values_list("choice", flat=True):
        counts[choice] += 1
    return counts


@transaction.atomic
def close_review(
    *, review: CaseReview, by, notes: str = "", version: int | None = None
) -> CaseReview:
    """Close the board's review once a quorum has voted: the recommendation goes to the agency
    head, whose response is then due."""
    require(by, "oversight.manage")
    _require_open(review)
    claim_case(review.case, version)
    counts = tally(review)
    voted = sum(counts.values())
    if voted < settings.BOARD_QUORUM:
        raise BoardError(
            ngettext(
                "No quorum: %(voted)d member voted and %(quorum)d must.",
                "No quorum: %(voted)d members voted and %(quorum)d must.",
                voted,
            )
            % {"voted": voted, "quorum": settings.BOARD_QUORUM}
        )
    if review.recommendations.count() != review.case.report.allegations.count():
        raise BoardError(_("Record the board's recommendation on every allegation first."))
    concurs = counts[VoteChoice.CONCUR] > counts[VoteChoice.DO_NOT_CONCUR]
    if not concurs and not notes.strip():
        raise BoardError(_("The board did not concur: give its reasons."))
    review.result = ReviewResult.CONCUR if concurs else ReviewResult.DO_NOT_CONCUR
    review.closed_at, review.notes = timezone.now(), notes.strip()
    review.save(update_fields=["result", "closed_at", "notes"])
    record(
        actor=by,
        action="board.close_review",
        target=review,
        data={**counts, "result": review.result},
    )
    transition_case(report=review.case.report, to=Status.AGENCY_DECISION, by=by, reason=notes)
    return review


@transaction.atomic
def request_more_investigation(
    *, review: CaseReview, reason: str, by, version: int | None = None
) -> CaseReview:
    """The board sends the case back to the investigator; the stage clock starts again."""
    require(by, "oversight.manage")
    _require_open(review)
    claim_case(review.case, version)
    if not reason.strip():
        raise BoardError(_("Say what the board wants investigated."))
    review.result = ReviewResult.MORE_INVESTIGATION
    review.closed_at, review.notes = timezone.now(), reason.strip()
    review.save(update_fields=["result", "closed_at", "notes"])
    record(actor=by, action="board.more_investigation", target=review)
    transition_case(report=review.case.report, to=Status.INVESTIGATION, by=by, reason=reason)
    return review


def latest_review(case: Case) -> CaseReview | None:
    return (
        CaseReview.objects.filter(case=case, closed_at__isnull=False)
        .exclude(result=ReviewResult.MORE_INVESTIGATION)
        .order_by("-closed_at")
        .first()
    )


@transaction.atomic
def record_agency_decision(
    *, case: Case, lines: dict[int, Line], by, explanation: str = "", version: int | None = None
) -> AgencyDecision:
    """The agency head's final finding and discipline per allegation, and whether they follow
    the board; the case then closes with its outcome."""
    require(by, "oversight.decide", case)
    claim_case(case, version)
    if case.report.status != Status.AGENCY_DECISION:
        raise BoardError(_("This case is not awaiting the agency's decision."))
    checked = _validated_lines(case, lines)
    review = latest_review(case)
    board = {r.allegation_id: r for r in review.recommendations.all()} if review else {}

    def follows(allegation, line, level) -> bool:
        recommended = board.get(allegation.pk)
        return bool(
            recommended
            and recommended.finding == line.finding
            and recommended.discipline_id == level.pk
            and (recommended.days or None) == (line.days if level.takes_days else None)
        )

    concurs = all(follows(*item) for item in checked)
    if not concurs and not explanation.strip():
        raise BoardError(_("The decision differs from the board's recommendation: explain why."))
    decision = AgencyDecision.objects.create(
        case=case,
        decided_by=by,
        decided_at=timezone.now(),
        concurs_with_board=concurs,
        explanation=explanation.strip(),
    )
    for allegation, line, level in checked:
        FinalDiscipline.objects.create(
            decision=decision,
            allegation=allegation,
            finding=line.finding,
            discipline=level,
            days=line.days if level.takes_days else None,
            concurs_with_board=follows(allegation, line, level),
        )
        allegation.final_finding = line.finding
        allegation.save(update_fields=["final_finding"])
    record(
        actor=by,
        action="agency.decide",
        target=case,
        data={
            "concurs": concurs,
            "lines": {str(a.pk): [ln.finding, lv.code] for a, ln, lv in checked},
        },
    )
    transition_case(report=case.report, to=Status.CLOSED, by=by, reason=explanation)
    return decision
