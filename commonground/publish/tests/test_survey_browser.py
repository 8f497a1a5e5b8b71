"""The public district page of the surveys, in Spanish, on a phone, without JavaScript: readable,
and axe finds nothing."""

import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.publish.actions import build_release
from commonground.roster.models import District
from commonground.surveys.tests.publish_helpers import indices, published_wave, weighting_run
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.files]


def test_the_district_page_in_spanish_at_phone_width_without_script_is_accessible(
    live_server, browser
):
    wave = published_wave(n=40)
    indices(weighting_run(wave), list(District.objects.order_by("code")))
    build_release(by=make_staff("analyst-s", Role.ANALYST))
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        locale="es-ES",
    )
    page = context.new_page()
    page.goto("/es/results/surveys/")
    page.get_by_role("link", name="Resultados para toda la ciudad y cada distrito").click()
    page.get_by_role("link", name="Northside").first.click()
    assert "Northside" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("table").first.is_visible()
    context.close()

    # axe runs as a script: the same pages, at the same width, with scripts on for the check.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="es-ES"
    )
    page = context.new_page()
    for path in [
        "/es/results/surveys/trust/districts/D1/",
        "/es/results/surveys/",
        "/es/results/surveys/trust/",
        "/es/results/surveys/trust/questionnaire/2026-q1/",
        "/es/results/surveys/trust/data/2026-q1/",
    ]:
        page.goto(path)
        assert_accessible(page)
    context.close()
