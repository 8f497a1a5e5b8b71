"""The board's public notice: meetings ahead with where and how to attend, meetings awaiting their
minutes, held meetings with a summary, and minutes that group items ending the same way."""

import re

import pytest
from django.urls import reverse

from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import add_to_agenda, mark_meeting_held
from commonground.oversight.tests.helpers import concurred, meeting_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]


def url(name, *args):
    return reverse(f"oversight:{name}", args=args)


def section(page: str, start_id: str, end_id: str | None = None) -> str:
    part = page.split(f'id="{start_id}"', 1)[1]
    return part.split(f'id="{end_id}"', 1)[0] if end_id else part


@pytest.fixture
def held_with_three(board_staff, members, supervisor, investigator):
    """A held meeting: two cases concurred by the same vote, one left undecided."""
    meeting = meeting_for(board_staff, days=-1, title="Staff-only title")
    cases = [case_at_board(supervisor, investigator) for _ in range(3)]
    reviews = add_to_agenda(meeting=meeting, cases=cases, by=board_staff)
    for review in reviews[:2]:
        concurred(review, board_staff, members)
    mark_meeting_held(meeting=meeting, by=board_staff)
    return meeting


def test_upcoming_meetings_say_when_where_and_how_to_attend(client, board_staff, at_board):
    ahead = meeting_for(board_staff, days=10, title="Staff-only title")
    add_to_agenda(meeting=ahead, cases=[at_board], by=board_staff)

    page = client.get(url("public_meetings")).content.decode()

    upcoming = section(page, "upcoming", "past")
    assert f'id="meeting-{ahead.pk}"' in upcoming
    assert "City Hall, room 2" in upcoming
    assert "sign up to speak at the door" in upcoming
    assert "1 case to review" in upcoming
    assert "Staff-only title" not in page


def test_a_meeting_whose_time_has_passed_is_awaiting_minutes_not_upcoming(client, board_staff):
    passed = meeting_for(board_staff, days=-2)

    page = client.get(url("public_meetings")).content.decode()

    assert f'id="meeting-{passed.pk}"' not in section(page, "upcoming", "awaiting-minutes")
    assert f'id="meeting-{passed.pk}"' in section(page, "awaiting-minutes", "past")
    assert "No meeting is scheduled yet." in page


def test_held_meetings_have_a_summary_of_what_the_board_decided(client, held_with_three):
    page = client.get(url("public_meetings")).content.decode()

    past = section(page, "past")
    assert url("public_minutes", held_with_three.pk) in past
    assert "Held at City Hall, room 2." in past
    assert re.search(r"\d{4}: 1 meeting</summary>", past)
    assert "The board reviewed 3 cases: it concurred with the findings in 2" in past
    assert "and left 1 undecided" in past


def test_the_minutes_open_with_a_summary_and_group_items_that_ended_alike(client, held_with_three):
    page = client.get(url("public_minutes", held_with_three.pk)).content.decode()

    summary = section(page, "minutes-summary", "by-result")
    assert "The board reviewed 3 cases" in summary
    rows = re.findall(r"<tr>(.*?)</tr>", section(page, "by-result", "every-item"), re.DOTALL)
    cells = [re.findall(r"<t[hd][^>]*>\s*(.*?)\s*</t[hd]>", row, re.DOTALL) for row in rows]
    # After the header: result, items, concur, do not concur, abstain, recused.
    assert cells[1:] == [
        ["Concurred", "2", "3", "0", "0", "0"],
        ["Not decided", "1", "0", "0", "0", "0"],
    ]
    assert "<details" in page and 'id="item-3"' in page


def test_the_minutes_and_notice_read_in_spanish(client, held_with_three):
    notice = client.get("/es/board/meetings/").content.decode()
    minutes = client.get(f"/es/board/meetings/{held_with_three.pk}/").content.decode()

    assert "Próximas reuniones" in notice
    assert "La junta revisó 3 casos" in notice
    assert "Votos por resultado" in minutes


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_links_to_the_board_meetings(client, language):
    page = client.get(f"/{language}/").content.decode()

    nav = page.split('<nav aria-label="', 1)[1].split("</nav>", 1)[0]
    assert f'href="/{language}/board/meetings/"' in nav
