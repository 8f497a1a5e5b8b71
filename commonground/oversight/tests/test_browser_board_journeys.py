"""The board's journeys as a new user meets them, in a real browser at phone and desktop width:
a resident finds the meetings from any page and reads a busy meeting's minutes on a phone; board
staff put one case on an agenda, take it off again, and cannot schedule a meeting in the past."""

import datetime

import pytest
from django.utils import timezone

from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import (
    add_to_agenda,
    cast_vote,
    close_review,
    mark_meeting_held,
)
from commonground.oversight.models import Meeting, VoteChoice
from commonground.oversight.selectors import cases_awaiting_board
from commonground.oversight.tests.helpers import concurred, meeting_for, recommend
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# The demo's busiest meeting (manage.py demo_data, seed 42: the most cases on one agenda) has 87
# items; its minutes took about 330 px an item at phone width, some 29,000 px in all.
BUSIEST = 87
# Seven phone screens (844 px each) at most for the whole page, however many items: the summary,
# one row per way the items ended, and the rest folded away.
MOST_PX = 6000


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture
def busiest_meeting(board_staff, members, supervisor, investigator):
    """A held meeting with as many items as the demo's busiest: most concurred unanimously,
    some by a split vote, the rest left undecided."""
    meeting = meeting_for(board_staff, days=-1)
    cases = [case_at_board(supervisor, investigator) for _ in range(BUSIEST)]
    reviews = add_to_agenda(meeting=meeting, cases=cases, by=board_staff)
    split = [VoteChoice.CONCUR, VoteChoice.CONCUR, VoteChoice.DO_NOT_CONCUR]
    for number, review in enumerate(reviews):
        if number % 6 == 5:
            continue  # not decided at this meeting
        if number % 4 == 3:
            recommend(review, board_staff)
            for member, choice in zip(members, split, strict=True):
                cast_vote(review=review, choice=choice, by=member)
            close_review(review=review, by=board_staff)
        else:
            concurred(review, board_staff, members)
    mark_meeting_held(meeting=meeting, by=board_staff)
    return meeting


def test_a_resident_finds_the_meetings_and_reads_the_busiest_minutes_on_a_phone(
    live_server, page, board_staff, busiest_meeting
):
    meeting_for(board_staff, days=12)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto("/en/")
        page.locator("header nav a[href='/en/board/meetings/']").click()
        page.wait_for_load_state()
        assert page.locator("#upcoming ~ section.card").count() == 1
        assert_accessible(page)
        page.locator(f"a[href='/en/board/meetings/{busiest_meeting.pk}/']").click()
        page.wait_for_load_state()

        assert height(page) < MOST_PX, viewport
        assert page.locator("#minutes-summary").is_visible()
        assert page.locator("#item-1").is_hidden()  # folded in a <details>, no script needed
        assert_accessible(page)
        page.locator("#every-item > summary").click()
        assert page.locator(f"#item-{BUSIEST}").is_visible()
        assert_accessible(page)

    # The same in Spanish, on a phone: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    page.goto("/es/board/meetings/")
    assert page.locator("#upcoming").inner_text() == "Próximas reuniones"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.goto(f"/es/board/meetings/{busiest_meeting.pk}/")
    assert height(page) < MOST_PX
    assert page.locator("#by-result").inner_text() == "Votos por resultado"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_board_staff_put_one_case_on_an_agenda_and_take_it_off_again(
    live_server, page, sign_in_browser, board_staff, supervisor, investigator, viewport
):
    waiting = [case_at_board(supervisor, investigator) for _ in range(3)]
    meeting = meeting_for(board_staff, days=7)
    sign_in_browser(board_staff)
    page.set_viewport_size(viewport)
    page.goto(f"/en/staff/board/meetings/{meeting.pk}/")

    assert page.locator("input[name='agenda-cases']:checked").count() == 0
    page.locator(f"input[name='agenda-cases'][value='{waiting[1].pk}']").check()
    page.locator("main form[action$='/do/agenda/'] [type=submit]").click()
    page.wait_for_load_state()
    assert [r.case_id for r in meeting.reviews.all()] == [waiting[1].pk]
    # A button on each row, and the page still no wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)

    page.locator("main form[action$='/do/remove/'] [type=submit]").click()
    page.wait_for_load_state()
    assert not meeting.reviews.exists()
    assert {item.case.pk for item in cases_awaiting_board(board_staff)} == {c.pk for c in waiting}
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_meeting_in_the_past_is_refused_next_to_the_date_and_nothing_typed_is_lost(
    live_server, page, sign_in_browser, board_staff, viewport
):
    sign_in_browser(board_staff)
    page.set_viewport_size(viewport)
    page.goto("/en/staff/board/")
    last_week = timezone.localdate() - datetime.timedelta(days=7)

    page.fill("#id_schedule-title", "Special meeting")
    page.fill("#id_schedule-date", last_week.isoformat())
    page.fill("#id_schedule-time", "18:30")
    page.fill("#id_schedule-place", "Library, room 4")
    page.locator("main form[action$='/do/schedule/'] [type=submit]").click()
    page.wait_for_load_state()

    assert not Meeting.objects.exists()
    assert page.locator("#id_schedule-date_error").is_visible()
    assert page.input_value("#id_schedule-title") == "Special meeting"
    assert page.input_value("#id_schedule-date") == last_week.isoformat()
    assert page.input_value("#id_schedule-place") == "Library, room 4"
    assert_accessible(page)
