"""One complaint's whole journey in a real browser: filed by a resident, triaged, investigated,
approved, reviewed and voted on by the board, decided by the agency head, and its outcome read
by the resident on the status page. Every staff page on the way is checked with axe-core.
Pages are driven by input names and values, never by their wording."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.complaints.models import Outcome, Report, Status
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.oversight.actions import cast_vote
from commonground.oversight.models import CaseReview, Vote
from commonground.testing.browser import (
    PERSONA_TOTP_SECRET,
    assert_accessible,
    choose,
    continue_step,
    fill_kind,
    fill_what,
    fill_when,
    fresh_totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("on_commit_immediately")]


def submit(page, action: str) -> None:
    """Press the button of the form posting to .../do/<action>/ and wait for the next page."""
    form = page.locator(f"main form[action*='/do/{action}/']")
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def confirm_with_code(page) -> None:
    page.wait_for_url("**/accounts/2fa/reauthenticate/**")
    page.fill("input[name=code]", fresh_totp_code(PERSONA_TOTP_SECRET))
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/en/staff/cases/**")


def open_details(page, action: str) -> None:
    details = page.locator(f"main details:has(form[action*='/do/{action}/'])")
    if details.count() and not details.first.evaluate("d => d.open"):
        details.first.locator("summary").click()


def file_a_complaint(page, officer) -> str:
    page.goto("/en/report/kind/")
    fill_kind(page, "complaint")
    choose(page, "reporter_type", "self")
    page.fill("#id_name", "Maria Lopez")
    choose(page, "contact_method", "email")
    page.fill("#id_email", "maria@example.org")
    continue_step(page)
    fill_when(page, location="Main St & 3rd Ave")
    fill_what(page, "The officer pushed me against the car and called me names.")
    page.fill("#officer-q", officer.last_name)
    match = page.locator("#officer-matches li").filter(has_text=officer.badge_number)
    match.locator("button[name=action][value=pick]").click()
    continue_step(page)
    continue_step(page)  # people: none
    continue_step(page)  # files: none
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()
    return page.locator("#tracking-code").inner_text().strip()


def test_a_complaint_from_the_public_form_to_a_board_vote_and_a_public_outcome(
    live_server, page, sign_in_browser, supervisor, investigator
):
    _agency, _district, _unit, officers = agency_with_officers(2)
    code = file_a_complaint(page, officers[0])
    report = Report.objects.get()
    case_page = f"/en/staff/cases/{report.pk}/"

    # Triage: the supervisor opens the case, classifies the allegation and routes it.
    sign_in_browser(supervisor)
    page.goto(case_page)
    assert_accessible(page)
    submit(page, "open")
    open_details(page, "allegation")
    page.select_option("select[name='allegation-category']", "use_of_force")
    page.fill("input[name='allegation-summary']", "Pushed the complainant against a car")
    submit(page, "allegation")
    assert report.allegations.count() == 1
    choose(page, "route-to", Status.INVESTIGATION)
    page.select_option("select[name='route-investigator']", str(investigator.pk))
    page.fill("textarea[name='route-reason']", "Use of force: full investigation.")
    submit(page, "route")
    assert Report.objects.get(pk=report.pk).status == Status.INVESTIGATION
    assert_accessible(page)
    page.goto("/en/staff/queues/")
    assert_accessible(page)
    page.goto("/en/staff/overview/")
    assert_accessible(page)

    # The investigator logs an interview, proposes a finding and sends it for approval.
    sign_in_browser(investigator)
    page.goto(case_page)
    open_details(page, "log")
    page.select_option("select[name='log-kind']", "interview")
    page.fill("input[name='log-occurred_on']", timezone.localdate().isoformat())
    page.fill("input[name='log-person']", "The complainant")
    page.fill("textarea[name='log-summary']", "Confirmed the account; body camera requested.")
    submit(page, "log")
    allegation = report.allegations.get()
    page.select_option(f"select[name='findings-finding_{allegation.pk}']", "sustained")
    page.fill(f"textarea[name='findings-rationale_{allegation.pk}']", "Body camera shows a push.")
    submit(page, "findings")
    # Changing a finding asks for the second factor again; what was typed is then saved.
    confirm_with_code(page)
    submit(page, "submit")
    assert Report.objects.get(pk=report.pk).status == Status.SUPERVISOR_REVIEW
    assert_accessible(page)

    # The supervisor approves: the case goes to the board.
    sign_in_browser(supervisor)
    page.goto(case_page)
    choose(page, "review-decision", "approved")
    submit(page, "review")
    confirm_with_code(page)
    assert Report.objects.get(pk=report.pk).status == Status.BOARD_REVIEW

    # Board staff schedule a meeting and put the case on its agenda.
    board_staff = make_staff("board-staff", Role.BOARD_STAFF)
    members = [make_staff(f"member-{i}", Role.BOARD_MEMBER) for i in range(3)]
    sign_in_browser(board_staff)
    page.goto("/en/staff/board/")
    assert_accessible(page)
    page.fill("input[name='schedule-title']", "Monthly board meeting")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("input[name='schedule-date']", tomorrow.isoformat())
    page.fill("input[name='schedule-time']", "18:00")
    page.locator("main form[action$='/do/schedule/'] [type=submit]").click()
    page.wait_for_load_state()
    open_details(page, "agenda")
    page.locator("main form[action*='/do/agenda/'] [type=submit]").first.click()
    page.wait_for_load_state()
    review = CaseReview.objects.get(case__report=report)

    # A member votes in the browser; two more vote, reaching the quorum.
    sign_in_browser(members[0])
    page.goto(f"/en/staff/board/reviews/{review.pk}/")
    assert_accessible(page)
    choose(page, "vote-choice", "concur")
    page.locator("main form[action$='/do/vote/'] [type=submit]").click()
    page.wait_for_load_state()
    for member in members[1:]:
        cast_vote(review=review, choice="concur", by=member)
    assert Vote.objects.filter(review=review).count() == 3

    # Board staff record the recommendation and close the review.
    sign_in_browser(board_staff)
    page.goto(f"/en/staff/board/reviews/{review.pk}/")
    page.select_option(f"select[name='recommend-discipline_{allegation.pk}']", "written_reprimand")
    page.locator("main form[action$='/do/recommend/'] [type=submit]").click()
    page.wait_for_load_state()
    page.locator("main form[action$='/do/close/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Report.objects.get(pk=report.pk).status == Status.AGENCY_DECISION
    assert_accessible(page)

    # The agency head follows the board's recommendation; the case closes.
    chief = make_staff("chief", Role.AGENCY_HEAD)
    sign_in_browser(chief)
    page.goto(f"/en/staff/cases/{report.pk}/board/")
    assert_accessible(page)
    page.locator("main form[action$='/do/decide/'] [type=submit]").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.SUSTAINED)
    assert report.allegations.get().final_finding == "sustained"

    # The resident reads the outcome, and heard of each milestone by e-mail.
    page.context.clear_cookies()
    page.goto("/en/status/")
    page.fill("#id_code", code)
    page.locator("main form[action$='/status/'] [type=submit]").click()
    page.wait_for_load_state()
    assert "Sustained: the officer broke a rule" in page.locator("main").inner_text()
    assert_accessible(page)
    subjects = [m.subject for m in mail.outbox if m.to == ["maria@example.org"]]
    assert subjects[1:] == [
        "Your report: Under investigation",
        "Your report: Under review by the civilian oversight board",
        "Your report: Closed",
    ]
