"""An interviewer completes a call in Spanish at desktop width, from the queue to the stored
interview; staff import a phone sample and type in a paper questionnaire; axe checks every
page on the way."""

import pytest

from commonground.surveys.models import Channel, PhoneCase, Recruitment, Response
from commonground.surveys.tests.factories import make_districts, make_wave
from commonground.surveys.tests.phone_helpers import phone_wave
from commonground.testing.browser import assert_accessible, choose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _patient_first_load(page):
    """A fresh live server's first page can take tens of seconds on a busy shared machine
    (measured: 28 s for /en/staff/ at a load of 16 on 2 cores); each wait here is longer, so a
    slow start does not read as a broken page."""
    page.set_default_navigation_timeout(60_000)
    page.set_default_timeout(30_000)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_interviewer_completes_a_call_in_spanish(page, sign_in_browser, analyst, interviewer):
    wave, _cases = phone_wave(analyst, language="es")
    page.set_viewport_size(DESKTOP)
    sign_in_browser(interviewer)

    page.goto("/en/staff/surveys/phone/")
    assert page.locator("#phone-waves").is_visible()
    assert_accessible(page)
    page.locator(f"form[action$='/waves/{wave.pk}/next/'] button").click()
    page.wait_for_load_state()
    case = PhoneCase.objects.get(held_by=interviewer)
    assert page.locator("a[href='tel:+13125550101']").is_visible()
    assert page.locator("#respondent-language").inner_text() == "Spanish"
    assert_accessible(page)

    # Recording a callback without its time: a specific error, on an accessible page.
    page.select_option("#id_disposition", "callback")
    page.locator("form[action$='/call/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_callback_at_error").is_visible()
    assert_accessible(page)

    page.locator("#start-interview").click()
    page.wait_for_load_state()
    questions = page.locator("#questions[lang=es]")
    assert "Me siento seguro caminando por mi barrio de noche." in questions.inner_text()
    assert_accessible(page)
    page.locator("#next").click()  # nothing answered
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert "Díganos qué tan seguro se siente." in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    choose(page, "safe", "4")
    choose(page, "contact", "yes")
    page.locator("#next").click()
    page.wait_for_load_state()

    assert "¿Qué contacto tuvo?" in page.locator("#questions").inner_text()
    choose(page, "contact_kind", "called")
    choose(page, "trust", "7")
    assert_accessible(page)
    page.locator("#next").click()
    page.wait_for_load_state()

    page.fill("input[name=age]", "52")
    assert_accessible(page)
    page.locator("#next").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/staff/surveys/phone/")
    assert "It is not linked to this number." in page.locator("main").inner_text()
    assert_accessible(page)

    response = Response.objects.get()
    assert (response.channel, response.recruitment, response.language) == (
        Channel.PHONE,
        Recruitment.PHONE_SAMPLE,
        "es",
    )
    case.refresh_from_db()
    assert (case.used, case.disposition, case.held_by) == (True, "1.1", None)


def test_staff_import_a_phone_sample_on_a_phone(page, sign_in_browser, analyst, tmp_path):
    wave = make_wave()
    make_districts()
    page.set_viewport_size(PHONE)
    sign_in_browser(analyst)
    page.goto("/es/staff/surveys/phone/samples/")
    assert_accessible(page)
    page.locator(f"a[href$='/samples/{wave.pk}/']").click()
    page.wait_for_load_state()
    assert fits_the_width(page)
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,district,language\n12,D1,es\n")
    page.set_input_files("#id_sample_file", str(bad))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#row-errors").is_visible()
    assert_accessible(page)
    good = tmp_path / "good.csv"
    good.write_text("phone,district,language\n(312) 555-0101,D1,es\n312 555 0102,D2,en\n")
    page.set_input_files("#id_sample_file", str(good))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#progress").is_visible()
    assert "555" not in page.locator("main").inner_text()
    assert_accessible(page)
    assert PhoneCase.objects.filter(wave=wave).count() == 2


def test_staff_type_in_a_paper_questionnaire(page, sign_in_browser, interviewer):
    wave = make_wave()
    page.set_viewport_size(PHONE)
    sign_in_browser(interviewer)
    page.goto("/en/staff/surveys/paper/")
    assert_accessible(page)
    page.locator(f"a[href$='/paper/{wave.pk}/']").click()
    page.wait_for_load_state()
    assert fits_the_width(page)
    assert_accessible(page)
    choose(page, "safe", "5")
    choose(page, "contact", "no")
    page.fill("input[name=age]", "15")
    page.locator("#save").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert page.locator("input[name=age]").input_value() == "15"
    assert_accessible(page)
    choose(page, "trust", "6")
    page.fill("input[name=age]", "61")
    page.locator("#save").click()
    page.wait_for_load_state()
    assert page.locator("#saved").is_visible()
    assert_accessible(page)
    assert Response.objects.filter(channel=Channel.PAPER).count() == 1
