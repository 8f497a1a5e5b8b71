"""The clerk's intake form: a phone call, walk-in or letter entered by staff in one page."""

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.complaints.models import Report
from commonground.complaints.tests.factories import agency_with_officers

pytestmark = pytest.mark.django_db

URL = "/en/staff/intake/"


class _FormValues(HTMLParser):
    """What a browser without JavaScript would send from the page's main form (without the
    button pressed): text, hidden and date inputs, checked radios, textareas, selected options."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea = self._select = None
        self._selected = None

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._selected, self._first = name, None, None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._selected = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select:
            self._add(self._select, self._selected if self._selected is not None else self._first)
            self._select = None


def form_values(response) -> dict:
    parser = _FormValues()
    parser.feed(
        re.search(r"<form[^>]*data-submit-once.*?</form>", response.content.decode(), re.S)[0]
    )
    return {k: v if len(v) > 1 else v[0] for k, v in parser.values.items()}


def press(client, response, action: str, **typed):
    """Type into the page as it was rendered, then press the button with this action."""
    data = form_values(response)
    data.update(typed)
    data["action"] = action
    return client.post(URL, data)


def a_phone_call(**overrides):
    values = {
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
        "what-narrative": "Caller says two officers pushed her son at the bus stop.",
    }
    values.update(overrides)
    return values


def test_the_form_speaks_to_the_clerk_not_the_resident(client, intake_clerk):
    client.force_login(intake_clerk)
    body = client.get(URL).content.decode()
    assert "Caller&#x27;s name" in body
    assert "Me, and I will give my name" not in body
    assert "Your name" not in body
    # One officer row and one person row to start with, not fixed blocks of three.
    assert 'name="officer-0-name_given"' in body and 'name="officer-1-name_given"' not in body
    assert 'name="person-0-name"' in body and 'name="person-1-name"' not in body


def test_a_clerk_files_a_phone_call_with_two_officers_found_in_the_roster_and_three_witnesses(
    client, intake_clerk
):
    _, _, unit, officers = agency_with_officers(3)
    client.force_login(intake_clerk)
    page = client.get(URL)
    page = press(client, page, "find", **a_phone_call(), officer_search="Rivera1")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="pick-{officers[1].pk}"' in body
    assert f'value="pick-{officers[0].pk}"' not in body
    page = press(client, page, f"pick-{officers[1].pk}")
    # By badge this time.
    page = press(client, page, "find", officer_search=officers[2].badge_number)
    assert f'value="pick-{officers[2].pk}"' in page.content.decode()
    page = press(client, page, f"pick-{officers[2].pk}")
    # Picking the same officer twice lists them once.
    page = press(client, page, f"pick-{officers[2].pk}")
    body = page.content.decode()
    assert "That officer is already on this report." in body
    assert 'name="officer-2-officer_id"' not in body
    assert body.count('name="officer-0-officer_id"') == 1
    assert f'value="{officers[1].pk}"' in body and "Alex1 Rivera1" in body
    assert f'name="officer-1-officer_id" value="{officers[2].pk}"' in body
    # Everything typed before is still there.
    assert 'value="Rosa Diaz"' in body and "pushed her son" in body
    # Three witnesses: the first row is there, two more are added.
    page = press(client, page, "add-person", **{"person-0-name": "Sam Lee"})
    page = press(client, page, "add-person", **{"person-1-name": "Ana Ruiz"})
    page = press(
        client, page, "file", **{"person-2-name": "Tom Wu", "person-2-phone": "555-1234567"}
    )
    assert page.status_code == 200, re.findall(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page.content.decode()
    )
    report = Report.objects.get()
    assert (report.channel, report.received_by, report.language) == ("phone", intake_clerk, "es")
    assert sorted(report.officers.values_list("officer_id", flat=True)) == sorted(
        [officers[1].pk, officers[2].pk]
    )
    assert sorted(p.details["name"] for p in report.people.all()) == [
        "Ana Ruiz",
        "Sam Lee",
        "Tom Wu",
    ]
    assert {p.role for p in report.people.all()} == {"witness"}
    # Derived from the roster officers' unit.
    assert report.district == unit.district
    assert AuditEvent.objects.filter(action="report.file", target_id=str(report.pk)).count() == 1
    assert re.search(r'id="tracking-code">([^<]+)<', page.content.decode())
    # The case page says how the report reached us, and which roster officers it names.
    case = client.get(f"/en/staff/cases/{report.pk}/").content.decode()
    assert "Phone" in case and "Alex1 Rivera1" in case and "Alex2 Rivera2" in case


def test_the_live_roster_search_answers_as_the_clerk_types(client, intake_clerk):
    _, _, _, officers = agency_with_officers(2)
    client.force_login(intake_clerk)
    response = client.get(
        "/en/staff/intake/officers/", {"q": "Patrol"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="pick-{officers[0].pk}"' in body and f'value="pick-{officers[1].pk}"' in body
    assert "Patrol North" in body
    nothing = client.get("/en/staff/intake/officers/", {"q": "Zzyzx"}).content.decode()
    assert "No officer in the roster matches" in nothing


def test_a_typed_badge_that_matches_the_roster_links_that_officer_and_says_so(client, intake_clerk):
    _, _, _, officers = agency_with_officers(2)
    client.force_login(intake_clerk)
    page = client.get(URL)
    page = press(client, page, "add-person", **a_phone_call(), **{"officer-0-badge_given": "101"})
    assert "Alex1 Rivera1" in page.content.decode()  # said before filing
    page = press(client, page, "file")
    assert page.status_code == 200
    involved = Report.objects.get().officers.get()
    assert involved.officer == officers[1] and involved.badge_given == "101"
    assert "Alex1 Rivera1" in page.content.decode()  # and on the receipt


def test_a_badge_that_matches_no_officer_is_flagged_and_kept_as_given(client, intake_clerk):
    agency_with_officers(2)
    client.force_login(intake_clerk)
    page = client.get(URL)
    typed = {**a_phone_call(), "officer-0-badge_given": "9999", "officer-0-name_given": "Reyes"}
    page = press(client, page, "add-officer", **typed)
    assert "No officer in the roster has badge 9999" in page.content.decode()
    page = press(client, page, "file")
    assert page.status_code == 200
    involved = Report.objects.get().officers.get()
    assert involved.officer is None and involved.badge_given == "9999"
    assert "No officer in the roster has badge 9999" in page.content.decode()


def test_add_another_and_remove_without_javascript_keep_every_value(client, intake_clerk):
    client.force_login(intake_clerk)
    page = client.get(URL)
    typed = {**a_phone_call(), "person-0-name": "Sam Lee", "officer-0-description": "Tall, beard"}
    page = press(client, page, "add-person", **typed)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="person-1-name"' in body
    assert 'value="Sam Lee"' in body and "Tall, beard" in body and 'value="Rosa Diaz"' in body
    assert "pushed her son" in body
    # Not a submission: no errors shown for what is still to be typed, nothing filed.
    assert "errorlist" not in body and not Report.objects.exists()
    page = press(client, page, "add-officer", **{"person-1-name": "Ana Ruiz"})
    assert 'name="officer-1-name_given"' in page.content.decode()
    page = press(client, page, "remove-person-0")
    body = page.content.decode()
    assert 'name="person-0-name" value="Ana Ruiz"' in body.replace('type="text" ', "")
    assert "Sam Lee" not in body and 'name="person-1-name"' not in body
    page = press(client, page, "file")
    assert page.status_code == 200
    report = Report.objects.get()
    assert [p.details["name"] for p in report.people.all()] == ["Ana Ruiz"]
    assert report.officers.get().description == "Tall, beard"


def test_a_clerk_files_an_anonymous_caller_with_no_contact_kept(client, intake_clerk):
    client.force_login(intake_clerk)
    page = client.get(URL)
    call = a_phone_call(**{"reporter-reporter_type": "anonymous", "receipt-channel": "walk_in"})
    page = press(client, page, "file", **call)
    assert page.status_code == 200
    report = Report.objects.get()
    assert report.reporter_contact is None and report.channel == "walk_in"


def test_errors_name_the_field_in_clerk_words_and_keep_the_rows(client, intake_clerk):
    client.force_login(intake_clerk)
    page = client.get(URL)
    page = press(client, page, "add-person", **{"person-0-name": "Sam Lee"})
    page = press(client, page, "file", **a_phone_call(**{"reporter-name": ""}))
    body = page.content.decode()
    assert page.status_code == 400
    assert "Enter the caller&#x27;s name, or choose an anonymous caller." in body
    assert 'value="Sam Lee"' in body and 'name="person-1-name"' in body


def test_the_submission_is_filed_once_however_often_it_is_sent(client, intake_clerk):
    client.force_login(intake_clerk)
    page = client.get(URL)
    data = {**form_values(page), **a_phone_call(), "action": "file"}
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 200
    assert Report.objects.count() == 1


@pytest.mark.parametrize("persona", ["board_member", "analyst"])
def test_roles_that_do_not_take_reports_may_not_open_intake(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {**a_phone_call(), "action": "file"}).status_code == 403
    assert client.get("/en/staff/intake/officers/", {"q": "Rivera"}).status_code == 403
    assert not Report.objects.exists()


def test_odd_buttons_and_a_forged_officer_id_are_refused_plainly(client, intake_clerk):
    client.force_login(intake_clerk)
    page = client.get(URL)
    for action in ("pick-999999", "pick-x", "remove-person-x", "remove-officer-42", "nonsense"):
        page = press(client, page, action, **a_phone_call())
        assert page.status_code == 200, action
    assert 'value="Rosa Diaz"' in page.content.decode()
    page = press(client, page, "file", **{"officer-0-officer_id": "999999"})
    assert page.status_code == 400
    assert "That officer is not in the roster." in page.content.decode()
    assert not Report.objects.exists()
