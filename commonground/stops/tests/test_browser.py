"""The analyst's stop pages in a real browser, with axe-core: the three analyses with their
charts and tables, their filters, and a file that fails its checks."""

import pytest

from commonground.stops.tests.helpers import stop_row, write_csv
from commonground.stops.tests.test_analysis_pages import load_synthetic
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.files]


def test_the_analyses_read_as_charts_and_tables(
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
    page.goto("/en/staff/stops/")
    assert page.locator("main a[href='/en/staff/stops/veil-of-darkness/']").count() == 1
    assert_accessible(page)
    for path in ("benchmark", "veil-of-darkness", "outcomes"):
        page.goto(f"/en/staff/stops/{path}/")
        assert page.locator("main svg[role=img][aria-label]").count() >= 1
        assert page.locator("main table caption").count() >= 1
        assert_accessible(page)
    # Narrowed to one district and pedestrians, in Spanish.
    page.goto("/es/staff/stops/outcomes/")
    page.select_option("select[name=district]", label="Northside")
    page.select_option("select[name=stop_type]", value="pedestrian")
    page.locator("main form.filters [type=submit]").click()
    page.wait_for_load_state()
    assert "stop_type=pedestrian" in page.url
    assert page.locator("html[lang=es]").count() == 1
    assert_accessible(page)
    # A period that ends before it starts is refused next to the field.
    page.goto("/en/staff/stops/benchmark/?start=2024-06-01&end=2024-01-01")
    assert page.locator("#id_end_error").count() == 1
    assert_accessible(page)


def test_a_file_with_problems_loads_nothing_and_lists_them(
    live_server, page, sign_in_browser, analyst, tmp_path
):
    from commonground.stops.tests.helpers import small_agency

    small_agency()
    bad = write_csv(
        tmp_path / "stops.csv",
        [stop_row(), stop_row(subject_race="martian"), stop_row(time="25:61")],
    )
    sign_in_browser(analyst)
    page.goto("/en/staff/stops/batches/")
    assert_accessible(page)
    page.set_input_files("input[name=file]", str(bad))
    page.locator("main form[enctype] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main a[href$='/problems.csv']").count() == 1
    body = page.locator("main").inner_text()
    assert "martian" in body and "25:61" in body
    assert_accessible(page)
