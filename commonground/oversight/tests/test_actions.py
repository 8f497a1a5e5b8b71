import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.complaints.models import Finding, Outcome, Report, Status
from commonground.conftest import make_staff
from commonground.investigations.actions import StaleCase
from commonground.investigations.models import Case
from commonground.oversight.actions import (
    BoardError,
    Line,
    add_to_agenda,
    cast_vote,
    close_review,
    declare_recusal,
    latest_review,
    mark_meeting_held,
    record_agency_decision,
    record_recommendation,
    request_more_investigation,
)
from commonground.oversight.models import (
    AgencyDecision,
    CaseReview,
    DisciplineLevel,
    MeetingStatus,
    Recommendation,
    Recusal,
    ReviewResult,
    Vote,
    VoteChoice,
)
from commonground.oversight.tests.helpers import concurred, meeting_for, on_agenda, recommend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def refused(message: str):
    return pytest.raises(BoardError, match=message)


# --- The agenda and the meeting ------------------------------------------------------------------


def test_an_agenda_takes_only_cases_awaiting_the_board_once(board_staff, at_board, review):
    other = meeting_for(board_staff, days=7)
    with refused("is already on an agenda"):
        add_to_agenda(meeting=other, cases=[at_board], by=board_staff)
    with refused("Choose at least one case"):
        add_to_agenda(meeting=other, cases=[], by=board_staff)
    assert CaseReview.objects.filter(case=at_board).count() == 1


def test_a_meeting_is_marked_held_only_once_it_has_started(board_staff, at_board):
    meeting = meeting_for(board_staff, days=3)
    with refused("before it starts"):
        mark_meeting_held(meeting=meeting, by=board_staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    started = meeting_for(board_staff)
    mark_meeting_held(meeting=started, by=board_staff)
    with refused("This meeting is not scheduled."):
        mark_meeting_held(meeting=started, by=board_staff)
    with refused("still to be held"):
        add_to_agenda(meeting=started, cases=[at_board], by=board_staff)


def test_only_board_staff_manage_meetings(board_member, at_board):
    with pytest.raises(PermissionDenied):
        meeting_for(board_member)


# --- Votes and recusals --------------------------------------------------------------------------


def test_a_recused_member_cannot_vote(review, members):
    declare_recusal(review=review, reason="My cousin is the officer's partner.", by=members[0])
    with refused("You recused yourself from this case, so you cannot vote on it."):
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    assert not Vote.objects.exists()


@pytest.mark.parametrize("role", ["board_staff", "ia_supervisor", "agency_head"])
def test_someone_who_is_not_a_member_cannot_vote(review, role):
    outsider = make_staff(f"outsider-{role}", role)
    with refused("Only members of the oversight board can do this."):
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=outsider)
    with refused("Only members of the oversight board can do this."):
        declare_recusal(review=review, reason="A reason.", by=outsider)
    assert not Vote.objects.exists() and not Recusal.objects.exists()


def test_a_member_may_change_a_vote_until_the_review_closes(review, members, board_staff):
    cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=members[0])
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    assert list(Vote.objects.values_list("choice", flat=True)) == [VoteChoice.CONCUR]
    with refused("Choose concur, do not concur or abstain."):
        cast_vote(review=review, choice="maybe", by=members[0])


def test_a_vote_after_the_review_closed_is_refused(review, members, board_staff):
    concurred(review, board_staff, members)
    late = make_staff("late-member", "board_member")
    with refused("The review of this case is closed."):
        cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=late)
    with refused("The review of this case is closed."):
        cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=members[0])
    assert set(Vote.objects.values_list("choice", flat=True)) == {VoteChoice.CONCUR}


def test_a_recusal_needs_a_reason(review, members):
    with refused("Give the reason for your recusal."):
        declare_recusal(review=review, reason="   ", by=members[0])
    assert not Recusal.objects.exists()


def test_a_recusal_comes_before_a_vote(review, members):
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    with refused("You have already voted on this case; a recusal comes before a vote."):
        declare_recusal(review=review, reason="I know the complainant.", by=members[0])
    declare_recusal(review=review, reason="I know the complainant.", by=members[1])
    with refused("You have already recused yourself"):
        declare_recusal(review=review, reason="Again.", by=members[1])
    assert Recusal.objects.get().member == members[1]
    assert Vote.objects.get().member == members[0]


# --- Closing the review --------------------------------------------------------------------------


def test_closing_without_a_quorum_is_refused(review, members, board_staff):
    recommend(review, board_staff)
    for member in members[:2]:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    declare_recusal(review=review, reason="Conflict of interest.", by=members[2])
    with refused("No quorum: 2 members voted and 3 must."):
        close_review(review=review, by=board_staff)
    review.refresh_from_db()
    assert review.is_open and review.result == ""
    assert Report.objects.get(pk=review.case.report_id).status == Status.BOARD_REVIEW


def test_abstentions_count_towards_the_quorum(review, members, board_staff):
    recommend(review, board_staff)
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    cast_vote(review=review, choice=VoteChoice.ABSTAIN, by=members[1])
    cast_vote(review=review, choice=VoteChoice.ABSTAIN, by=members[2])
    close_review(review=review, by=board_staff)
    assert review.result == ReviewResult.CONCUR


def test_closing_needs_the_recommendation_on_every_allegation(review, members, board_staff):
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    with refused("Record the board's recommendation on every allegation first."):
        close_review(review=review, by=board_staff)


def test_not_concurring_needs_the_boards_reasons(review, members, board_staff, at_board):
    recommend(review, board_staff, finding=Finding.NOT_SUSTAINED, level="none")
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=members[1])
    cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=members[2])
    with refused("The board did not concur: give its reasons."):
        close_review(review=review, notes="  ", by=board_staff)
    review.refresh_from_db()
    assert review.is_open
    close_review(review=review, notes="The video contradicts the finding.", by=board_staff)
    review.refresh_from_db()
    assert review.result == ReviewResult.DO_NOT_CONCUR
    assert review.notes == "The video contradicts the finding."
    assert Report.objects.get(pk=at_board.report_id).status == Status.AGENCY_DECISION


def test_a_tie_is_not_a_concurrence(review, members, board_staff):
    recommend(review, board_staff)
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=members[1])
    cast_vote(review=review, choice=VoteChoice.ABSTAIN, by=members[2])
    with refused("give its reasons"):
        close_review(review=review, by=board_staff)


def test_closing_tells_the_agency_head(review, members, board_staff, agency_head):
    mail.outbox.clear()
    concurred(review, board_staff, members)
    assert [m.to for m in mail.outbox] == [[agency_head.email]]
    assert "the agency's decision is due" in mail.outbox[0].body
    case = Case.objects.get(pk=review.case_id)
    assert case.stage_due_on == timezone.localdate() + datetime.timedelta(days=30)
    event = AuditEvent.objects.filter(action="board.close_review").get()
    assert event.data["concur"] == 3 and event.data["result"] == ReviewResult.CONCUR


def test_a_stale_version_refuses_closing_and_changes_nothing(review, members, board_staff):
    recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    seen = review.case.version
    Case.objects.filter(pk=review.case_id).update(version=seen + 1)  # someone else saved it
    with pytest.raises(StaleCase):
        close_review(review=review, by=board_staff, version=seen)
    review.refresh_from_db()
    assert review.is_open
    assert Report.objects.get(pk=review.case.report_id).status == Status.BOARD_REVIEW


# --- The recommendation and the discipline ladder ------------------------------------------------


@pytest.mark.parametrize(
    ("level", "days", "message"),
    [
        ("flogging", None, "“flogging” is not on the discipline ladder."),
        ("retired", None, "“retired” is not on the discipline ladder."),
        ("suspension", None, "Suspension needs a number of days from 1 to 30."),
        ("suspension", 31, "Suspension needs a number of days from 1 to 30."),
        ("suspension", 0, "Suspension needs a number of days from 1 to 30."),
        ("written_reprimand", 5, "Written reprimand does not take a number of days."),
    ],
)
def test_a_recommendation_off_the_ladder_is_refused(review, board_staff, level, days, message):
    DisciplineLevel.objects.create(code="retired", names={"en": "Retired"}, rank=5, active=False)
    lines = {
        a.pk: Line(Finding.SUSTAINED, level, days) for a in review.case.report.allegations.all()
    }
    with refused(message):
        record_recommendation(review=review, lines=lines, by=board_staff)
    assert not Recommendation.objects.exists()


def test_a_recommendation_covers_every_allegation_with_a_known_finding(review, board_staff):
    allegations = list(review.case.report.allegations.all())
    with refused("for every allegation"):
        record_recommendation(
            review=review, lines={allegations[0].pk: Line("sustained", "none")}, by=board_staff
        )
    with refused("Choose a finding from the list."):
        record_recommendation(
            review=review, lines={a.pk: Line("guilty", "none") for a in allegations}, by=board_staff
        )
    assert not Recommendation.objects.exists()


def test_a_suspension_within_the_ladder_is_recorded_and_can_be_revised(review, board_staff):
    allegations = list(review.case.report.allegations.all())
    lines = {
        allegations[0].pk: Line(Finding.SUSTAINED, "suspension", 10),
        allegations[1].pk: Line(Finding.NOT_SUSTAINED, "none"),
    }
    record_recommendation(review=review, lines=lines, by=board_staff)
    record_recommendation(review=review, lines=lines, by=board_staff)
    saved = {
        r.allegation_id: (r.finding, r.discipline.code, r.days)
        for r in Recommendation.objects.all()
    }
    assert saved == {
        allegations[0].pk: ("sustained", "suspension", 10),
        allegations[1].pk: ("not_sustained", "none", None),
    }


def test_only_board_staff_record_the_recommendation(review, members):
    with pytest.raises(PermissionDenied):
        recommend(review, members[0])


# --- More investigation --------------------------------------------------------------------------


def test_more_investigation_sends_the_case_back_with_a_new_stage_clock(
    review, board_staff, investigator, at_board
):
    mail.outbox.clear()
    later = timezone.now() + datetime.timedelta(days=12)
    with time_machine.travel(later, tick=False):
        with refused("Say what the board wants investigated."):
            request_more_investigation(review=review, reason=" ", by=board_staff)
        request_more_investigation(
            review=review, reason="Interview the second officer.", by=board_staff
        )
    review.refresh_from_db()
    case = Case.objects.select_related("report").get(pk=at_board.pk)
    assert case.report.status == Status.INVESTIGATION
    assert case.stage_started_on == timezone.localdate(later)
    assert (review.result, review.notes) == (
        ReviewResult.MORE_INVESTIGATION,
        "Interview the second officer.",
    )
    assert [m.to for m in mail.outbox if m.to == [investigator.email]] == [[investigator.email]]
    assert latest_review(case) is None  # the next review starts afresh


# --- The agency's decision -----------------------------------------------------------------------


def _decide(case, head, lines, **kwargs):
    return record_agency_decision(case=case, lines=lines, by=head, **kwargs)


def test_a_decision_that_follows_the_board_closes_the_case(
    review, members, board_staff, agency_head, at_board
):
    lines = recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    close_review(review=review, by=board_staff)
    mail.outbox.clear()
    decision = _decide(at_board, agency_head, lines)
    assert decision.concurs_with_board
    assert decision.explanation == ""
    report = Report.objects.get(pk=at_board.report_id)
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.SUSTAINED)
    assert set(report.allegations.values_list("final_finding", flat=True)) == {Finding.SUSTAINED}
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]


def test_a_decision_that_differs_needs_an_explanation(
    review, members, board_staff, agency_head, at_board
):
    concurred(review, board_staff, members)
    first, second = at_board.report.allegations.order_by("pk")
    lines = {
        first.pk: Line(Finding.SUSTAINED, "written_reprimand"),
        second.pk: Line(Finding.NOT_SUSTAINED, "none"),
    }
    with refused("The decision differs from the board's recommendation: explain why."):
        _decide(at_board, agency_head, lines, explanation="")
    assert not AgencyDecision.objects.exists()
    assert Report.objects.get(pk=at_board.report_id).status == Status.AGENCY_DECISION
    assert set(at_board.report.allegations.values_list("final_finding", flat=True)) == {""}

    decision = _decide(at_board, agency_head, lines, explanation="The video is inconclusive.")
    assert not decision.concurs_with_board
    per_allegation = dict(decision.lines.values_list("allegation_id", "concurs_with_board"))
    assert per_allegation == {first.pk: True, second.pk: False}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.final_finding, second.final_finding) == (Finding.SUSTAINED, Finding.NOT_SUSTAINED)
    report = Report.objects.get(pk=at_board.report_id)
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.SUSTAINED)  # most serious


def test_different_days_of_suspension_differ_from_the_board(
    review, members, board_staff, agency_head, at_board
):
    allegations = list(at_board.report.allegations.order_by("pk"))
    board = {a.pk: Line(Finding.SUSTAINED, "suspension", 10) for a in allegations}
    record_recommendation(review=review, lines=board, by=board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    close_review(review=review, by=board_staff)
    lesser = {**board, allegations[1].pk: Line(Finding.SUSTAINED, "suspension", 5)}
    with refused("explain why"):
        _decide(at_board, agency_head, lesser)
    assert _decide(at_board, agency_head, board).concurs_with_board


def test_the_decision_is_taken_only_by_the_agency_head_at_its_stage(
    review, members, board_staff, agency_head, at_board
):
    lines = {a.pk: Line(Finding.SUSTAINED, "none") for a in at_board.report.allegations.all()}
    with refused("not awaiting the agency's decision"):
        _decide(at_board, agency_head, lines)
    concurred(review, board_staff, members)
    with pytest.raises(PermissionDenied):
        _decide(at_board, board_staff, lines)


def test_a_stale_version_refuses_the_decision(review, members, board_staff, agency_head, at_board):
    lines = recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    close_review(review=review, by=board_staff)
    case = Case.objects.get(pk=at_board.pk)
    with pytest.raises(StaleCase):
        _decide(case, agency_head, lines, version=case.version - 1)
    assert not AgencyDecision.objects.exists()
    assert Report.objects.get(pk=at_board.report_id).status == Status.AGENCY_DECISION


def test_a_case_sent_back_can_return_to_a_later_agenda(review, board_staff, supervisor, at_board):
    from commonground.investigations.actions import review_findings, submit_findings

    request_more_investigation(review=review, reason="Find the dash camera.", by=board_staff)
    case = Case.objects.get(pk=at_board.pk)
    submit_findings(case=case, by=case.investigator)
    review_findings(case=case, decision="approved", comments="", by=supervisor)
    second = on_agenda(board_staff, case, days=2)
    assert second.pk != review.pk and second.is_open
