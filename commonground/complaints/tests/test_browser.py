"""The resident's journeys in a real browser: filing, following, and every kind of bad input.

Pages are driven by input names and values, never by their wording, so the Spanish journey holds
whether or not the translation is complete."""

import re

import pytest
from django.core import mail
from PIL import Image

from commonground.complaints.models import Report
from commonground.complaints.tests.factories import agency_with_officers
from commonground.testing.browser import (
    assert_accessible,
    choose,
    continue_step,
    days_ago,
    field_error,
    fill_kind,
    fill_reporter_anonymous,
    fill_what,
    fill_when,
    jpeg_with_exif,
    report_to_review,
    start_report,
)

pytestmark = pytest.mark.browser

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
STEP_URL = re.compile(r"/report/(kind|reporter|when|what|officers|people|files|review)/$")


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def expect_step(page, language: str, step: str) -> None:
    assert page.url.endswith(f"/{language}/report/{step}/"), page.url
    assert html_lang(page) == language


def test_anonymous_complaint_in_spanish_with_a_photo(live_server, page, tmp_path):
    _agency, district, _unit, _officers = agency_with_officers()
    photo = jpeg_with_exif(tmp_path / "foto.jpg")
    assert Image.open(photo).getexif(), "the test photo must carry EXIF to prove it is removed"

    page.goto("/es/report/")
    assert html_lang(page) == "es"
    assert_accessible(page)
    page.locator("main a[href='/es/report/kind/']").click()

    expect_step(page, "es", "kind")
    assert_accessible(page)
    fill_kind(page, "complaint")

    expect_step(page, "es", "reporter")
    choose(page, "reporter_type", "anonymous")
    assert page.locator("#id_name").is_hidden()  # the contact details hide for an anonymous report
    assert page.locator("#id_language").input_value() == "es"
    assert_accessible(page)
    continue_step(page)

    expect_step(page, "es", "when")
    assert_accessible(page)
    page.fill("#id_incident_date", days_ago(4).isoformat())
    page.fill("#id_incident_time", "21:15")
    page.fill("#id_location", "Calle Mayor y Avenida 3")
    page.select_option("#id_district", str(district.pk))
    continue_step(page)

    expect_step(page, "es", "what")
    assert_accessible(page)
    fill_what(page, "El agente me gritó y no quiso darme su número de placa.")

    expect_step(page, "es", "officers")
    assert_accessible(page)
    page.fill("#id_name_given", "Smith")
    page.fill("#id_badge_given", "4471")
    page.locator("main button[name=action][value=add]").click()
    assert page.locator("main ul.added li").filter(has_text="4471").count() == 1
    continue_step(page)

    expect_step(page, "es", "people")
    assert_accessible(page)
    continue_step(page)

    expect_step(page, "es", "files")
    page.set_input_files("#id_files", photo)
    page.locator("main button[name=action][value=upload]").click()
    assert page.locator("main ul.added li").filter(has_text="foto.jpg").count() == 1
    assert_accessible(page)
    continue_step(page)

    assert page.url.endswith("/es/report/review/")
    assert html_lang(page) == "es"
    main = page.locator("main")
    for answer in ("Calle Mayor y Avenida 3", "El agente me gritó", "Smith", "4471", "foto.jpg"):
        assert answer in main.inner_text()
    assert_accessible(page)
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()

    code = page.locator("#tracking-code").inner_text().strip()
    assert CODE_RE.match(code), code
    assert html_lang(page) == "es"
    assert_accessible(page)

    report = Report.objects.get()
    assert (report.reporter_type, report.language, report.kind) == ("anonymous", "es", "complaint")
    assert report.district == district
    stored = report.attachments.get().stored_file
    assert stored.metadata_stripped
    with stored.file.open("rb") as f, Image.open(f) as image:
        assert not image.getexif(), "camera and GPS data must not survive the upload"

    page.goto("/es/status/")
    assert_accessible(page)
    page.fill("#id_code", code.lower().replace("-", " "))  # as a resident might type it
    page.locator("main form[action$='/status/'] [type=submit]").click()
    timeline = page.locator("main ol.timeline li")
    assert timeline.count() >= 1
    assert page.locator("main ol.timeline li[aria-current=step]").count() == 1
    assert html_lang(page) == "es"
    assert_accessible(page)


def test_named_commendation_picks_an_officer_and_emails_the_code(live_server, page):
    _agency, _district, _unit, officers = agency_with_officers(3)
    chosen = officers[1]

    page.goto("/en/report/kind/")
    fill_kind(page, "commendation")

    choose(page, "reporter_type", "self")
    page.fill("#id_name", "Maria Lopez")
    choose(page, "contact_method", "email")
    page.fill("#id_email", "maria@example.org")
    continue_step(page)

    fill_when(page, location="Riverside Park")
    fill_what(page, "Officer Rivera stayed with my son until we found him. Thank you.")

    expect_step(page, "en", "officers")
    # Typing searches as you type (the plain GET search works without JavaScript).
    page.fill("#officer-q", chosen.last_name)
    match = page.locator("#officer-matches li").filter(has_text=chosen.badge_number)
    match.locator("button[name=action][value=pick]").click()
    added = page.locator("main ul.added li")
    assert added.count() == 1
    assert chosen.last_name in added.inner_text()
    continue_step(page)

    continue_step(page)  # people: none
    continue_step(page)  # files: none
    assert page.url.endswith("/en/report/review/")
    review = page.locator("main").inner_text()
    assert f"{chosen.first_name} {chosen.last_name}" in review
    assert "maria@example.org" in review
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()

    code = page.locator("#tracking-code").inner_text().strip()
    assert CODE_RE.match(code), code

    report = Report.objects.get()
    assert report.kind == "commendation"
    assert report.reporter_type == "self"
    assert report.reporter_contact["email"] == "maria@example.org"
    assert [o.officer_id for o in report.officers.all()] == [chosen.pk]
    sent = [m for m in mail.outbox if "maria@example.org" in m.to]
    assert len(sent) == 1
    assert code in sent[0].body


def focused(page) -> str:
    """What has the keyboard focus: its id, or its tag and class."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || (e.tagName.toLowerCase() + '.' + e.className); }"
    )


def tab_to(page, element_id: str, *, most: int = 12) -> list[str]:
    """Press Tab until the element has focus; return every stop on the way (the focus order)."""
    stops = []
    for _ in range(most):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if stops[-1] == element_id:
            return stops
    raise AssertionError(f"Tab never reached #{element_id}; focus went {stops}")


def skip_to_main(page) -> None:
    page.keyboard.press("Tab")
    assert focused(page) == "a.skip-link"
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["x"] >= 0, "the skip link must be visible when it has focus"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert focused(page) == "main"


def test_report_by_keyboard_alone(live_server, page):
    page.goto("/en/report/kind/")

    skip_to_main(page)
    assert tab_to(page, "id_kind_0") == ["id_kind_0"]  # the first thing in main is the question
    page.keyboard.press("Space")
    assert page.locator("#id_kind_0").is_checked()
    tab_to(page, "")  # noqa: ERA001 placeholder replaced below
