"""Staff pages fit: their content is no wider than the header above it at desktop width, and
nothing makes a phone's page scroll sideways (wide tables scroll inside their own region)."""

import pytest
from django.urls import reverse

from commonground.accounts.models import Role
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

STAFF_PAGES = [
    "staff_home",
    "complaints:staff_intake",
    "investigations:case_list",
    "investigations:queues",
    "investigations:new_reports",
    "investigations:overview",
    "oversight:board_home",
    "oversight:decision_queue",
    "evidence:item_list",
    "evidence:import_footage",
    "stops:analysis",
    "stops:batch_list",
    "stops:incident_list",
    "early_warning:alert_list",
    "early_warning:report",
    "training:policy_list",
    "training:policy_new",
    "roster:officer_list",
]

MEASURE = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const header = document.querySelector('.site-header .wrap').getBoundingClientRect();
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          main: Math.round(main.width), header: Math.round(header.width),
          mainLeft: Math.round(main.left), headerLeft: Math.round(header.left)};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_staff_pages_fit_the_header_and_the_screen(live_server, page, sign_in_browser, width):
    everyone = make_staff("everyone", *Role.values)
    report = file().report
    sign_in_browser(everyone)
    page.set_viewport_size({"width": width, "height": 900})
    pages = [reverse(name) for name in STAFF_PAGES]
    pages.append(reverse("investigations:case_detail", args=[report.pk]))
    misfits = []
    for url in pages:
        page.goto(url)
        size = page.evaluate(MEASURE)
        if size["scroll"] > size["inner"] or size["main"] > size["header"]:
            misfits.append((url, size))
        if width == 1280 and size["mainLeft"] != size["headerLeft"]:
            misfits.append((url, "main and header do not line up", size))
    page.screenshot(path=f"/tmp/shots-h-staffui/case-{width}.png", full_page=True)
    assert not misfits
    assert_accessible(page)
