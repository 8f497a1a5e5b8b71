"""A resident answers the survey in a real browser: in Spanish on a phone with JavaScript off
(a skip and a constraint error on the way), and in English at desktop width with JavaScript,
changing language halfway. Every page is checked with axe."""

import pytest

from commonground.surveys.models import Answer, Channel, Recruitment, Response
from commonground.surveys.tests.factories import make_invitations, make_wave
from commonground.testing.browser import TIMEOUT_MS, assert_accessible, choose

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def answered(response):
    return {
        a.question.name for a in Answer.objects.filter(response=response).select_related("question")
    }


def next_page(page):
    page.locator("main form.survey-page button[value=next]").click()
    page.wait_for_load_state()


def test_without_javascript_a_resident_answers_in_spanish_on_a_phone(live_server, browser):
    wave = make_wave()
    (code, _invitation), *_rest = make_invitations(wave)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_viewport_size(PHONE)
    # axe runs in the page, so it needs JavaScript: a second browser with the resident's
    # session cookie checks each page the first one shows.
    checker_context = browser.new_context(base_url=live_server.url)
    checker = checker_context.new_page()
    checker.set_default_timeout(TIMEOUT_MS)
    checker.set_viewport_size(PHONE)

    def check_accessible():
        checker_context.add_cookies(context.cookies())
        checker.goto(page.url)
        assert_accessible(checker)
        # No page is wider than the phone.
        assert checker.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The live server's first request imports every app's views: slow on a busy machine.
    page.goto("/es/survey/", timeout=60_000)
    check_accessible()
    page.locator("#id_code").fill(f" {code.lower().replace('-', ' ')} ")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/es/survey/questions/1/")
    assert "Página 1 de 3" in page.locator("main").inner_text()
    assert page.locator("legend", has_text="Me siento seguro").count() == 1
    check_accessible()

    # No contact with the police: the question about what contact is skipped.
    choose(page, "safe", "4")
    choose(page, "contact", "no")
    next_page(page)
    assert page.url.endswith("/es/survey/questions/2/")
    assert page.locator("input[name=contact_kind]").count() == 0
    choose(page, "trust", "7")
    next_page(page)

    # An age under 18 breaks the constraint: the message is in Spanish, linked from the summary,
    # and what was typed stays.
    page.locator("#id_age").fill("9")
    page.locator("#id_comment").fill("Más luz en el parque")
    next_page(page)
    summary = page.locator("#error-summary")
    assert "Esta encuesta es para adultos" in summary.inner_text()
    assert page.locator("#id_age").get_attribute("aria-describedby") == "id_age_error"
    assert page.locator("#id_age").input_value() == "9"
    assert page.locator("#id_comment").input_value() == "Más luz en el parque"
    check_accessible()
    page.locator("#id_age").fill("40")
    next_page(page)

    assert page.url.endswith("/es/survey/check/")
    main = page.locator("main").inner_text()
    assert "De acuerdo" in main and "Más luz en el parque" in main
    check_accessible()
    page.locator("main form[data-submit-once] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/es/survey/thanks/")
    check_accessible()

    response = Response.objects.get()
    assert (response.channel, response.recruitment, response.language) == (
        Channel.WEB,
        Recruitment.ADDRESS_SAMPLE,
        "es",
    )
    assert answered(response) == {"safe", "contact", "trust", "age", "comment"}
    checker_context.close()
    context.close()


def test_with_javascript_a_resident_answers_on_a_desktop_and_changes_language(live_server, page):
    make_wave()
    page.set_viewport_size(DESKTOP)
    page.goto("/en/survey/", timeout=60_000)
    assert_accessible(page)
    page.locator("a[href='/en/survey/trust/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/survey/questions/1/")
    assert_accessible(page)

    # Leaving a required question out: the summary names it and links to it.
    choose(page, "contact", "yes")
    next_page(page)
    summary = page.locator("#error-summary")
    assert "Tell us how safe you feel." in summary.inner_text()
    assert_accessible(page)
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_safe_0"
    choose(page, "safe", "2")
    next_page(page)

    # Changing language halfway loses nothing.
    choose(page, "contact_kind", "called")
    page.locator("nav.languages a[hreflang=es]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/es/survey/questions/2/")
    page.locator("nav.languages a[hreflang=en]").click()
    page.wait_for_load_state()
    page.goto("/es/survey/questions/1/")
    assert page.locator("input[name=safe][value='2']").is_checked()
    assert page.locator("input[name=contact][value='yes']").is_checked()
    next_page(page)
    choose(page, "contact_kind", "called")
    choose(page, "trust", "3")
    next_page(page)
    next_page(page)
    assert page.url.endswith("/es/survey/check/")
    assert_accessible(page)
    page.locator("main form[data-submit-once] button[type=submit]").click()
    page.wait_for_url("**/es/survey/thanks/")
    assert_accessible(page)
    response = Response.objects.get()
    assert (response.recruitment, response.language) == (Recruitment.OPEN_LINK, "es")
    assert answered(response) == {"safe", "contact", "contact_kind", "trust"}
