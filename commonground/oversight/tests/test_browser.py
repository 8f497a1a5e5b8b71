"""The board's pages in a real browser, with axe-core: the public minutes, and a member reading a
case and voting on it. Pages are driven by input names and values, never by their wording."""

import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import (
    add_to_agenda,
    cast_vote,
    close_review,
    declare_recusal,
    mark_meeting_held,
)
from commonground.oversight.models import Vote, VoteChoice
from commonground.oversight.tests.helpers import concurred, meeting_for, recommend
from commonground.testing.browser import assert_accessible, choose

pytestmark = pytest.mark.browser


def test_public_minutes_and_a_members_review_page_are_accessible(
    live_server, page, sign_in_browser, supervisor, investigator, board_staff, members, review
):
    # A held meeting with one decided item, for the public minutes.
    held = meeting_for(board_staff, title="Last month")
    decided = case_at_board(supervisor, investigator)
    past = add_to_agenda(meeting=held, cases=[decided], by=board_staff)[0]
    declare_recusal(review=past, reason="Conflict of interest.", by=members[0])
    recommend(past, board_staff)
    voters = [*members[1:], make_staff("member-3", Role.BOARD_MEMBER)]
    choices = [VoteChoice.CONCUR, VoteChoice.ABSTAIN, VoteChoice.DO_NOT_CONCUR]
    for member, choice in zip(voters, choices, strict=True):
        cast_vote(review=past, choice=choice, by=member)
    close_review(review=past, notes="Split vote.", by=board_staff)
    mark_meeting_held(meeting=held, by=board_staff)

    page.goto("/en/board/meetings/")
    assert page.locator(f"main a[href='/en/board/meetings/{held.pk}/']").count() == 1
    assert_accessible(page)
    page.goto(f"/en/board/meetings/{held.pk}/")
    assert page.locator("#minutes-summary").is_visible()
    assert page.locator("tr[id^='item-']").count() == 1
    assert_accessible(page)

    # A member reads the open review and votes on it.
    sign_in_browser(members[0])
    page.goto(f"/en/staff/board/reviews/{review.pk}/")
    assert page.locator("input[name='vote-choice']").count() == 3
    assert_accessible(page)
    page.locator("main details:has(form[action$='/do/recuse/']) > summary").click()
    page.locator("main form[action$='/do/recuse/'] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1  # a recusal needs a reason
    assert_accessible(page)
    choose(page, "vote-choice", VoteChoice.CONCUR)
    page.locator("main form[action$='/do/vote/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Vote.objects.get(review=review, member=members[0]).choice == VoteChoice.CONCUR
    assert page.locator("input[name='vote-choice'][value='concur']").is_checked()
    assert_accessible(page)


def test_the_board_staff_and_agency_head_pages_are_accessible(
    live_server, page, sign_in_browser, board_staff, members, agency_head, review, at_board
):
    sign_in_browser(board_staff)
    for address in (
        "/en/staff/board/",
        f"/en/staff/board/meetings/{review.meeting_id}/",
        f"/en/staff/board/reviews/{review.pk}/",
    ):
        page.goto(address)
        assert_accessible(page)
    concurred(review, board_staff, members)
    sign_in_browser(agency_head)
    page.goto("/en/staff/decisions/")
    assert_accessible(page)
    page.goto(f"/en/staff/cases/{at_board.report_id}/board/")
    assert page.locator("textarea[name='decide-explanation']").count() == 1
    assert_accessible(page)
