"""Switching language never loses a page's content: every resident page reached by a POST (the
confirmation after filing, the status page after a lookup, the result of adding information, a
refused file, a request for review) is a GET page afterwards, so its language link works. And the
tracking code fits a phone's width on one line and can be copied."""

import pytest

from commonground.complaints.models import Outcome
from commonground.investigations.actions import close_case
from commonground.investigations.tests.helpers import triaged_case
from commonground.testing.browser import (
    assert_accessible,
    fill_what,
    fill_when,
    start_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.files]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _warm(page):
    """The live server's first request imports every view: on a busy machine that alone can pass
    the page's navigation timeout, which is meant for our pages, not for start-up."""
    page.goto("/en/", timeout=120_000)


def switch_to(page, language: str) -> None:
    page.locator(f"nav.languages a[hreflang='{language}']").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == language


def file_complaint(page, language="en") -> str:
    start_report(page, language=language)
    fill_when(page)
    fill_what(page)
    page.goto(f"/{language}/report/review/")
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()
    page.wait_for_url(f"**/{language}/report/received/")
    return page.locator("#tracking-code").inner_text().strip()


def look_up(page, code: str, language="en") -> None:
    page.goto(f"/{language}/status/")
    page.fill("#id_code", code)
    page.locator("main form[action$='/status/'] [type=submit]").click()
    page.wait_for_url(f"**/{language}/status/report/")


def test_every_page_reached_by_a_post_keeps_its_content_in_the_other_language(
    live_server, page, tmp_path
):
    page.set_viewport_size(PHONE)
    code = file_complaint(page)

    # The confirmation: the code, shown only once, is still there in Spanish, and back again.
    switch_to(page, "es")
    assert page.locator("#tracking-code").inner_text().strip() == code
    assert page.locator("h1").inner_text() == "Recibimos su queja"
    assert_accessible(page)
    switch_to(page, "en")
    assert page.locator("#tracking-code").inner_text().strip() == code

    # The status page after a lookup.
    look_up(page, code)
    switch_to(page, "es")
    assert page.locator("h1").inner_text() == "Su queja"
    assert page.locator("input[name=code]").first.input_value() == code
    assert_accessible(page)

    # The result of adding information: what was added is listed in either language.
    page.fill("#id_text", "La patrulla era la 4412.")
    page.locator("main form[action$='/status/add/'] [type=submit]").click()
    page.wait_for_url("**/es/status/report/")
    assert page.get_by_role("status").filter(has_text="Gracias").count() == 1
    switch_to(page, "en")
    assert "La patrulla era la 4412." in page.locator(".additions").inner_text()

    # A refused file: nothing was saved, the page says so, and the typed text survives a switch.
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.fill("#id_text", "And the officer's name tag said Reyes.")
    page.set_input_files("#id_files", str(bad))
    page.locator("main form[action$='/status/add/'] [type=submit]").click()
    page.wait_for_url("**/en/status/report/")
    assert "Nothing was added yet" in page.locator(".error-summary").inner_text()
    assert "notes.exe" in page.locator(".error-summary").inner_text()
    switch_to(page, "es")
    assert page.locator("#id_text").input_value() == "And the officer's name tag said Reyes."
    assert_accessible(page)


def test_a_closed_case_keeps_the_review_form_and_its_text_across_a_switch(
    live_server, page, supervisor
):
    case = triaged_case(supervisor)
    close_case(
        case=case, outcome=Outcome.INSUFFICIENT_INFORMATION, reason="No details", by=supervisor
    )
    page.set_viewport_size(PHONE)
    look_up(page, case.tracking_code)
    # Sent empty: the page asks for a reason; the switch keeps the form and its message.
    page.locator("main form[action$='/status/review/'] [type=submit]").click()
    page.wait_for_url("**/en/status/report/")
    assert page.locator("#id_reason_error, .errorlist").count() >= 1
    switch_to(page, "es")
    assert page.locator("main form[action$='/status/review/'] #id_reason").count() == 1
    page.fill("#id_reason", "Di el número de placa en mi llamada.")
    page.locator("main form[action$='/status/review/'] [type=submit]").click()
    page.wait_for_url("**/es/status/report/")
    assert "Di el número de placa" in page.locator(".additions").inner_text()
    switch_to(page, "en")
    assert "You asked for a review on" in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP, {"width": 320, "height": 640}])
def test_the_tracking_code_stays_on_one_line_and_can_be_copied(live_server, page, viewport):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(viewport)
    code = file_complaint(page, "es")
    box = page.locator("#tracking-code").bounding_box()
    lines = page.evaluate(
        """() => { const range = document.createRange();
        range.selectNodeContents(document.getElementById('tracking-code'));
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""
    )
    assert lines == 1, "the code wraps onto a second line"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], "the code overflows"

    button = page.locator("[data-copy='tracking-code']")
    assert button.is_visible()
    assert button.inner_text() == "Copiar el código"
    button.click()
    status = page.locator("[data-copy-status]")
    status.filter(has_text="Copiado").wait_for(state="attached")
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert_accessible(page)
    page.screenshot(path=f"/tmp/shots-h-resident/confirmation-es-{viewport['width']}.png")


def test_without_javascript_the_copy_button_is_not_offered(live_server, browser):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    file_complaint(page)
    assert page.locator("[data-copy='tracking-code']").is_hidden()
    assert page.locator("#tracking-code").is_visible()
    context.close()
