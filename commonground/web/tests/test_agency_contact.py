"""How residents reach the agency besides this site: the phone, e-mail, address and opening
hours from the settings, in the reader's language, and a start-up error for nonsense."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from commonground.web.agency import weekly_hours

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def agency(settings):
    settings.AGENCY_PHONE = "555-0142"
    settings.AGENCY_EMAIL = "standards@riverton.example"
    settings.AGENCY_ADDRESS = "Office of Professional Standards\n100 Main Street"
    settings.AGENCY_OPENING_HOURS = "Mo-Fr 08:00-18:00; Sa 10:00-14:00"


def test_other_ways_to_report_gives_phone_email_address_and_hours(client, agency):
    page = client.get("/en/").content.decode()
    other = page.split("Other ways to report")[1]
    assert 'href="tel:555-0142"' in other
    assert "standards@riverton.example" in other
    assert "100 Main Street" in other
    assert "Monday\u2013Friday: 8:00\u202fAM\u20136:00\u202fPM" in other
    assert "Saturday: 10:00\u202fAM\u20132:00\u202fPM" in other
    assert "Sunday" not in other


def test_days_and_times_are_in_the_readers_language(client, agency):
    page = client.get("/es/").content.decode()
    assert "Lunes\u2013viernes: 8:00\u201318:00" in page
    assert "Sábado: 10:00\u201314:00" in page


def test_hours_follow_the_whole_opening_hours_form():
    hours = weekly_hours("Mo-Fr 08:00-12:00,13:00-17:00; We off", "en", MONDAY)
    assert [(h.days, h.times) for h in hours] == [
        ("Monday\u2013Tuesday", "8:00\u202fAM\u201312:00\u202fPM, 1:00\u202fPM\u20135:00\u202fPM"),
        ("Thursday\u2013Friday", "8:00\u202fAM\u201312:00\u202fPM, 1:00\u202fPM\u20135:00\u202fPM"),
    ]


@pytest.mark.parametrize(
    ("setting", "value", "check"),
    [
        ("AGENCY_OPENING_HOURS", "weekdays 9 to 5", "web.E001"),
        ("AGENCY_OPENING_HOURS", "Mo-Fx 08:00-18:00", "web.E001"),
        ("AGENCY_EMAIL", "standards at riverton", "web.E002"),
    ],
)
def test_malformed_contact_settings_stop_the_site_at_start_up(settings, setting, value, check):
    setattr(settings, setting, value)
    with pytest.raises(SystemCheckError, match=check):
        call_command("check")


def test_the_contact_is_in_every_pages_context(client, agency):
    response = client.get("/en/status/")
    assert response.context["agency_contact"].phone == "555-0142"
