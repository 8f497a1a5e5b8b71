"""Intake staff find the calls and letters to make, read the script in the resident's language,
record a call and print a letter, on a phone and on a desktop, in English and Spanish."""

import pytest

from commonground.correspondence.models import ContactTask, TaskStatus
from commonground.correspondence.tests.helpers import case_for
from commonground.investigations.actions import route_case
from commonground.testing.browser import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("on_commit_immediately"),
]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_intake_records_a_call_from_the_queue(
    page, sign_in_browser, supervisor, intake_clerk, width, language
):
    case = case_for(supervisor, "phone", language="es")
    route_case(case=case, to="mediation", by=supervisor)
    task = ContactTask.objects.get(report=case.report)
    page.set_viewport_size(WIDTHS[width])
    sign_in_browser(intake_clerk)

    page.goto(f"/{language}/staff/")
    page.locator("main a[href$='/staff/contact/']").click()
    assert page.locator("#tasks").is_visible()
    assert fits_the_width(page)
    assert_accessible(page)

    page.locator(f"#tasks a[href$='/staff/contact/{task.pk}/']").click()
    assert page.locator("#script[lang=es]").inner_text().startswith("Su reporte: En mediación")
    assert page.locator("a[href='tel:555-201-3344']").is_visible()
    assert fits_the_width(page)
    assert_accessible(page)

    page.locator("main button[type=submit]").click()  # no outcome chosen
    assert page.locator("#id_outcome_error").is_visible()
    assert_accessible(page)
    page.locator("input[name=outcome][value=no_answer]").check()
    page.fill("#id_note", "Rang at 10")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#attempts li").count() == 1
    assert "Rang at 10" in page.locator("#attempts").inner_text()
    assert_accessible(page)

    page.locator("input[name=outcome][value=reached]").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/{language}/staff/contact/")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert page.locator(f"#tasks a[href$='/staff/contact/{task.pk}/']").count() == 0


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_intake_prints_and_posts_a_letter(
    page, sign_in_browser, supervisor, intake_clerk, width, language
):
    case = case_for(supervisor, "mail", language="es")
    route_case(case=case, to="mediation", by=supervisor)
    task = ContactTask.objects.get(report=case.report)
    page.set_viewport_size(WIDTHS[width])
    sign_in_browser(intake_clerk)

    page.goto(f"/{language}/staff/contact/{task.pk}/")
    assert "12 Elm Street" in page.locator("main").inner_text()
    assert fits_the_width(page)
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator(f"a[href$='/staff/contact/{task.pk}/letter.pdf']").click()
    assert download.value.suggested_filename == f"letter-{case.report.reference}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.reload()
    page.locator(f"form[action$='/staff/contact/{task.pk}/posted/'] button").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/{language}/staff/contact/")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert_accessible(page)
