"""What the status page tells the resident: the same words as the confirmation and the e-mails,
what a closure means and what they can still do, and what they have already added."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.complaints.models import Kind, Outcome, Report, ReportUpdate, UpdatePurpose
from commonground.complaints.status_text import explanation
from commonground.complaints.tasks import send_still_open_notices
from commonground.complaints.tests.test_intake_views import (
    code_in,
    jpeg_with_gps,
    submit,
    upload,
    walk_to,
)
from commonground.investigations.actions import close_case
from commonground.investigations.tests.helpers import triaged_case

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.files,
    pytest.mark.usefixtures("on_commit_immediately"),
]


def status_page(client, code, lang="en") -> str:
    response = client.post(f"/{lang}/status/", {"code": code}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_a_commendation_is_described_the_same_on_the_confirmation_status_page_and_email(
    client, settings
):
    walk_to(
        client,
        "what",
        kind={"kind": "commendation"},
        reporter={
            "reporter_type": "self",
            "name": "Ana",
            "contact_method": "email",
            "email": "ana@example.org",
            "language": "en",
        },
    )
    filed = submit(client)[0]
    confirmation, code = text_of(filed.content.decode()), code_in(filed)
    wording = str(explanation("received", kind=Kind.COMMENDATION))
    assert "officer's commander" in wording
    assert wording in confirmation
    page = text_of(status_page(client, code))
    assert wording in page
    assert "internal affairs" not in page

    Report.objects.update(received_at=timezone.now() - datetime.timedelta(days=60))
    mail.outbox.clear()
    send_still_open_notices.call()
    (notice,) = mail.outbox
    assert wording in notice.body and "internal affairs" not in notice.body


def test_a_closure_for_lack_of_information_explains_itself_and_what_to_do_next(
    client, supervisor, settings
):
    settings.AGENCY_PHONE = "555-0199"
    settings.AGENCY_EMAIL = "help@riverton.example"
    case = triaged_case(supervisor)
    close_case(
        case=case, outcome=Outcome.INSUFFICIENT_INFORMATION, reason="No details", by=supervisor
    )
    page = text_of(status_page(client, case.tracking_code))
    assert "did not tell us enough to find out what happened" in page
    assert "555-0199" in page and "help@riverton.example" in page
    assert "Ask for a review" in page
    assert "What would you like to add?" in page


def test_a_resident_asks_for_a_review_once_and_staff_see_it_on_the_case(
    client, supervisor, investigator
):
    case = triaged_case(supervisor)
    close_case(
        case=case, outcome=Outcome.INSUFFICIENT_INFORMATION, reason="No details", by=supervisor
    )
    status_page(client, case.tracking_code)
    empty = client.post("/en/status/review/", {"code": case.tracking_code, "reason": ""})
    assert empty.status_code == 302
    page = client.get(empty.url).content.decode()
    assert "Tell us why you think the decision should be looked at again." in page
    assert not ReportUpdate.objects.exists()

    reason = "I gave the badge number, 4471, on the phone."
    asked = client.post(
        "/en/status/review/", {"code": case.tracking_code, "reason": reason}, follow=True
    )
    page = text_of(asked.content.decode())
    assert "You asked for a review on" in page
    assert reason in page  # under "What you added"
    assert 'action="/en/status/review/"' not in asked.content.decode()  # once per closure
    update = ReportUpdate.objects.get()
    assert update.purpose == UpdatePurpose.REVIEW_REQUEST and update.text == reason
    assert AuditEvent.objects.filter(action="report.request_review").count() == 1

    client.post("/en/status/review/", {"code": case.tracking_code, "reason": "Again"})
    assert ReportUpdate.objects.count() == 1

    client.force_login(supervisor)
    staff = client.get(f"/en/staff/cases/{case.report_id}/").content.decode()
    assert "Asked for a review of the closure" in staff and "4471" in staff


def test_an_open_report_offers_no_review(client, supervisor):
    case = triaged_case(supervisor)
    assert 'action="/en/status/review/"' not in status_page(client, case.tracking_code)
    client.post("/en/status/review/", {"code": case.tracking_code, "reason": "Why?"})
    assert not ReportUpdate.objects.exists()


def test_the_status_page_lists_what_the_resident_added_with_file_names_and_dates(client):
    walk_to(client, "what")
    code = code_in(submit(client)[0])
    client.post(
        "/en/status/add/",
        {"code": code, "text": "The car was 4412.", "files": [upload("car.jpg", jpeg_with_gps())]},
    )
    client.post("/en/status/add/", {"code": code, "text": "A witness: the baker."})
    other = type(client)()
    page = text_of(status_page(other, code))
    added = page.split("What you added")[1]
    assert added.index("The car was 4412.") < added.index("car.jpg")
    assert added.index("car.jpg") < added.index("A witness: the baker.")
    assert timezone.localdate().strftime("%Y") in added
    assert "The officer pushed me" not in added  # the report itself is not an addition


def test_a_refused_file_saves_nothing_says_so_and_keeps_the_text(client):
    walk_to(client, "what")
    code = code_in(submit(client)[0])
    response = client.post(
        "/en/status/add/",
        {
            "code": code,
            "text": "The officer's name tag said Reyes.",
            "files": [
                upload("fine.jpg", jpeg_with_gps()),
                upload("virus.exe", b"MZ\x90\x00" + bytes(64), "application/octet-stream"),
            ],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Some files could not be added" not in page
    assert "Nothing was added yet" in page and "nothing was saved, your text included" in page
    assert "virus.exe" in page
    assert "The officer&#x27;s name tag said Reyes." in page
    assert not ReportUpdate.objects.exists()
    assert not Report.objects.get().attachments.exists()


@pytest.mark.parametrize("path", ["/en/report/", "/en/status/"])
def test_the_start_and_lookup_pages_say_how_else_to_reach_the_agency(client, settings, path):
    settings.AGENCY_PHONE = "555-0177"
    page = client.get(path).content.decode()
    assert 'href="tel:555-0177"' in page and "Opening hours" in page


def test_the_confirmation_is_shown_only_to_the_session_that_filed(client):
    walk_to(client, "what")
    code = code_in(submit(client)[0])
    stranger = type(client)()
    stranger.cookies = type(client.cookies)()
    response = stranger.get("/en/report/received/")
    assert response.status_code == 302 and response.url == "/en/status/"
    # The filing browser sees it again (a reload, a language link); "Done" forgets it.
    assert code_in(client.get("/en/report/received/")) == code
    status_page(client, code)
    client.post("/en/status/done/")
    assert client.get("/en/status/report/").url == "/en/status/"
    assert client.get("/en/report/received/").url == "/en/status/"
