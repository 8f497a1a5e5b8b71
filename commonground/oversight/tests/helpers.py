"""Board meetings and full board reviews, built through the same actions the board pages use."""

import datetime

import time_machine
from django.utils import timezone

from commonground.oversight.actions import (
    Line,
    add_to_agenda,
    cast_vote,
    close_review,
    record_recommendation,
    schedule_meeting,
)
from commonground.oversight.models import CaseReview, VoteChoice


def meeting_for(board_staff, *, days: int = -1, title: str = "Regular meeting"):
    """A meeting `days` from now (yesterday by default, so it can be marked as held), scheduled
    a week before it starts, as a meeting is never scheduled in the past."""
    starts_at = timezone.now() + datetime.timedelta(days=days)
    with time_machine.travel(min(timezone.now(), starts_at - datetime.timedelta(days=7))):
        return schedule_meeting(
            title=title,
            starts_at=starts_at,
            place="City Hall, room 2",
            how_to_attend="Open to all; sign up to speak at the door.",
            by=board_staff,
        )


def recommend(review: CaseReview, board_staff, finding="sustained", level="written_reprimand"):
    lines = {a.pk: Line(finding, level) for a in review.case.report.allegations.all()}
    record_recommendation(review=review, lines=lines, by=board_staff)
    return lines


def concurred(review: CaseReview, board_staff, members, notes="") -> CaseReview:
    """The board recommends a written reprimand on every allegation, votes to concur and closes
    the review: the case awaits the agency's decision."""
    recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    return close_review(review=review, notes=notes, by=board_staff)


def on_agenda(board_staff, case, **meeting) -> CaseReview:
    return add_to_agenda(meeting=meeting_for(board_staff, **meeting), cases=[case], by=board_staff)[
        0
    ]
