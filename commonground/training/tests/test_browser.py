import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.testing.browser import assert_accessible, field_error

pytestmark = pytest.mark.browser


def test_a_coordinator_publishes_a_policy_that_residents_then_find(
    live_server, page, sign_in_browser
):
    sign_in_browser(make_staff("coordinator", Role.TRAINING_COORDINATOR))
    page.goto("/en/staff/")
    page.locator("main a[href='/en/staff/policies/']").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a policy").click()
    page.fill("#id_number", "GO 3.02")
    page.select_option("#id_category", "use_of_force")
    page.fill("#id_title_en", "Use of force")
    page.fill("#id_text_en", "Officers use only the force that is necessary.")
    page.get_by_role("button", name="Save as a draft").click()

    assert field_error(page, "id_title_es").inner_text() == "Give the title in Spanish."
    assert page.input_value("#id_text_en") == "Officers use only the force that is necessary."
    assert_accessible(page)
    page.fill("#id_title_es", "Uso de la fuerza")
    page.fill("#id_text_es", "Los agentes usan solo la fuerza necesaria.")
    page.fill("#id_effective_on", "2026-01-01")
    page.get_by_role("button", name="Save as a draft").click()
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 1").click()
    assert "is published" in page.locator("main").inner_text()

    page.goto("/es/policies/")
    page.fill("#q", "fuerza necesaria")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="GO 3.02: Uso de la fuerza").click()
    assert "Los agentes usan solo la fuerza necesaria." in page.locator("main").inner_text()
    assert_accessible(page)
