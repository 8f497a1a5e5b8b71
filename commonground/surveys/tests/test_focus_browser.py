"""A focus group is entered, a participant added, a passage coded and the comparison read,
in English and in Spanish, at a phone's width, with axe checking every page."""

import pytest
from django.test import Client
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.roster.models import Agency
from commonground.surveys.models import CodedExcerpt, FocusGroup
from commonground.surveys.tests.factories import make_survey
from commonground.testing.browser import assert_accessible, field_error

pytestmark = pytest.mark.browser

NOTES = "P1 said calls at night take an hour.\nP2 said the same about weekends."


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_focus_group_is_entered_coded_and_compared(live_server, page, sign_in_browser, language):
    engagement_officer = make_staff("engagement", Role.COMMUNITY_ENGAGEMENT)
    Agency.objects.create(name="PD", suppression_threshold=1)
    survey = make_survey()
    sign_in_browser(engagement_officer)
    # A first request imports every app's pages; on a busy machine that alone can outlast a
    # navigation's timeout, so it is made here, before the browser's.
    warm = Client()
    warm.force_login(engagement_officer)
    warm.get(f"/{language}/staff/surveys/focus/")
    page.set_viewport_size({"width": 390, "height": 844})
    # The shared test machines are busy: a first page can take longer than the usual 10 s.
    page.set_default_navigation_timeout(30_000)
    page.set_default_timeout(30_000)

    page.goto(f"/{language}/staff/surveys/focus/")
    assert_accessible(page)
    page.locator(
        f"main a[href='/{language}/staff/surveys/focus/survey/{survey.pk}/themes/']"
    ).click()
    assert_accessible(page)
    page.fill("#id_code", "slow_response")
    page.fill("#id_label_en", "Slow response")
    page.locator("main form button[type=submit]").click()
    assert field_error(page, "id_label_es").is_visible()
    assert page.input_value("#id_label_en") == "Slow response"
    assert_accessible(page)
    page.fill("#id_label_es", "Respuesta lenta")
    page.locator("main form button[type=submit]").click()
    assert "slow_response" in page.locator("main table").inner_text()
    assert_accessible(page)

    page.goto(f"/{language}/staff/surveys/focus/survey/{survey.pk}/new/")
    assert_accessible(page)
    page.fill("#id_title", "Evening session")
    page.select_option("#id_facilitator", str(engagement_officer.pk))
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_place", "Library")
    page.select_option("#id_language", language)
    page.fill("#id_notes", NOTES)
    page.locator("main form button[type=submit]").click()
    group = FocusGroup.objects.get()
    assert page.url.endswith(f"/staff/surveys/focus/{group.pk}/")
    assert_accessible(page)

    page.fill("#id_participant-label", "Ana")
    page.locator(f"form[action$='/focus/{group.pk}/do/participant/'] button").click()
    assert field_error(page, "id_participant-label").is_visible()
    assert page.input_value("#id_participant-label") == "Ana"
    assert_accessible(page)
    for tag in ("P1", "P2"):
        page.fill("#id_participant-label", tag)
        page.select_option("#id_participant-tenure", "renter")
        page.locator(f"form[action$='/focus/{group.pk}/do/participant/'] button").click()
    assert "P2" in page.locator("main table").first.inner_text()

    for tag, passage in (("P1", "calls at night take an hour"), ("P2", "the same about weekends")):
        page.select_option("#id_excerpt-theme", str(theme_pk(survey)))
        page.select_option("#id_excerpt-participant", label=tag)
        page.fill("#id_excerpt-excerpt", passage)
        page.locator(f"form[action$='/focus/{group.pk}/do/code/'] button").click()
    assert CodedExcerpt.objects.count() == 2
    assert_accessible(page)

    page.goto(f"/{language}/staff/surveys/focus/survey/{survey.pk}/compare/")
    page.select_option("#id_by", "tenure")
    page.locator("main form[role=search] button").click()
    assert "by=tenure" in page.url
    table = page.locator("main table").first
    row = table.locator("tbody tr").first
    # Tenure's columns: owner, renter, not recorded.
    assert row.locator("td").all_inner_texts() == ["0", "2", "0"]
    label = row.locator("th").inner_text()
    assert label == ("Slow response" if language == "en" else "Respuesta lenta")
    assert_accessible(page)


def theme_pk(survey) -> int:
    return survey.themes.get(code="slow_response").pk
