"""Personal data inside the agency: names, contact details and people's own words reach only the
assigned investigator, IA supervisors, and intake staff until an investigator is assigned.

Every free-text and personal field of one case carries a marker; each role that may not read them
fetches every page that shows the case, and none of the markers may appear."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonground.accounts.models import Role
from commonground.complaints.actions import OfficerInput, PersonInput, add_report_update
from commonground.complaints.models import AllegationCategory
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.investigations.actions import (
    add_allegation,
    add_log_entry,
    propose_findings,
    review_findings,
    submit_findings,
)
from commonground.investigations.models import ReviewDecision
from commonground.investigations.tests.helpers import case_under_investigation
from commonground.oversight.tests.helpers import on_agenda

pytestmark = pytest.mark.django_db

MARKS = {
    "reporter": "Zelda Quixmark",
    "reporter e-mail": "zelda.quixmark@example.org",
    "relationship": "Relationmark cousin",
    "witness": "Wendell Xyloquist",
    "witness phone": "555-867-5309",
    "narrative": "Narrativemark the officer pushed me",
    "location": "77 Quincemark Lane",
    "officer as named": "Givenmark Smythe",
    "officer description": "Descmark scar over the left eye",
    "vehicle": "Vehiclemark cruiser 12",
    "described officer": "Unknownmark tall sergeant",
    "added later": "Updatemark I remembered more",
    "person interviewed": "Interviewee Yarrowmark",
    "log entry": "Summarymark she saw the push",
    "file name": "filemark-statement.pdf",
}


@pytest.fixture
def marked_case(supervisor, investigator):
    """A case with a marker in every personal and free-text field, on the board's agenda."""
    _, _, _, officers = agency_with_officers(1)
    case = case_under_investigation(
        supervisor,
        investigator,
        reporter_type="on_behalf",
        reporter_relationship=MARKS["relationship"],
        contact={"name": MARKS["reporter"], "email": MARKS["reporter e-mail"]},
        narrative=MARKS["narrative"],
        location=MARKS["location"],
        officers=[
            OfficerInput(
                officer_id=officers[0].pk,
                name_given=MARKS["officer as named"],
                description=MARKS["officer description"],
                vehicle=MARKS["vehicle"],
            ),
            OfficerInput(description=MARKS["described officer"]),
        ],
        people=[PersonInput(role="witness", name=MARKS["witness"], phone=MARKS["witness phone"])],
    )
    described = case.report.officers.get(officer__isnull=True)
    add_allegation(
        case=case, involved=described, category=AllegationCategory.USE_OF_FORCE, by=supervisor
    )
    add_report_update(report=case.report, text=MARKS["added later"])
    add_log_entry(
        case=case,
        kind="interview",
        person=MARKS["person interviewed"],
        summary=MARKS["log entry"],
        by=investigator,
        uploads=[SimpleUploadedFile(MARKS["file name"], b"%PDF-1.4\n%%EOF\n", "application/pdf")],
    )
    propose_findings(
        case=case,
        findings={
            a.pk: ("sustained", "The video shows it.") for a in case.report.allegations.all()
        },
        by=investigator,
    )
    submit_findings(case=case, by=investigator)
    review_findings(case=case, decision=ReviewDecision.APPROVED, comments="", by=supervisor)
    review = on_agenda(make_staff("agenda-keeper", Role.BOARD_STAFF), case)
    return case, review


def pages(case, review):
    report = case.report_id
    return [
        f"/en/staff/cases/{report}/",
        f"/en/staff/cases/{report}/board/",
        f"/en/staff/board/reviews/{review.pk}/",
        f"/en/staff/board/meetings/{review.meeting_id}/",
        "/en/staff/cases/",
    ]


def leaked(client, user, case, review) -> dict[str, list[str]]:
    """Which markers each page the user may open shows them (pages they may not open are
    refused, which leaks nothing)."""
    client.force_login(user)
    found = {}
    for path in pages(case, review):
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        body = response.content.decode()
        shown = [what for what, mark in MARKS.items() if mark in body or mark.lower() in body]
        if shown:
            found[path] = shown
    return found


@pytest.mark.parametrize(
    "role",
    [
        Role.BOARD_MEMBER,
        Role.BOARD_STAFF,
        Role.ANALYST,
        Role.AGENCY_HEAD,
        Role.DECISION_ALTERNATE,
        Role.ADMINISTRATOR,
        Role.INVESTIGATOR,  # not the one assigned
        Role.INTAKE_CLERK,  # the case has an investigator now
    ],
)
def test_roles_without_need_to_know_read_no_name_and_no_ones_words(client, marked_case, role):
    case, review = marked_case
    assert leaked(client, make_staff(f"reader-{role}", role), case, review) == {}


def test_the_assigned_investigator_and_ia_supervisors_read_everything(
    client, marked_case, investigator, supervisor
):
    case, _review = marked_case
    for user in (investigator, supervisor):
        client.force_login(user)
        body = client.get(f"/en/staff/cases/{case.report_id}/").content.decode()
        missing = [what for what, mark in MARKS.items() if mark not in body]
        assert missing == [], user


def test_intake_reads_personal_data_until_an_investigator_is_assigned(client, supervisor):
    from commonground.investigations.tests.helpers import triaged_case

    clerk = make_staff("intake", Role.INTAKE_CLERK)
    case = triaged_case(supervisor, contact={"name": MARKS["reporter"]})
    client.force_login(clerk)
    path = f"/en/staff/cases/{case.report_id}/"
    assert MARKS["reporter"] in client.get(path).content.decode()
    from commonground.investigations.actions import assign_investigator

    assign_investigator(
        case=case, investigator=make_staff("inv-b", Role.INVESTIGATOR), by=supervisor
    )
    assert MARKS["reporter"] not in client.get(path).content.decode()


def test_an_investigator_no_longer_reads_a_case_reassigned_to_someone_else(
    client, investigator, supervisor
):
    from commonground.investigations.actions import assign_investigator

    case = case_under_investigation(supervisor, investigator, contact={"name": MARKS["reporter"]})
    client.force_login(investigator)
    path = f"/en/staff/cases/{case.report_id}/"
    assert MARKS["reporter"] in client.get(path).content.decode()
    assign_investigator(
        case=case, investigator=make_staff("inv-next", Role.INVESTIGATOR), by=supervisor
    )
    assert MARKS["reporter"] not in client.get(path).content.decode()


@pytest.mark.browser
def test_the_case_page_with_and_without_personal_data_is_accessible(
    live_server, page, sign_in_browser, marked_case, investigator
):
    from commonground.testing.browser import assert_accessible

    case, review = marked_case
    case_page = f"/en/staff/cases/{case.report_id}/"
    sign_in_browser(make_staff("board-b", Role.BOARD_MEMBER))
    for address in (case_page, f"/en/staff/board/reviews/{review.pk}/"):
        page.goto(address)
        text = page.locator("main").inner_text()
        assert not [what for what, mark in MARKS.items() if mark in text], address
        assert_accessible(page)
    sign_in_browser(investigator)
    page.goto(case_page)
    assert MARKS["log entry"] in page.locator("main").inner_text()
    assert_accessible(page)
