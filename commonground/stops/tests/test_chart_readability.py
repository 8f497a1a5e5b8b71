"""The analyst's charts on a phone and a desktop: text at least 12 CSS pixels as displayed,
nothing cut off or overlapping, ratio axes labelled on both sides of 1."""

import re

import pytest

from commonground.publish.tests.test_chart_readability import DESKTOP, PHONE, check_charts
from commonground.stops.tests.test_analysis_pages import load_synthetic
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.files]


def test_staff_stop_charts_are_readable_on_a_phone_and_a_desktop(
    live_server, page, sign_in_browser, analyst, tmp_path
):
    load_synthetic(
        tmp_path,
        analyst,
        n=60_000,
        stop_rates={"black": 2.0},
        darkness_effect=-0.4,
        hit_rates={"black": 0.2, "white": 0.3},
        search_rates={"black": 0.08},
    )
    sign_in_browser(analyst)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for path in ("benchmark", "veil-of-darkness", "outcomes"):
            page.goto(f"/en/staff/stops/{path}/")
            assert check_charts(page, viewport) >= 1
            assert_accessible(page)
        page.goto("/es/staff/stops/benchmark/")
        check_charts(page, viewport)
        # The by-district chart labels ratios above 1, where the disparities are.
        chart = page.locator("section[aria-labelledby=ratio-heading] svg.chart").filter(
            has=page.locator("text")
        )
        visible = [c for c in chart.all() if c.is_visible()]
        labels = [t.strip() for t in visible[0].locator("text").all_text_contents()]
        numbers = [float(t.replace(",", ".")) for t in labels if re.fullmatch(r"[\d,.]+", t)]
        assert [n for n in numbers if n > 1] and [n for n in numbers if n < 1], labels
