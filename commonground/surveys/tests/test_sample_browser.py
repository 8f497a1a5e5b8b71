"""A community engagement officer imports an address list (fixing a bad row), draws a sample
and downloads its letters, on a phone and on a desktop, every page checked with axe."""

import pytest

from commonground.surveys.models import Invitation, Sample
from commonground.surveys.tests.factories import make_districts, make_wave
from commonground.surveys.tests.sample_helpers import HEADER
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_import_draw_and_print(page, sign_in_browser, engagement_officer, tmp_path, width):
    make_districts()
    wave = make_wave(open_link=True)
    page.set_viewport_size(WIDTHS[width])
    sign_in_browser(engagement_officer)

    # The live server's first page imports and renders everything once: allow it the time.
    page.goto("/en/staff/surveys/sampling/", timeout=60_000)
    assert "No address list yet." in page.locator("main").inner_text()
    assert fits_the_width(page)
    assert_accessible(page)

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "1 Elm St,,Riverton,1,D1\n2 Elm St,,Riverton,1,D5\n")
    page.locator("main a[href$='/sampling/lists/import/']").first.click()
    page.fill("#id_name", "City list")
    page.set_input_files("#id_file", str(bad))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "There is no district with the code “D5”." in page.locator("main").inner_text()
    assert page.input_value("#id_name") == "City list"
    assert_accessible(page)

    good = tmp_path / "good.csv"
    rows = "".join(f"{n} Elm St,,Riverton,1,D{1 + n % 2}\n" for n in range(40))
    good.write_text(HEADER + rows)
    page.set_input_files("#id_file", str(good))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "40 addresses were imported." in page.locator("main").inner_text()
    assert fits_the_width(page)
    assert_accessible(page)

    page.locator(f"main a[href$='/sampling/waves/{wave.pk}/draw/']").click()
    assert_accessible(page)
    page.locator("input[name=allocation][value=equal]").check()
    page.fill("#id_total", "6")
    page.fill("#id_seed", "2026")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    sample = Sample.objects.get(wave=wave)
    assert sample.seed == 2026 and sample.strata == {"D1": [20, 3], "D2": [20, 3]}
    assert "Reprinting gives the letters new codes" in page.locator("main").inner_text()
    assert fits_the_width(page)
    assert_accessible(page)

    # Laying out the letters takes a while on a loaded machine: wait for the file, not 10 s.
    with page.expect_download(timeout=120_000) as download:
        page.locator("main form[action$='/do/letters/'] button[type=submit]").click(timeout=120_000)
    assert download.value.suggested_filename.endswith("-6.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert Invitation.objects.filter(sample=sample, letter_printed=True).count() == 6

    page.reload()
    assert "<td>6</td>" in page.content()
    page.locator(f"main a[href$='/sampling/waves/{wave.pk}/open-link/']").click()
    assert page.locator("main svg").count() == 1
    assert_accessible(page)
