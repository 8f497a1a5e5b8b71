import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection

from commonground.audit.models import AuditEvent
from commonground.complaints import tracking
from commonground.complaints.actions import InvalidSubmission, OfficerInput, file_report
from commonground.complaints.models import Report, Status
from commonground.complaints.selectors import get_report_by_code
from commonground.complaints.tests.factories import agency_with_officers, file, report_input

pytestmark = pytest.mark.django_db


def test_filing_creates_the_report_its_people_and_an_audit_event():
    filed = file()
    report = filed.report
    assert filed.created
    assert report.status == Status.RECEIVED
    assert report.officers.count() == 1 and report.people.count() == 1
    assert AuditEvent.objects.filter(action="report.file", target_id=str(report.pk)).exists()
    assert get_report_by_code(filed.tracking_code) == report


def test_the_same_submission_twice_creates_one_report_with_one_code():
    token = tracking.new_submission_token()
    first = file_report(data=report_input(), submission_token=token)
    second = file_report(data=report_input(), submission_token=token)
    assert Report.objects.count() == 1
    assert not second.created
    assert second.report == first.report
    assert second.tracking_code == first.tracking_code


def test_a_forged_submission_token_is_refused():
    with pytest.raises(InvalidSubmission):
        file_report(data=report_input(), submission_token="forged")


def test_the_tracking_code_is_stored_only_as_a_keyed_hash():
    filed = file()
    code = filed.tracking_code
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_report")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert code not in row and code.replace("-", "") not in row
    assert filed.report.tracking_code_hash == tracking.hash_code(code)


def test_contact_details_are_encrypted_at_rest():
    filed = file(
        contact={"name": "Maria Lopez", "email": "maria@example.org", "phone": "555-201-3344"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_contact FROM complaints_report")
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT details FROM complaints_involvedperson")
        witness = cursor.fetchone()[0]
    assert "Maria" not in stored and "example.org" not in stored
    assert "Sam Lee" not in witness
    assert Report.objects.get().reporter_contact["name"] == "Maria Lopez"
    assert filed.report.people.get().details["name"] == "Sam Lee"


def test_anonymous_reports_keep_no_contact_even_if_some_was_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        filed = file(
            reporter_type="anonymous", contact={"name": "Leaked", "email": "x@example.org"}
        )
    report = Report.objects.get(pk=filed.report.pk)
    assert report.reporter_contact is None
    assert report.contact_method == "none"
    assert mail.outbox == []


def test_the_code_is_emailed_in_the_reporters_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        filed = file(language="es")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.org"]
    assert filed.tracking_code in message.body
    assert "Gracias" in message.body or "código" in message.body


def test_district_is_derived_from_the_officers_units_when_not_chosen():
    _, district, _, officers = agency_with_officers()
    filed = file(officers=[OfficerInput(officer_id=officers[0].pk)])
    assert filed.report.district == district
    assert filed.report.district_source == "derived"


def test_staff_channels_need_the_intake_permission(analyst, intake_clerk):
    with pytest.raises(PermissionDenied):
        file(channel="phone", by=analyst)
    filed = file(channel="phone", by=intake_clerk)
    assert filed.report.received_by == intake_clerk
