import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys.tests import results_factories as rf
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_an_analyst_imports_margins_weights_a_wave_and_reads_its_results(
    live_server, page, sign_in_browser, tmp_path
):
    districts = rf.make_districts()
    wave = rf.make_wave()
    rf.add_responses(wave, districts)
    sign_in_browser(make_staff("browser-analyst", Role.ANALYST))
    # The weighting run happens inside the request (the test's task backend runs it at once),
    # and the first request imports every app's views: longer than the default on a busy
    # shared machine.
    page.set_default_timeout(90_000)
    page.set_default_navigation_timeout(90_000)

    page.goto("/en/staff/surveys/results/")
    assert_accessible(page)
    page.get_by_role("link", name=wave.label).click()
    assert "has not been weighted yet" in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto("/en/staff/surveys/margins/")
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("district,variable,category,population\nD1,sex,nobody,5\n")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Import the margins").click()
    assert "sex has no category 'nobody'" in page.locator("main").inner_text()
    assert_accessible(page)
    lines = ["district,variable,category,population,source,year"]
    for code in rf.DISTRICTS:
        for variable, categories, shares in (
            ("age_band", rf.AGES, rf.AGE_SHARES),
            ("sex", rf.SEXES, (0.5, 0.5)),
            ("tenure", rf.TENURES, (0.5, 0.5)),
        ):
            for category, count in zip(categories, rf._split(20_000, shares), strict=True):
                lines.append(f"{code},{variable},{category},{count},Census,2025")
    good = tmp_path / "good.csv"
    good.write_text("\n".join(lines) + "\n")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Import the margins").click()
    assert "population margins were saved" in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto(f"/en/staff/surveys/results/{wave.pk}/")
    page.fill("#id_upper", "5")
    page.get_by_role("button", name="Weight the responses").click()
    main = page.locator("main").inner_text()
    assert "Weighting report" in main
    assert "Small-area model estimate" in main
    assert_accessible(page)
