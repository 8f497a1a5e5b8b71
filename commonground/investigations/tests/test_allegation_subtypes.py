"""The sub-type of an allegation follows its category: grouped by category without JavaScript,
narrowed to the chosen category with it, and a wrong pair refused next to the sub-type."""

import re

import pytest

from commonground.complaints.models import Allegation, AllegationSubtype
from commonground.investigations.tests.helpers import triaged_case
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.usefixtures("on_commit_immediately")]


def subtypes():
    return {
        "taser": AllegationSubtype.objects.create(
            category="use_of_force", names={"en": "Taser", "es": "Táser"}
        ),
        "baton": AllegationSubtype.objects.create(
            category="use_of_force", names={"en": "Baton", "es": "Porra"}
        ),
        "rude": AllegationSubtype.objects.create(
            category="discourtesy", names={"en": "Rude gesture", "es": "Gesto grosero"}
        ),
        "old": AllegationSubtype.objects.create(
            category="discourtesy", names={"en": "Retired label"}, active=False
        ),
    }


def allegation_form(response):
    return response.context["forms"]["allegation"]


@pytest.mark.django_db
def test_sub_types_are_grouped_by_their_category(client, supervisor):
    kinds = subtypes()
    case = triaged_case(supervisor)
    client.force_login(supervisor)
    page = client.get(f"/en/staff/cases/{case.report.pk}/").content.decode()
    assert '<optgroup label="Use of force">' in page
    assert '<optgroup label="Discourtesy">' in page
    assert f'value="{kinds["taser"].pk}" data-category="use_of_force"' in page
    assert f'value="{kinds["rude"].pk}" data-category="discourtesy"' in page
    assert "Retired label" not in page
    spanish = client.get(f"/es/staff/cases/{case.report.pk}/").content.decode()
    assert ">Táser<" in spanish


@pytest.mark.django_db
def test_a_sub_type_of_another_category_is_refused_next_to_it_keeping_what_was_chosen(
    client, supervisor
):
    kinds = subtypes()
    case = triaged_case(supervisor)
    before = Allegation.objects.count()
    client.force_login(supervisor)
    involved = case.report.officers.first()
    response = client.post(
        f"/en/staff/cases/{case.report.pk}/do/allegation/",
        {
            "version": case.version,
            "allegation-involved": involved.pk,
            "allegation-category": "discourtesy",
            "allegation-subtype": kinds["taser"].pk,
            "allegation-summary": "Pointed a taser while shouting",
        },
    )
    assert response.status_code == 400
    form = allegation_form(response)
    assert list(form.errors) == ["subtype"]
    assert "Taser" in form.errors["subtype"][0]
    assert "Discourtesy" in form.errors["subtype"][0]
    page = response.content.decode()
    assert "Pointed a taser while shouting" in page
    assert '<option value="discourtesy" selected>' in page
    assert re.search(f'<option value="{kinds["taser"].pk}"[^>]* selected', page)
    assert Allegation.objects.count() == before


@pytest.mark.django_db
def test_a_sub_type_of_the_chosen_category_is_recorded(client, supervisor):
    kinds = subtypes()
    case = triaged_case(supervisor)
    client.force_login(supervisor)
    response = client.post(
        f"/en/staff/cases/{case.report.pk}/do/allegation/",
        {
            "version": case.version,
            "allegation-involved": case.report.officers.first().pk,
            "allegation-category": "use_of_force",
            "allegation-subtype": kinds["baton"].pk,
            "allegation-summary": "Struck with a baton",
        },
    )
    assert response.status_code == 302
    assert Allegation.objects.filter(report=case.report, subtype=kinds["baton"]).exists()


def offered(page) -> list[str]:
    return page.locator("#id_allegation-subtype option").evaluate_all(
        "options => options.map(o => o.textContent.trim())"
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_choosing_a_category_narrows_the_sub_types_to_it(
    live_server, page, sign_in_browser, supervisor, width
):
    subtypes()
    case = triaged_case(supervisor)
    page.set_viewport_size({"width": width, "height": 844})
    sign_in_browser(supervisor)
    page.goto(f"{live_server.url}/es/staff/cases/{case.report.pk}/")
    page.locator("main details:has(#id_allegation-category) summary").click()
    page.select_option("#id_allegation-category", "use_of_force")
    assert offered(page) == ["(ninguno)", "Táser", "Porra"]
    page.select_option("#id_allegation-subtype", label="Porra")
    page.select_option("#id_allegation-category", "discourtesy")
    assert offered(page) == ["(ninguno)", "Gesto grosero"]
    assert page.locator("#id_allegation-subtype").input_value() == ""
    page.select_option("#id_allegation-category", "untruthfulness")
    assert offered(page) == ["(ninguno)"]
    page.locator("#id_allegation-subtype").scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/shots-h-cases/subtypes-{width}.png", full_page=False)
    assert_accessible(page)
