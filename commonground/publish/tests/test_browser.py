import pytest

from commonground.accounts.models import Role
from commonground.complaints.tests.factories import agency_with_officers
from commonground.conftest import make_staff
from commonground.publish.actions import build_release
from commonground.publish.dashboards import DASHBOARDS
from commonground.publish.tests.helpers import complaints
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.files]


@pytest.mark.parametrize("language", ["en", "es"])
def test_figures_and_open_data_pages_are_accessible_and_need_no_script(
    live_server, browser, language
):
    _agency, district, _unit, _officers = agency_with_officers(1)
    complaints(25, district=district)
    build_release(by=make_staff("analyst-b", Role.ANALYST))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"/{language}/")
    page.get_by_role("link", name="Figures" if language == "en" else "Cifras").first.click()
    for board in DASHBOARDS:
        page.goto(f"/{language}/figures/{board.slug}/")
        assert page.locator("h1").inner_text()
        page.locator("details summary").first.click()
        assert page.locator("table").first.is_visible()
    page.goto(f"/{language}/data/")
    page.goto(f"/{language}/data/complaints-by-channel/")
    context.close()

    # On a desktop and on a phone, where wide tables scroll inside the page.
    for viewport in [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]:
        checked = browser.new_context(base_url=live_server.url, viewport=viewport).new_page()
        for path in [
            "figures/",
            *[f"figures/{b.slug}/" for b in DASHBOARDS],
            "data/",
            "data/allegation-records/",
        ]:
            checked.goto(f"/{language}/{path}")
            assert_accessible(checked)
        checked.context.close()


def test_the_api_documentation_draws_within_the_content_security_policy(live_server, browser):
    _agency, district, _unit, _officers = agency_with_officers(1)
    complaints(3, district=district)
    build_release(by=make_staff("analyst-d", Role.ANALYST))
    page = browser.new_context(base_url=live_server.url).new_page()
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    outside = []
    page.on(
        "requestfinished",
        lambda r: r.url.startswith((live_server.url, "blob:")) or outside.append(r.url),
    )

    page.goto("/api/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/allegations/").wait_for()
    assert_accessible(page)
    page.goto("/api/redoc/")
    page.locator("h2", has_text="Allegations, one row each").wait_for()

    # ReDoc's footer logo lives on its maker's server: refused, as anything from elsewhere is.
    assert [m for m in refused if "cdn.redoc.ly" not in m] == []
    assert outside == []  # no fonts or scripts from elsewhere: readers are not tracked
