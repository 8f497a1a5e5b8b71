"""Every journey of the accountability pillar in a real browser, as a new user would make it, in
both languages at phone and desktop width: a resident files a complaint and follows it (the
tracking code survives a switch of language), a clerk takes a phone call with an officer found in
the roster, the supervisor triages, the investigator investigates, the supervisor approves, board
staff build an agenda, three members vote to a quorum, the agency head decides, and the resident
reads the outcome. Every page on the way is checked with axe-core. Pages are driven by input names
and values, never by their wording; what the resident reads is checked in their language."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from commonground.accounts.models import Role
from commonground.complaints.models import Channel, Milestone, Outcome, Report, Status
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.oversight.models import CaseReview, Vote
from commonground.testing.browser import (
    PERSONA_TOTP_SECRET,
    assert_accessible,
    choose,
    continue_step,
    days_ago,
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


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
OTHER_LANGUAGE = {"en": "es", "es": "en"}


def confirm_with_code(page, language: str) -> None:
    page.wait_for_url("**/accounts/2fa/reauthenticate/**")
    assert_accessible(page)
    page.fill("input[name=code]", fresh_totp_code(PERSONA_TOTP_SECRET))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"**/{language}/staff/cases/**")


def open_details(page, action: str) -> None:
    details = page.locator(f"main details:has(form[action*='/do/{action}/'])")
    if details.count() and not details.first.evaluate("d => d.open"):
        details.first.locator("summary").click()


def fits_the_screen(page) -> None:
    """Nothing scrolls sideways: the page is usable at this width without zooming out."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def check(page) -> None:
    assert_accessible(page)
    fits_the_screen(page)


def file_a_complaint(page, officer, language: str) -> str:
    # The live server's first request imports every app's views: slow on a busy machine.
    page.goto(f"/{language}/report/kind/", timeout=60_000)
    check(page)
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
    check(page)
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()
    page.wait_for_load_state()
    code = page.locator("#tracking-code").inner_text().strip()
    check(page)
    # The resident switches language on the confirmation page: the code shown only once is
    # still there, and so it is after switching back.
    other = OTHER_LANGUAGE[language]
    page.locator(f"nav.languages a[hreflang='{other}']").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    assert page.locator("#tracking-code").inner_text().strip() == code
    page.locator(f"nav.languages a[hreflang='{language}']").click()
    page.wait_for_load_state()
    assert page.locator("#tracking-code").inner_text().strip() == code
    return code


def look_up(page, code: str, language: str) -> str:
    page.goto(f"/{language}/status/")
    check(page)
    page.fill("#id_code", code)
    page.locator("main form[action$='/status/'] [type=submit]").click()
    page.wait_for_load_state()
    check(page)
    return page.locator("main").inner_text()


def take_a_phone_call(page, officer, language: str) -> Report:
    page.goto(f"/{language}/staff/intake/", timeout=60_000)
    form = page.locator("main form[data-submit-once]")
    assert form.locator("#id_receipt-channel").input_value() == Channel.PHONE
    form.locator("#id_reporter-name").fill("Dolores Huerta")
    form.locator("#id_reporter-phone").fill("555-201-3344")
    form.locator("#id_when-incident_date").fill(days_ago(2).isoformat())
    form.locator("#id_when-location").fill("Bus stop at 5th and Oak")
    form.locator("#id_what-narrative").fill("Caller says an officer pushed her son.")
    form.locator("#officer-search").press_sequentially(officer.last_name, delay=30)
    pick = form.locator(f"button[value='pick-{officer.pk}']")
    pick.wait_for()
    pick.click()
    form.locator(f"input[name='officer-0-officer_id'][value='{officer.pk}']").wait_for(
        state="attached"
    )
    check(page)
    form.locator(".actions button[value=file]").click()
    page.wait_for_load_state()
    assert len(page.locator("#tracking-code").inner_text().strip()) == 19
    check(page)
    return Report.objects.get(channel=Channel.PHONE)


# Each language and each width once: the journey takes most of a minute, and what differs by
# language or by width is the same on every page of it.
@pytest.mark.parametrize(
    ("language", "viewport"), [("es", PHONE), ("en", DESKTOP)], ids=["es-phone", "en-desktop"]
)
def test_every_journey_from_filing_to_a_public_outcome(
    live_server, page, sign_in_browser, supervisor, investigator, intake_clerk, language, viewport
):
    _agency, _district, _unit, officers = agency_with_officers(2)
    page.set_viewport_size(viewport)

    # File and follow: the resident files, then looks the report up with the code.
    code = file_a_complaint(page, officers[0], language)
    report = Report.objects.get()
    assert report.language == language
    look_up(page, code, language)
    case_page = f"/{language}/staff/cases/{report.pk}/"

    # Intake: a clerk takes a phone call, finding the officer in the roster as they type.
    sign_in_browser(intake_clerk)
    called_in = take_a_phone_call(page, officers[1], language)
    assert called_in.officers.get().officer == officers[1]

    # Triage: the supervisor finds both reports waiting, opens the resident's, classifies the
    # allegation and routes it to an investigator.
    sign_in_browser(supervisor)
    page.goto(f"/{language}/staff/queues/new/")
    check(page)
    assert report.reference in page.locator("main").inner_text()
    assert called_in.reference in page.locator("main").inner_text()
    page.goto(case_page)
    check(page)
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
    check(page)
    page.goto(f"/{language}/staff/cases/?q={report.reference.lower()}")
    check(page)
    assert page.locator(f"main a[href='{case_page}']").count() >= 1
    page.goto(f"/{language}/staff/overview/")
    check(page)

    # Investigate: a log entry without a time, a finding, sent for approval.
    sign_in_browser(investigator)
    page.goto(case_page)
    open_details(page, "log")
    page.select_option("select[name='log-kind']", "interview")
    page.fill("input[name='log-occurred_on']", timezone.localdate().isoformat())
    page.fill("input[name='log-person']", "The complainant")
    page.fill("textarea[name='log-summary']", "Confirmed the account; body camera requested.")
    submit(page, "log")
    assert report.case.log.get().occurred_at is None
    allegation = report.allegations.get()
    page.select_option(f"select[name='findings-finding_{allegation.pk}']", "sustained")
    page.fill(f"textarea[name='findings-rationale_{allegation.pk}']", "Body camera shows a push.")
    submit(page, "findings")
    # Changing a finding asks for the second factor again; what was typed is then saved.
    confirm_with_code(page, language)
    submit(page, "submit")
    assert Report.objects.get(pk=report.pk).status == Status.SUPERVISOR_REVIEW
    check(page)

    # The supervisor approves: the case goes to the board.
    sign_in_browser(supervisor)
    page.goto(case_page)
    choose(page, "review-decision", "approved")
    submit(page, "review")
    confirm_with_code(page, language)
    assert Report.objects.get(pk=report.pk).status == Status.BOARD_REVIEW

    # Board staff schedule a meeting and put this case, and only it, on the agenda.
    board_staff = make_staff("board-staff", Role.BOARD_STAFF)
    members = [make_staff(f"member-{i}", Role.BOARD_MEMBER) for i in range(3)]
    sign_in_browser(board_staff)
    page.goto(f"/{language}/staff/board/")
    check(page)
    page.fill("input[name='schedule-title']", "Monthly board meeting")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("input[name='schedule-date']", tomorrow.isoformat())
    page.fill("input[name='schedule-time']", "18:00")
    page.locator("main form[action$='/do/schedule/'] [type=submit]").click()
    page.wait_for_load_state()
    check(page)
    open_details(page, "agenda")
    choose(page, "agenda-cases", str(report.case.pk))
    page.locator("main form[action*='/do/agenda/'] [type=submit]").click()
    page.wait_for_load_state()
    check(page)
    review = CaseReview.objects.get(case__report=report)

    # Three members vote in the browser, reaching the quorum.
    for member in members:
        sign_in_browser(member)
        page.goto(f"/{language}/staff/board/reviews/{review.pk}/")
        check(page)
        choose(page, "vote-choice", "concur")
        page.locator("main form[action$='/do/vote/'] [type=submit]").click()
        page.wait_for_load_state()
    assert Vote.objects.filter(review=review).count() == 3

    # Board staff record the recommendation and close the review.
    sign_in_browser(board_staff)
    page.goto(f"/{language}/staff/board/reviews/{review.pk}/")
    page.select_option(f"select[name='recommend-discipline_{allegation.pk}']", "written_reprimand")
    page.locator("main form[action$='/do/recommend/'] [type=submit]").click()
    page.wait_for_load_state()
    page.locator("main form[action$='/do/close/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Report.objects.get(pk=report.pk).status == Status.AGENCY_DECISION
    check(page)

    # The agency head follows the board's recommendation; the case closes.
    chief = make_staff("chief", Role.AGENCY_HEAD)
    sign_in_browser(chief)
    page.goto(f"/{language}/staff/cases/{report.pk}/board/")
    check(page)
    page.locator("main form[action$='/do/decide/'] [type=submit]").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.SUSTAINED)
    assert report.allegations.get().final_finding == "sustained"

    # The resident reads the outcome in their language, and heard of each milestone by e-mail.
    page.context.clear_cookies()
    shown = look_up(page, code, language)
    with translation.override(language):
        assert str(Outcome.SUSTAINED.label) in shown
        stages = [str(m.label) for m in (Milestone.INVESTIGATION, Milestone.BOARD_REVIEW)]
    subjects = [m.subject for m in mail.outbox if m.to == ["maria@example.org"]]
    assert len(subjects) == 4, subjects
    for stage, subject in zip(stages, subjects[1:3], strict=True):
        assert stage in subject, (stage, subject)
