"""A sergeant's journey through an alert in a real browser, with axe-core on every page: the
list, the alert with the officer's record, a refused review, agreement, a plan and a follow-up;
then the officer's own record and the report per detector."""

import datetime

import pytest
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.early_warning.actions import estimate_false_alerts, run_detectors
from commonground.early_warning.models import Alert, AlertStatus
from commonground.early_warning.tests.helpers import complaint_about, force, three_complaints_rule
from commonground.testing.browser import assert_accessible, choose

pytestmark = pytest.mark.browser


def test_a_sergeant_reviews_an_alert_and_plans_support(
    live_server, page, sign_in_browser, supervisor, settings
):
    # An agency that tells officers of complaints at once, so the officer's page has the alert.
    settings.OFFICER_SEES_COMPLAINT_FROM = "received"
    unit = force()
    for _ in range(3):
        complaint_about(unit.officers[0])
    three_complaints_rule()
    (alert,) = run_detectors(on=timezone.localdate())

    sign_in_browser(unit.sergeant)
    page.goto("/en/staff/")
    page.locator("main a[href='/en/staff/early-intervention/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator(f"main a[href='/en/staff/early-intervention/alerts/{alert.pk}/']").click()
    page.wait_for_load_state()
    assert page.locator("main table caption").count() == 1
    assert_accessible(page)

    # No reason: refused beside the field, the choice kept.
    choose(page, "agrees", "yes")
    page.locator("main form[action$='/do/review/'] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_reason_error").count() == 1
    assert page.locator("input[name=agrees][value=yes]").is_checked()
    assert_accessible(page)
    page.fill("textarea[name=reason]", "Three similar complaints after traffic stops.")
    page.locator("main form[action$='/do/review/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Alert.objects.get().status == AlertStatus.AGREED

    page.select_option("select[name=kind]", value="mentoring")
    page.fill("textarea[name=description]", "Ride-alongs with a field training officer.")
    follow_up = timezone.localdate() + datetime.timedelta(days=21)
    page.fill("input[name=follow_up_on]", follow_up.isoformat())
    page.locator("main form[action$='/do/intervention/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Alert.objects.get().status == AlertStatus.INTERVENTION
    assert_accessible(page)

    page.locator("main details:has(form[action$='/do/follow-up/']) > summary").click()
    planned = Alert.objects.get().interventions.get()
    choose(page, f"i{planned.pk}-outcome", "resolved")
    page.fill(f"textarea[name=i{planned.pk}-note]", "No complaint since; calmer at stops.")
    choose(page, f"i{planned.pk}-status", "completed")
    page.locator("main form[action$='/do/follow-up/'] [type=submit]").click()
    page.wait_for_load_state()
    assert Alert.objects.get().status == AlertStatus.CLOSED
    assert_accessible(page)

    # The officer reads their own record; IA reads the report.
    account = make_staff("park201", Role.OFFICER)
    account.officer = unit.officers[0]
    account.save()
    sign_in_browser(account)
    page.goto("/en/staff/early-intervention/my-record/")
    assert page.locator("main table").count() == 2
    assert_accessible(page)
    estimate_false_alerts(on=timezone.localdate())
    sign_in_browser(supervisor)
    page.goto("/es/staff/early-intervention/report/")
    assert page.locator("main table tbody tr").count() == 1
    assert page.locator("#estimate-method").count() == 1
    assert_accessible(page)
