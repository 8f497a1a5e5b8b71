"""Building a meeting's agenda: one case at a time, nothing chosen for the clerk, items taken off
again before the meeting; meetings only in the future, and a passed meeting is not upcoming."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import (
    BoardError,
    add_to_agenda,
    cast_vote,
    remove_from_agenda,
    schedule_meeting,
)
from commonground.oversight.models import CaseReview, Meeting, VoteChoice
from commonground.oversight.selectors import board_meetings, cases_awaiting_board
from commonground.oversight.tests.helpers import meeting_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def url(name, *args):
    return reverse(f"oversight:{name}", args=args)


@pytest.fixture
def waiting(supervisor, investigator):
    """Three cases awaiting the board."""
    return [case_at_board(supervisor, investigator) for _ in range(3)]


def test_no_waiting_case_is_chosen_before_the_clerk_chooses_it(client, board_staff, waiting):
    meeting = meeting_for(board_staff, days=7)
    client.force_login(board_staff)

    for address in (url("board_home"), url("meeting_detail", meeting.pk)):
        page = client.get(address).content.decode()
        boxes = re.findall(r"<input[^>]*name=\"agenda-cases\"[^>]*>", page)
        assert len(boxes) >= len(waiting)
        assert not [box for box in boxes if "checked" in box]


def test_adding_one_case_adds_that_case_only(client, board_staff, waiting):
    meeting = meeting_for(board_staff, days=7)
    client.force_login(board_staff)

    response = client.post(
        url("meeting_action", meeting.pk, "agenda"), {"agenda-cases": [waiting[1].pk]}
    )

    assert response.status_code == 302
    assert list(meeting.reviews.values_list("case_id", flat=True)) == [waiting[1].pk]
    left = {item.case.pk for item in cases_awaiting_board(board_staff)}
    assert left == {waiting[0].pk, waiting[2].pk}


def test_an_item_taken_off_the_agenda_waits_for_the_board_again(client, board_staff, waiting):
    meeting = meeting_for(board_staff, days=7)
    first, second = add_to_agenda(meeting=meeting, cases=waiting[:2], by=board_staff)
    client.force_login(board_staff)

    page = client.get(url("meeting_detail", meeting.pk)).content.decode()
    assert url("meeting_action", meeting.pk, "remove") in page
    response = client.post(url("meeting_action", meeting.pk, "remove"), {"remove-item": first.pk})

    assert response.status_code == 302
    assert list(meeting.reviews.all()) == [second]
    assert waiting[0].pk in {item.case.pk for item in cases_awaiting_board(board_staff)}
    event = AuditEvent.objects.filter(action="board.remove_from_agenda").get()
    assert event.actor_id == board_staff.pk
    assert event.data["case"] == waiting[0].pk


def test_only_board_staff_take_items_off_an_agenda(client, board_staff, members, waiting):
    meeting = meeting_for(board_staff, days=7)
    (review,) = add_to_agenda(meeting=meeting, cases=waiting[:1], by=board_staff)
    client.force_login(members[0])

    response = client.post(url("meeting_action", meeting.pk, "remove"), {"remove-item": review.pk})

    assert response.status_code == 403
    assert CaseReview.objects.filter(pk=review.pk).exists()


def test_an_item_of_another_meeting_is_not_taken_off_this_one(client, board_staff, waiting):
    this = meeting_for(board_staff, days=7)
    other = meeting_for(board_staff, days=14)
    (review,) = add_to_agenda(meeting=other, cases=waiting[:1], by=board_staff)
    client.force_login(board_staff)

    response = client.post(url("meeting_action", this.pk, "remove"), {"remove-item": review.pk})

    assert response.status_code == 400
    assert "That case is no longer on this agenda." in response.content.decode()
    assert CaseReview.objects.filter(pk=review.pk).exists()


def test_an_item_with_votes_or_a_held_meeting_stays_on_the_agenda(board_staff, members, waiting):
    soon = meeting_for(board_staff, days=7)
    (voted,) = add_to_agenda(meeting=soon, cases=waiting[:1], by=board_staff)
    cast_vote(review=voted, choice=VoteChoice.CONCUR, by=members[0])
    started = meeting_for(board_staff, days=-1)
    (late,) = add_to_agenda(meeting=started, cases=waiting[1:2], by=board_staff)

    with pytest.raises(BoardError, match="voted"):
        remove_from_agenda(review=voted, by=board_staff)
    with pytest.raises(BoardError, match="started"):
        remove_from_agenda(review=late, by=board_staff)
    assert CaseReview.objects.filter(pk__in=[voted.pk, late.pk]).count() == 2


def test_a_meeting_cannot_be_scheduled_in_the_past_and_what_was_typed_is_kept(client, board_staff):
    client.force_login(board_staff)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        url("schedule_meeting"),
        {
            "schedule-title": "Special meeting on the budget",
            "schedule-date": yesterday.isoformat(),
            "schedule-time": "18:30",
            "schedule-place": "Library, room 4",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert not Meeting.objects.exists()
    assert 'id="id_schedule-date_error"' in page or "schedule-date_error" in page
    assert "in the future" in page
    assert 'value="Special meeting on the budget"' in page
    assert f'value="{yesterday.isoformat()}"' in page
    assert 'value="18:30"' in page
    assert 'value="Library, room 4"' in page
    with pytest.raises(BoardError):
        schedule_meeting(
            title="Late", starts_at=timezone.now() - datetime.timedelta(hours=2), by=board_staff
        )


def test_a_meeting_whose_time_has_passed_is_awaiting_minutes_not_upcoming(client, board_staff):
    ahead = meeting_for(board_staff, days=3, title="Next month")
    passed = meeting_for(board_staff, days=-2, title="Last week")
    client.force_login(board_staff)

    upcoming, awaiting_minutes, _past = board_meetings(board_staff)
    page = client.get(url("board_home")).content.decode()

    assert upcoming == [ahead]
    assert [m.pk for m in awaiting_minutes] == [passed.pk]
    upcoming_part = page.split('id="upcoming"')[1].split('id="awaiting-minutes"')[0]
    assert "Next month" in upcoming_part and "Last week" not in upcoming_part
    assert "Last week" in page.split('id="awaiting-minutes"')[1]
