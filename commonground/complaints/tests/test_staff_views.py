import re

import pytest
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.complaints.models import Report
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.complaints.tests.test_intake_views import jpeg_with_gps, upload

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def intake_data(**overrides):
    data = {
        "submission_token": "",
        "receipt-channel": "phone",
        "receipt-received_on": str(timezone.localdate()),
        "kind-kind": "complaint",
        "reporter-reporter_type": "self",
        "reporter-name": "Rosa Diaz",
        "reporter-contact_method": "phone",
        "reporter-phone": "555-777-1212",
        "reporter-language": "es",
        "when-timing": "exact",
        "when-incident_date": "2026-10-01",
        "when-location": "Oak & 9th",
        "what-narrative": "Caller says the officer used a slur during a traffic stop.",
        # A browser always posts each empty witness row's preselected role.
        **{f"person-{i}-role": "witness" for i in range(3)},
    }
    data.update(overrides)
    return data


def token_from(response):
    return re.search(r'name="submission_token" value="([^"]+)"', response.content.decode()).group(1)


def test_a_clerk_enters_a_phone_complaint_and_gets_the_code(client, intake_clerk):
    client.force_login(intake_clerk)
    token = token_from(client.get("/en/staff/intake/"))
    response = client.post("/en/staff/intake/", intake_data(submission_token=token))
    assert response.status_code == 200
    code = re.search(r'id="tracking-code">([^<]+)<', response.content.decode()).group(1)
    report = Report.objects.get()
    assert (report.channel, report.received_by, report.language) == ("phone", intake_clerk, "es")
    assert report.reporter_contact["phone"] == "555-777-1212"
    assert client.post("/en/status/", {"code": code}, follow=True).status_code == 200


def test_staff_intake_errors_keep_every_answer_and_uploaded_file(client, intake_clerk):
    client.force_login(intake_clerk)
    token = token_from(client.get("/en/staff/intake/"))
    data = intake_data(submission_token=token, **{"when-incident_date": "2999-01-01"})
    data["files-files"] = [upload("scene.jpg", jpeg_with_gps())]
    response = client.post("/en/staff/intake/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "The date cannot be in the future." in body
    assert 'value="Rosa Diaz"' in body and "scene.jpg" in body
    kept = re.search(r'name="kept_files" value="([^"]+)"', body).group(1)
    fixed = intake_data(submission_token=token, kept_files=[kept])
    assert client.post("/en/staff/intake/", fixed).status_code == 200
    assert Report.objects.get().attachments.count() == 1


def test_the_case_list_filters_by_status_kind_channel_district_and_officer(client, supervisor):
    _, district, _, officers = agency_with_officers(2)
    from commonground.complaints.actions import OfficerInput

    file(officers=[OfficerInput(officer_id=officers[0].pk)])
    file(kind="commendation", district_id=district.pk)
    file(channel="phone", by=supervisor)
    client.force_login(supervisor)

    def count(query):
        body = client.get(f"/en/staff/cases/?{query}").content.decode()
        return len(re.findall(r'href="/en/staff/cases/\d+/"', body))

    assert count("") == 3
    assert count("kind=commendation") == 1
    assert count("channel=phone") == 1
    assert count(f"district={district.pk}") == 2  # chosen, and derived from the officer's unit
    assert count(f"officer={officers[0].badge_number}") == 1
    assert count("status=closed") == 0
    assert (
        "No reports match these filters."
        in client.get("/en/staff/cases/?status=closed").content.decode()
    )


def test_every_staff_view_of_a_report_is_audited(client, investigator):
    report = file().report
    client.force_login(investigator)
    client.get(f"/en/staff/cases/{report.pk}/")
    client.get(f"/en/staff/cases/{report.pk}/")
    views = AuditEvent.objects.filter(action="report.view", target_id=str(report.pk))
    assert views.count() == 2 and views.first().actor == investigator


def test_unknown_case_is_404_not_500(client, investigator):
    client.force_login(investigator)
    assert client.get("/en/staff/cases/999999/").status_code == 404
