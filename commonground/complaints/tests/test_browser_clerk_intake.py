"""The clerk's intake journey in a real browser: a phone call entered with officers found in the
roster as the clerk types, as many people as the call needs, at phone and desktop width, in
English and Spanish."""

import pytest
from playwright.sync_api import expect

from commonground.complaints.models import Report
from commonground.complaints.tests.factories import agency_with_officers
from commonground.testing.browser import assert_accessible, days_ago, htmx_settled

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_clerk_takes_a_phone_call_with_the_roster_at_hand(
    live_server, page, sign_in_browser, intake_clerk, language, viewport
):
    _, _, _, officers = agency_with_officers(3)
    page.set_viewport_size(viewport)
    sign_in_browser(intake_clerk)
    # The live server's first request imports every app's views: slow on a busy machine.
    page.goto(f"/{language}/staff/intake/", timeout=60_000)
    form = page.locator("main form[data-submit-once]")
    assert form.locator("#id_receipt-channel").input_value() == "phone"
    form.locator("#id_reporter-name").fill("Dolores Huerta")
    form.locator("#id_reporter-phone").fill("555-201-3344")
    form.locator("#id_reporter-language").select_option("es")
    form.locator("#id_when-incident_date").fill(days_ago(2).isoformat())
    form.locator("#id_when-location").fill("Bus stop at 5th and Oak")
    form.locator("#id_what-narrative").fill("Caller says two officers pushed her son.")

    # The roster answers as the clerk types; picking adds the officer without leaving the page.
    form.locator("#officer-search").press_sequentially("Rivera1", delay=30)
    pick = form.locator(f"button[value='pick-{officers[1].pk}']")
    pick.wait_for()
    htmx_settled(page)
    pick.click()
    form.locator(f"input[name='officer-0-officer_id'][value='{officers[1].pk}']").wait_for(
        state="attached"
    )
    assert "Alex1 Rivera1" in form.locator("#officers .linked").inner_text()
    assert form.locator("#id_reporter-name").input_value() == "Dolores Huerta"

    form.locator("#id_person-0-name").fill("Sam Lee")
    if viewport is DESKTOP:
        # A typical call (one officer, one witness) fits a few screens, not 6,900 px.
        assert page_height(page) < 3000, page_height(page)
    assert_accessible(page)

    # Enter in the search box searches; it does not file the report.
    htmx_settled(page)
    form.locator("#officer-search").fill(officers[2].badge_number)
    form.locator("#officer-search").press("Enter")
    form.locator(f"button[value='pick-{officers[2].pk}']").click()
    form.locator(f"input[name='officer-1-officer_id'][value='{officers[2].pk}']").wait_for(
        state="attached"
    )
    assert not Report.objects.exists()

    # A third person, added in place; the new row takes the focus.
    form.locator("button[value='add-person']").click()
    form.locator("#id_person-1-name").wait_for()
    htmx_settled(page)
    expect(form.locator("#id_person-1-role")).to_be_focused()
    form.locator("#id_person-1-name").fill("Ana Ruiz")
    assert form.locator("#id_person-0-name").input_value() == "Sam Lee"

    # A badge typed by hand that the roster does not know is flagged as it is typed.
    form.locator("button[value='add-officer']").click()
    form.locator("#id_officer-2-badge_given").wait_for()
    # The new row wired up by htmx and every earlier exchange settled, then the clerk types
    # (Playwright's "networkidle" is a page-load state: it never waited for htmx's requests).
    htmx_settled(page)
    form.locator("#id_officer-2-badge_given").press_sequentially("9999", delay=30)
    form.locator("#officer-2-badge-check .badge-unknown").wait_for(timeout=30_000)
    assert "9999" in form.locator("#officer-2-badge-check").inner_text()
    assert_accessible(page)
    if viewport is PHONE:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the form scrolls sideways at phone width ({width} px)"

    form.locator(".actions button[value=file]").click()
    page.wait_for_load_state()
    code = page.locator("#tracking-code").inner_text().strip()
    assert len(code) == 19
    assert "9999" in page.locator("main .officers-filed").inner_text()
    assert_accessible(page)
    report = Report.objects.get()
    assert (report.channel, report.received_by, report.language) == ("phone", intake_clerk, "es")
    assert sorted(filter(None, report.officers.values_list("officer_id", flat=True))) == sorted(
        [officers[1].pk, officers[2].pk]
    )
    assert report.officers.get(officer=None).badge_given == "9999"
    assert sorted(p.details["name"] for p in report.people.all()) == ["Ana Ruiz", "Sam Lee"]


def test_without_javascript_the_clerk_searches_adds_rows_and_files(
    live_server, browser, intake_clerk
):
    from django.conf import settings
    from django.test import Client

    _, _, _, officers = agency_with_officers(2)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    client = Client()
    client.force_login(intake_clerk, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/es/staff/intake/", timeout=60_000)
    form = page.locator("main form[data-submit-once]")
    form.locator("#id_reporter-name").fill("Dolores Huerta")
    form.locator("#id_reporter-phone").fill("555-201-3344")
    form.locator("#id_when-incident_date").fill(days_ago(2).isoformat())
    form.locator("#id_when-location").fill("Bus stop at 5th and Oak")
    form.locator("#id_what-narrative").fill("Caller says an officer pushed her son.")
    # Enter in the search box searches (the server sees a search left in the box), never files.
    form.locator("#officer-search").fill("Rivera1")
    form.locator("#officer-search").press("Enter")
    page.wait_for_load_state()
    assert not Report.objects.exists()
    form.locator(f"button[value='pick-{officers[1].pk}']").click()
    page.wait_for_load_state()
    form.locator("#id_person-0-name").fill("Sam Lee")
    form.locator("button[value='add-person']").click()
    page.wait_for_load_state()
    form.locator("#id_person-1-name").fill("Ana Ruiz")
    assert form.locator("#id_person-0-name").input_value() == "Sam Lee"
    assert form.locator("#id_reporter-name").input_value() == "Dolores Huerta"
    # axe needs JavaScript; the markup is the one the test above checks.
    form.locator(".actions button[value=file]").click()
    page.wait_for_load_state()
    assert len(page.locator("#tracking-code").inner_text().strip()) == 19
    report = Report.objects.get()
    assert report.officers.get().officer == officers[1]
    assert sorted(p.details["name"] for p in report.people.all()) == ["Ana Ruiz", "Sam Lee"]
    context.close()
