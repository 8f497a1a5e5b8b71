"""The grouped alert list in a browser: one row per officer, readable at phone width (the table
scrolls inside its own region), axe clean."""

import pytest
from django.urls import reverse
from django.utils import timezone

from commonground.early_warning.actions import run_detectors
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_the_alert_list_shows_one_row_per_officer_at_each_width(
    live_server, page, sign_in_browser, width
):
    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
    three_complaints_rule()
    three_complaints_rule(name="Two complaints in a year", window_days=365, min_events=2)
    run_detectors(on=timezone.localdate())
    sign_in_browser(unit.sergeant)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reverse("early_warning:alert_list"))
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("ul.officer-alerts li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=f"/tmp/shots-h-staffui/alerts-{width}.png", full_page=True)
