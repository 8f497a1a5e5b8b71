"""The board's people and a case on a meeting's agenda, built through the same actions the board
pages use."""

import pytest

from commonground.accounts.models import Role
from commonground.complaints.models import AllegationCategory
from commonground.conftest import make_staff
from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.tests.helpers import on_agenda

TWO_ALLEGATIONS = (AllegationCategory.DISCOURTESY, AllegationCategory.USE_OF_FORCE)


def _named(user, first: str, last: str):
    user.first_name, user.last_name, user.email = first, last, f"{user.username}@example.org"
    user.save()
    return user


@pytest.fixture
def board_staff(db):
    return _named(make_staff("board-staff", Role.BOARD_STAFF), "Bea", "Clerkson")


@pytest.fixture
def members(db):
    """Three board members: a quorum (settings.BOARD_QUORUM is 3)."""
    return [
        _named(make_staff(f"member-{i}", Role.BOARD_MEMBER), f"Member{i}", f"Boardsen{i}")
        for i in range(3)
    ]


@pytest.fixture
def agency_head(db):
    return _named(make_staff("chief", Role.AGENCY_HEAD), "Pat", "Chiefly")


@pytest.fixture
def at_board(supervisor, investigator):
    """A case with two allegations whose findings (sustained) the supervisor approved."""
    investigator.email = "investigator@example.org"
    investigator.save()
    return case_at_board(supervisor, investigator, categories=TWO_ALLEGATIONS)


@pytest.fixture
def review(board_staff, at_board):
    """The case on the agenda of a meeting that started yesterday."""
    return on_agenda(board_staff, at_board)
