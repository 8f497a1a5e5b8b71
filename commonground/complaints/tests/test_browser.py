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
    fill_what,
    fill_when,
    jpeg_with_exif,
    start_report,
)

pytestmark = pytest.mark.browser

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def expect_step(page, language: str, step: str) -> None:
    # A click starts the navigation; wait for the step's page to load before reading it.
    page.wait_for_url(f"**/{language}/report/{step}/")
    page.wait_for_load_state()
    assert html_lang(page) == language


@pytest.mark.files
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


def tab_to(page, target: str, *, most: int = 15) -> list[str]:
    """Press Tab until `target` has focus; return the distinct stops on the way (the focus
    order). A date or time input takes several presses, one per part, and counts once."""
    stops: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        now = focused(page)
        if not stops or stops[-1] != now:
            stops.append(now)
        if now == target:
            return stops
    raise AssertionError(f"Tab never reached {target}; focus went {stops}")


def skip_to_main(page) -> None:
    """The first Tab on a page reaches the skip link, which is then visible and moves the
    focus past the header to the main content."""
    page.keyboard.press("Tab")
    assert focused(page) == "a.skip-link"
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert focused(page) == "main"


CONTINUE = "button.button"  # the step's main button, as `focused` names it


def press_continue(page, step_after: str) -> None:
    page.keyboard.press("Enter")
    # The skip link's #main stays in the address: a redirect keeps the fragment it came with.
    page.wait_for_url(re.compile(f"/en/report/{step_after}/(#main)?$"))


def test_report_by_keyboard_alone(live_server, page):
    page.goto("/en/report/kind/")
    skip_to_main(page)
    assert tab_to(page, "id_kind_0") == ["id_kind_0"]  # the question comes first in main
    page.keyboard.press("Space")
    assert page.locator("#id_kind_0").is_checked()
    assert tab_to(page, CONTINUE) == [CONTINUE]
    press_continue(page, "reporter")

    # The address keeps #main from here on, so the first Tab starts in the main content.
    assert tab_to(page, "id_reporter_type_0") == ["id_reporter_type_0"]
    page.keyboard.press("Space")  # "Me, and I will give my name"
    # The relationship question stays hidden (and out of the focus order) for "self".
    assert tab_to(page, "id_name") == ["id_name"]
    page.keyboard.type("Maria Lopez")
    assert tab_to(page, "id_email") == ["id_contact_method_0", "id_email"]  # e-mail is preset
    page.keyboard.type("maria@example.org")
    assert tab_to(page, CONTINUE) == ["id_phone", "id_address", "id_language", CONTINUE]
    press_continue(page, "when")

    day = days_ago(10)
    assert tab_to(page, "id_timing_0") == ["id_timing_0"]  # "exact" is preset and checked
    assert tab_to(page, "id_incident_date") == ["id_incident_date"]
    page.keyboard.type(day.strftime("%m%d%Y"))  # the en-US date field reads mm/dd/yyyy
    assert tab_to(page, "id_location") == ["id_incident_date", "id_incident_time", "id_location"]
    page.keyboard.type("Main St & 3rd Ave")
    assert tab_to(page, CONTINUE) == ["id_district", CONTINUE]
    press_continue(page, "what")

    assert tab_to(page, "id_narrative") == ["id_narrative"]
    page.keyboard.type("The officer shouted at me.")
    assert tab_to(page, CONTINUE) == [CONTINUE]
    press_continue(page, "officers")

    # Everything typed was kept: each step shows it again.
    page.goto("/en/report/when/")
    assert page.locator("#id_incident_date").input_value() == day.isoformat()
    assert page.locator("#id_location").input_value() == "Main St & 3rd Ave"
    page.goto("/en/report/reporter/")
    assert page.locator("#id_name").input_value() == "Maria Lopez"
    assert page.locator("#id_email").input_value() == "maria@example.org"
    page.goto("/en/report/what/")
    assert page.locator("#id_narrative").input_value() == "The officer shouted at me."


# --- Bad input: a specific message at the field, and nothing typed or uploaded is lost ---------


def test_kind_step_needs_an_answer(live_server, page):
    page.goto("/en/report/kind/")
    continue_step(page)
    assert page.url.endswith("/en/report/kind/")
    assert field_error(page, "id_kind").inner_text() == "Choose a complaint or a commendation."
    assert focused(page) == "error-summary"  # read out first by a screen reader
    assert_accessible(page)


def test_reporter_step_refuses_malformed_email_and_phone(live_server, page):
    page.goto("/en/report/kind/")
    fill_kind(page)
    choose(page, "reporter_type", "self")
    page.fill("#id_name", "Maria Lopez")
    choose(page, "contact_method", "phone")
    page.fill("#id_email", "maria@@example")
    page.fill("#id_phone", "call me")
    page.fill("#id_address", "12 Elm St")
    continue_step(page)

    assert page.url.endswith("/en/report/reporter/")
    assert "name@example.org" in field_error(page, "id_email").inner_text()
    assert "7 to 15 digits" in field_error(page, "id_phone").inner_text()
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert page.locator("input[name=reporter_type][value=self]").is_checked()
    assert page.locator("input[name=contact_method][value=phone]").is_checked()
    assert page.locator("#id_name").input_value() == "Maria Lopez"
    assert page.locator("#id_email").input_value() == "maria@@example"
    assert page.locator("#id_phone").input_value() == "call me"
    assert page.locator("#id_address").input_value() == "12 Elm St"
    assert_accessible(page)


def test_when_step_refuses_future_and_reversed_dates(live_server, page):
    start_report(page)
    tomorrow = days_ago(-1).isoformat()
    page.fill("#id_incident_date", tomorrow)
    page.fill("#id_incident_time", "10:30")
    page.fill("#id_location", "Elm St")
    continue_step(page)

    assert page.url.endswith("/en/report/when/")
    assert field_error(page, "id_incident_date").inner_text() == "The date cannot be in the future."
    assert page.locator("#id_incident_date").input_value() == tomorrow
    assert page.locator("#id_incident_time").input_value() == "10:30"
    assert page.locator("#id_location").input_value() == "Elm St"
    assert_accessible(page)

    choose(page, "timing", "approximate")
    start, end = days_ago(5).isoformat(), days_ago(9).isoformat()
    page.fill("#id_incident_date", start)
    page.fill("#id_incident_date_end", end)
    continue_step(page)

    assert page.url.endswith("/en/report/when/")
    assert (
        field_error(page, "id_incident_date_end").inner_text()
        == "The latest date cannot be before the earliest date."
    )
    assert page.locator("input[name=timing][value=approximate]").is_checked()
    assert page.locator("#id_incident_date_end").is_visible()
    assert page.locator("#id_incident_date").input_value() == start
    assert page.locator("#id_incident_date_end").input_value() == end
    assert page.locator("#id_location").input_value() == "Elm St"
    assert_accessible(page)


def test_what_step_refuses_an_over_long_narrative_and_keeps_it(live_server, page, settings):
    limit = settings.NARRATIVE_MAX_CHARS
    start_report(page)
    fill_when(page)
    text = ("I was stopped on my way home. " * (limit // 10))[: limit + 1]
    page.fill("#id_narrative", text)
    assert page.locator("#id_narrative").input_value() == text, (
        "the browser cut what was pasted at the field's maxlength, silently"
    )
    continue_step(page)

    assert page.url.endswith("/en/report/what/")
    message = field_error(page, "id_narrative").inner_text()
    assert f"Please shorten this to {limit} characters (it has {limit + 1})" in message
    assert page.locator("#id_narrative").input_value() == text


def upload(page, *files) -> None:
    page.set_input_files("#id_files", list(files))
    page.locator("main button[name=action][value=upload]").click()
    page.wait_for_load_state()


def listed_files(page) -> list[str]:
    return [
        item.split(" (")[0].strip() for item in page.locator("main ul.added li").all_inner_texts()
    ]


def file_errors(page) -> str:
    return page.locator("#error-summary").inner_text()


@pytest.mark.files
def test_files_step_refuses_bad_files_and_keeps_the_good_ones(
    live_server, page, settings, tmp_path
):
    settings.ATTACHMENT_MAX_BYTES = 1_000_000
    settings.ATTACHMENT_MAX_FILES = 2
    start_report(page)
    fill_when(page)
    fill_what(page)
    continue_step(page)  # officers
    continue_step(page)  # people
    assert page.url.endswith("/en/report/files/")

    upload(page, jpeg_with_exif(tmp_path / "first.jpg"))
    assert listed_files(page) == ["first.jpg"]

    big = {
        "name": "big.jpg",
        "mimeType": "image/jpeg",
        "buffer": b"\xff\xd8\xff" + bytes(1_200_000),
    }
    upload(page, big)
    assert "“big.jpg” is 1.2 MB; the limit is 1 MB." in file_errors(page)
    assert listed_files(page) == ["first.jpg"]
    assert page.locator("#id_files").get_attribute("aria-invalid") == "true"

    for name, content in [("invoice.jpg", b"MZ\x90\x00"), ("photo.jpg", b"\x7fELF\x02\x01")]:
        fake = {"name": name, "mimeType": "image/jpeg", "buffer": content + bytes(4096)}
        upload(page, fake)
        errors = file_errors(page)
        assert "is a program or script" in errors
        assert name in errors, f"the message must say which file was refused: {errors!r}"
        assert listed_files(page) == ["first.jpg"]
    assert_accessible(page)

    upload(page, jpeg_with_exif(tmp_path / "second.jpg"), jpeg_with_exif(tmp_path / "third.jpg"))
    assert "You can attach at most 2 files" in file_errors(page)
    assert sorted(listed_files(page)) == ["first.jpg", "second.jpg"]

    continue_step(page)
    assert page.url.endswith("/en/report/review/")
    review = page.locator("main").inner_text()
    assert "first.jpg" in review and "second.jpg" in review


def test_script_and_html_in_answers_are_shown_as_text(live_server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    narrative = '<script>alert("narrative")</script><b>bold</b>'
    location = '<img src=x onerror="alert(1)">'
    officer = "<svg onload=alert(2)>"

    start_report(page)
    fill_when(page, location=location)
    fill_what(page, narrative)
    page.fill("#id_name_given", officer)
    page.locator("main button[name=action][value=add]").click()
    assert officer in page.locator("main ul.added").inner_text()
    continue_step(page)
    continue_step(page)  # people
    continue_step(page)  # files

    assert page.url.endswith("/en/report/review/")
    main = page.locator("main")
    assert narrative in page.locator("main dd.narrative").inner_text()
    assert location in main.inner_text()
    assert officer in main.inner_text()
    for element in ("script", "b", "img", "svg"):
        assert main.locator(element).count() == 0, f"a <{element}> from the answers was rendered"
    assert dialogs == []


def lookup(page, code: str):
    page.fill("#id_code", code)
    with page.expect_response(lambda r: r.url.endswith("/status/")) as response:
        page.locator("main form[action$='/status/'] [type=submit]").click()
    page.wait_for_load_state()
    return response.value


def test_status_lookup_explains_missing_malformed_and_unknown_codes(live_server, page):
    page.goto("/en/status/")
    lookup(page, "")
    assert field_error(page, "id_code").inner_text() == "Enter your tracking code."

    lookup(page, "7K3M-Q9XW")
    assert "A tracking code has 16 letters and numbers" in field_error(page, "id_code").inner_text()
    assert page.locator("#id_code").input_value() == "7K3M-Q9XW"
    assert_accessible(page)

    lookup(page, "7K3M-Q9XW-T2RB-84HN")
    assert (
        field_error(page, "id_code").inner_text()
        == "We could not find a report with this code. Check it and try again."
    )
    assert page.locator("#id_code").input_value() == "7K3M-Q9XW-T2RB-84HN"


def test_status_lookups_are_rate_limited(live_server, page, settings):
    from commonground.complaints.tests.factories import file

    settings.TRACKING_LOOKUP_RATE = "3/15m"
    code = file().tracking_code
    page.goto("/en/status/")
    for _ in range(3):
        assert lookup(page, "7K3M-Q9XW-T2RB-84HN").status == 200

    response = lookup(page, code)  # even the right code waits once the limit is reached
    assert response.status == 429
    assert "Too many attempts" in page.locator("main").inner_text()
    assert page.locator("main ol.timeline").count() == 0
    assert page.locator("#id_code").input_value() == code
    assert_accessible(page)
