"""axe-core on every page a resident or a staff member sees (WCAG 2.2 AA: no violation).

Each test walks its pages and collects every violation before failing, so one run lists them all.
"""

import pytest

from commonground.accounts.models import Role
from commonground.complaints.actions import OfficerInput
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff
from commonground.testing.browser import (
    axe_violations,
    choose,
    continue_step,
    describe_violations,
    fill_kind,
    fill_what,
    fill_when,
    jpeg_with_exif,
)

pytestmark = pytest.mark.browser


class Audit:
    """Runs axe on each page visited and keeps what it finds."""

    def __init__(self, page):
        self.page = page
        self.checked: list[str] = []
        self.found: dict[str, list[dict]] = {}

    def check(self, name: str) -> None:
        self.checked.append(name)
        violations = axe_violations(self.page)
        if violations:
            self.found[f"{name} ({self.page.url})"] = violations

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{page}:\n{describe_violations(violations)}" for page, violations in self.found.items()
        )
        assert not self.found, f"axe violations on {len(self.found)} page(s):\n{report}"


@pytest.mark.files
@pytest.mark.parametrize("language", ["en", "es"])
def test_public_pages(live_server, page, tmp_path, language):
    _agency, _district, _unit, officers = agency_with_officers()
    audit = Audit(page)

    page.goto(f"/{language}/")
    audit.check("home")
    page.goto(f"/{language}/report/")
    audit.check("report start")

    page.goto(f"/{language}/report/kind/")
    audit.check("step: kind")
    continue_step(page)
    audit.check("step: kind, with an error")
    fill_kind(page, "complaint")

    audit.check("step: reporter")
    choose(page, "reporter_type", "on_behalf")
    audit.check("step: reporter, every question shown")
    page.fill("#id_reporter_relationship", "mother")
    page.fill("#id_name", "Ana Ruiz")
    page.fill("#id_email", "ana@example.org")
    continue_step(page)

    audit.check("step: when")
    fill_when(page)
    audit.check("step: what")
    fill_what(page)

    audit.check("step: officers")
    page.goto(f"/{language}/report/officers/?q={officers[0].last_name}")
    audit.check("step: officers, search results")
    page.locator("#officer-matches button[name=action][value=pick]").first.click()
    page.fill("#id_badge_given", "4471")
    page.locator("main button[name=action][value=add]").click()
    audit.check("step: officers, two added")
    continue_step(page)

    audit.check("step: people")
    page.locator("#id_role").select_option("witness")
    page.fill("#id_name", "Sam Lee")
    page.locator("main button[name=action][value=add]").click()
    audit.check("step: people, one added")
    continue_step(page)

    audit.check("step: files")
    page.set_input_files("#id_files", jpeg_with_exif(tmp_path / "photo.jpg"))
    page.locator("main button[name=action][value=upload]").click()
    audit.check("step: files, one added")
    continue_step(page)

    assert page.url.endswith(f"/{language}/report/review/")
    audit.check("review")
    page.locator("main form[action$='/report/submit/'] [type=submit]").click()
    code = page.locator("#tracking-code").inner_text().strip()
    audit.check("confirmation")

    page.goto(f"/{language}/status/")
    audit.check("status lookup")
    page.fill("#id_code", "0000")
    page.locator("main form[action$='/status/'] [type=submit]").click()
    audit.check("status lookup, with an error")
    page.fill("#id_code", code)
    page.locator("main form[action$='/status/'] [type=submit]").click()
    assert page.locator("main ol.timeline").count() == 1
    audit.check("status page")

    response = page.goto(f"/{language}/no-such-page/")
    assert response.status == 404
    audit.check("error 404")

    page.goto(f"/{language}/accounts/login/")
    audit.check("staff sign-in")

    audit.assert_clean()


def test_staff_pages(live_server, page, sign_in_browser):
    _agency, district, _unit, officers = agency_with_officers()
    admin = make_staff("admin", Role.ADMINISTRATOR)  # with a TOTP authenticator
    reports = [
        file(district_id=district.pk, officers=[OfficerInput(officer_id=officers[0].pk)]),
        file(kind="commendation", reporter_type="anonymous", contact={}, contact_method="none"),
        file(channel="phone", by=admin),
    ]
    sign_in_browser(admin)
    audit = Audit(page)

    page.goto("/en/staff/")
    assert page.url.endswith("/en/staff/")
    audit.check("staff home")
    page.goto("/en/staff/cases/")
    assert page.locator("main table tbody tr").count() == len(reports)
    audit.check("case list")
    page.goto(f"/en/staff/cases/?district={district.pk}&kind=complaint")
    audit.check("case list, filtered")
    page.goto(f"/en/staff/cases/{reports[0].report.pk}/")
    audit.check("case detail")
    page.goto("/en/staff/intake/")
    audit.check("intake form")
    page.locator("main form[data-submit-once] .actions button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 1
    audit.check("intake form, with errors")
    page.goto("/en/staff/roster/")
    audit.check("roster")
    page.goto(f"/en/staff/roster/{officers[0].pk}/")
    audit.check("officer detail")
    page.goto("/en/accounts/2fa/")
    audit.check("two-factor settings")

    audit.assert_clean()
