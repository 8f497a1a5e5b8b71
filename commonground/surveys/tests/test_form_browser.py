"""A designer builds a question with skip logic in English and Spanish, in the browser, with
every page checked by axe; the mistake comes back next to its field with what was typed."""

import pytest

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys.models import Question
from commonground.testing.browser import assert_accessible, field_error

pytestmark = pytest.mark.browser


def test_a_designer_builds_a_question_with_skip_logic_in_both_languages(
    live_server, page, sign_in_browser
):
    # The builder's pages are long forms; give a loaded machine time to serve them.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    sign_in_browser(make_staff("designer", Role.COMMUNITY_ENGAGEMENT))
    page.goto("/en/staff/surveys/")
    assert_accessible(page)
    page.click("main a[href='/en/staff/surveys/new/']")
    page.fill("#id_title_en", "Community trust and safety")
    page.fill("#id_title_es", "Confianza y seguridad en la comunidad")
    page.fill("#id_slug", "trust")
    page.click("main button[type=submit]")
    assert_accessible(page)

    page.click("main a[href$='/questionnaires/bank/']")
    assert_accessible(page)
    page.fill("#id_name", "trust_safety")
    page.fill("#id_title_en", "Trust and safety")
    page.fill("#id_title_es", "Confianza y seguridad")
    for box in page.locator("input[name=topics]").all():
        if box.get_attribute("value") not in ("contact.called", "trust.fair"):
            box.uncheck()
    page.click("main button[type=submit]")
    assert_accessible(page)
    assert "trust_fair" in page.locator("main").inner_text()

    page.click("main a[href$='/questions/new/']")
    assert_accessible(page)
    page.fill("#id_name", "why_called")
    page.select_option("#id_kind", "long_text")
    page.fill("#id_page", "2")
    page.fill("#id_label_en", "Why did you call the police?")
    page.fill("#id_label_es", "¿Por qué llamó a la policía?")
    page.fill("#id_hint_en", "In a few words.")
    page.fill("#id_relevant", "${called} = 'yes'")
    page.click("main button[type=submit]")

    # Two mistakes, each next to its field; everything typed is still there.
    assert "${called}" in field_error(page, "id_relevant").inner_text()
    assert field_error(page, "id_hint_es").inner_text() == "Give the hint in Spanish."
    assert page.input_value("#id_label_es") == "¿Por qué llamó a la policía?"
    assert page.input_value("#id_relevant") == "${called} = 'yes'"
    assert_accessible(page)
    page.fill("#id_relevant", "${contact_called} = 'yes'")
    page.fill("#id_hint_es", "En pocas palabras.")
    page.click("main button[type=submit]")
    assert_accessible(page)
    assert "${contact_called} = 'yes'" in page.locator("main").inner_text()
    question = Question.objects.get(name="why_called")
    assert question.label == {
        "en": "Why did you call the police?",
        "es": "¿Por qué llamó a la policía?",
    }
    assert question.hint == {"en": "In a few words.", "es": "En pocas palabras."}
    assert question.relevant == "${contact_called} = 'yes'"

    # The same builder in Spanish.
    page.goto(page.url.replace("/en/", "/es/"))
    assert_accessible(page)
    page.click(f"main a[href$='/questions/{question.pk}/']")
    assert page.input_value("#id_label_es") == "¿Por qué llamó a la policía?"
    assert_accessible(page)
