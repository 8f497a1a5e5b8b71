"""The staff case list: search by reference, name and officer, sortable columns, the officers
named in each case, and the need-to-know and conflict rules kept while searching."""

import datetime
import re

import pytest
import time_machine

from commonground.accounts.models import Role
from commonground.complaints.actions import OfficerInput, PersonInput
from commonground.complaints.models import Report
from commonground.complaints.selectors import can_see_personal_data
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff
from commonground.investigations.actions import add_officer, assign_investigator, open_case
from commonground.investigations.selectors import names_visible_q
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.usefixtures("on_commit_immediately")]


def references(response) -> list[str]:
    return re.findall(r">(CG-\d{4}-\d{6})</a></th>", response.content.decode())


def listed(client, **query) -> list[str]:
    response = client.get("/en/staff/cases/", query)
    assert response.status_code == 200
    return references(response)


@pytest.fixture
def cases(db):
    """Three complaints filed on three days: about officer 0, officer 1, and nobody named."""
    _, _, _, officers = agency_with_officers(2)
    filed = {}
    start = datetime.datetime(2026, 2, 1, 12, tzinfo=datetime.UTC)
    plans = {
        "lopez": dict(
            contact={"name": "María López", "email": "m@example.org"},
            officers=[OfficerInput(officer_id=officers[0].pk, name_given="Rivera")],
            people=[],
        ),
        "okafor": dict(
            contact={"name": "Chidi Okafor", "email": "c@example.org"},
            officers=[OfficerInput(officer_id=officers[1].pk, name_given="Rivera")],
            people=[PersonInput(role="witness", name="Dana Cole")],
        ),
        "anonymous": dict(reporter_type="anonymous", contact={}, officers=[], people=[]),
    }
    for day, (key, plan) in enumerate(plans.items()):
        with time_machine.travel(start + datetime.timedelta(days=day), tick=False):
            filed[key] = file(**plan).report
    filed["officers"] = officers
    return filed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["{ref}", "{ref_lower}", "  {ref_spaced} ", "{year}-{number}", "{number}", "{bare}"],
)
def test_a_report_is_found_by_its_reference_however_it_is_typed(client, supervisor, cases, typed):
    report = cases["okafor"]
    year, number = report.reference.split("-")[1:]
    text = typed.format(
        ref=report.reference,
        ref_lower=report.reference.lower(),
        ref_spaced=f"cg {year} {number}",
        year=year,
        number=number,
        bare=str(report.pk),
    )
    client.force_login(supervisor)
    assert listed(client, q=text) == [report.reference]


@pytest.mark.django_db
def test_a_report_is_found_by_a_persons_name_in_any_case_or_accents(client, supervisor, cases):
    client.force_login(supervisor)
    assert listed(client, q="maria lopez") == [cases["lopez"].reference]
    assert listed(client, q="LÓPEZ") == [cases["lopez"].reference]
    assert listed(client, q="Dana") == [cases["okafor"].reference]  # a witness
    assert listed(client, q="Maria Okafor") == []  # every word, of one person


@pytest.mark.django_db
def test_names_are_stored_only_as_a_keyed_blind_index(cases):
    row = Report.objects.filter(pk=cases["lopez"].pk).values("reporter_name_index").get()
    assert "lopez" not in row["reporter_name_index"].lower()
    assert len(row["reporter_name_index"].split()) == 2


@pytest.mark.django_db
def test_a_report_is_found_by_an_officers_badge_or_name(client, analyst, cases):
    officer = cases["officers"][1]
    client.force_login(analyst)
    assert listed(client, q=f"#{officer.badge_number}") == [cases["okafor"].reference]
    assert listed(client, q=officer.last_name.lower()) == [cases["okafor"].reference]
    assert listed(client, q=f"{officer.first_name} {officer.last_name}") == [
        cases["okafor"].reference
    ]


@pytest.mark.django_db
def test_the_officer_column_names_each_roster_officer_with_badge(client, supervisor, cases):
    client.force_login(supervisor)
    page = client.get("/en/staff/cases/").content.decode()
    first, second = cases["officers"]
    assert f"{first.first_name} {first.last_name} (#{first.badge_number})" in page
    assert f"{second.first_name} {second.last_name} (#{second.badge_number})" in page
    assert '<th scope="col">Officers</th>' in page
    assert "witness" not in page


@pytest.mark.django_db
def test_an_officer_who_only_witnessed_it_is_marked_so_in_the_officer_column(
    client, supervisor, cases
):
    case = open_case(report=cases["lopez"], by=supervisor)
    witness = cases["officers"][1]
    add_officer(case=case, officer=witness, role="witness", by=supervisor)
    client.force_login(supervisor)
    page = client.get("/es/staff/cases/").content.decode()
    assert f"{witness.first_name} {witness.last_name} (#{witness.badge_number}) — testigo" in page


@pytest.mark.django_db
def test_the_list_sorts_by_each_column_both_ways(client, supervisor, cases):
    lopez, okafor, anonymous = (cases[k].reference for k in ("lopez", "okafor", "anonymous"))
    client.force_login(supervisor)
    assert listed(client) == [anonymous, okafor, lopez]  # newest first
    assert listed(client, sort="received") == [lopez, okafor, anonymous]
    assert listed(client, sort="-received") == [anonymous, okafor, lopez]
    assert listed(client, sort="reference") == [lopez, okafor, anonymous]
    assert listed(client, sort="-reference") == [anonymous, okafor, lopez]
    open_case(report=cases["okafor"], by=supervisor)  # triage comes after received
    assert listed(client, sort="status")[-1] == okafor
    assert listed(client, sort="-status")[0] == okafor
    # Only the opened case has a deadline; reports without one come last both ways.
    assert listed(client, sort="deadline")[0] == okafor
    assert listed(client, sort="-deadline")[0] == okafor
    assert listed(client, sort="nonsense") == [anonymous, okafor, lopez]


@pytest.mark.django_db
def test_column_headings_are_links_that_sort_and_say_how_the_list_is_sorted(
    client, supervisor, cases
):
    client.force_login(supervisor)
    page = client.get("/en/staff/cases/", {"q": "Rivera", "sort": "received"}).content.decode()
    assert 'aria-sort="ascending"' in page
    assert page.count("aria-sort=") == 1
    assert 'href="?q=Rivera&amp;sort=-received"' in page
    assert 'href="?q=Rivera&amp;sort=deadline"' in page
    assert 'name="sort" value="received"' in page  # searching again keeps the order


@pytest.mark.django_db
def test_search_filters_and_order_are_kept_across_pages(client, supervisor, cases):
    for _ in range(51):
        file(contact={"name": "Page Filler"}, officers=[], people=[])
    client.force_login(supervisor)
    response = client.get(
        "/en/staff/cases/", {"q": "filler", "status": "received", "sort": "reference"}
    )
    page = response.content.decode()
    assert "51 reports" in page
    assert "?q=filler&amp;status=received&amp;sort=reference&amp;page=2" in page


@pytest.mark.django_db
def test_a_role_without_name_access_cannot_find_a_case_by_a_complainants_name(
    client, board_member, analyst, cases
):
    for user in (board_member, analyst):
        client.force_login(user)
        assert listed(client, q="Okafor") == []
        assert listed(client, q="Dana Cole") == []
        assert len(listed(client)) == 3  # they see the cases, not the names


@pytest.mark.django_db
def test_an_investigator_finds_by_name_only_their_own_cases(
    client, supervisor, investigator, cases
):
    case = open_case(report=cases["okafor"], by=supervisor)
    client.force_login(investigator)
    assert listed(client, q="Okafor") == []
    assign_investigator(case=case, investigator=investigator, by=supervisor)
    assert listed(client, q="Okafor") == [cases["okafor"].reference]
    assert listed(client, q="Lopez") == []


@pytest.mark.django_db
def test_intake_finds_by_name_only_until_an_investigator_is_assigned(
    client, supervisor, intake_clerk, investigator, cases
):
    client.force_login(intake_clerk)
    assert listed(client, q="Okafor") == [cases["okafor"].reference]
    case = open_case(report=cases["okafor"], by=supervisor)
    assign_investigator(case=case, investigator=investigator, by=supervisor)
    assert listed(client, q="Okafor") == []


@pytest.mark.django_db
def test_a_conflicted_officer_searching_their_own_name_or_badge_finds_nothing(client, cases):
    officer = cases["officers"][0]
    user = make_staff("conflicted-ia", Role.IA_SUPERVISOR)
    user.officer = officer
    user.save()
    client.force_login(user)
    assert listed(client, q=officer.last_name) == []
    assert listed(client, q=officer.badge_number) == []
    assert listed(client, q="Maria Lopez") == []
    assert listed(client, q=cases["lopez"].reference) == []
    assert cases["lopez"].reference not in listed(client)


@pytest.mark.django_db
def test_who_may_search_names_agrees_with_who_may_read_them(
    supervisor, investigator, intake_clerk, board_member, analyst, cases
):
    case = open_case(report=cases["okafor"], by=supervisor)
    assign_investigator(case=case, investigator=investigator, by=supervisor)
    for user in (supervisor, investigator, intake_clerk, board_member, analyst):
        visible = set(Report.objects.filter(names_visible_q(user)).values_list("pk", flat=True))
        for report in Report.objects.all():
            assert (report.pk in visible) == can_see_personal_data(user, report), (user, report)


def rows_fit(page) -> bool:
    return page.evaluate(
        "() => { const r = document.querySelector('.table-scroll');"
        " return r.scrollWidth > r.clientWidth ? getComputedStyle(r).overflowX === 'auto'"
        " : true; }"
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["en", "es"])
def test_searching_and_sorting_the_case_list_in_a_browser(
    live_server, page, sign_in_browser, supervisor, cases, width, language
):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in_browser(supervisor)
    page.goto(f"{live_server.url}/{language}/staff/cases/")
    page.fill("#id_q", "lopez")
    page.locator("main form[role=search] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 1
    assert cases["lopez"].reference in page.locator("tbody").inner_text()
    page.goto(f"{live_server.url}/{language}/staff/cases/")
    page.locator("thead th").nth(0).locator("a").click()
    page.wait_for_load_state()
    assert page.locator("thead th").nth(0).get_attribute("aria-sort") == "ascending"
    first = page.locator("tbody tr th").nth(0).inner_text()
    assert first == cases["lopez"].reference
    page.locator("thead th").nth(0).locator("a").click()
    page.wait_for_load_state()
    assert page.locator("thead th").nth(0).get_attribute("aria-sort") == "descending"
    assert page.locator("#id_q").is_visible()
    assert rows_fit(page)
    # On a phone the first cases show within the first two screens, below the search.
    assert page.locator("tbody tr").first.bounding_box()["y"] < 2 * 844
    page.screenshot(path=f"/tmp/shots-h-cases/case-list-{language}-{width}.png", full_page=True)
    assert_accessible(page)


@pytest.mark.django_db
def test_the_filters_fold_away_until_one_is_used(client, supervisor, cases):
    client.force_login(supervisor)
    plain = client.get("/en/staff/cases/", {"q": "lopez"}).content.decode()
    assert '<details class="case-more">' in plain
    filtered = client.get("/en/staff/cases/", {"status": "received"}).content.decode()
    assert '<details class="case-more" open>' in filtered


@pytest.mark.django_db
def test_a_mistyped_field_is_shown_with_its_error_and_the_rest_still_apply(
    client, supervisor, cases
):
    client.force_login(supervisor)
    response = client.get("/en/staff/cases/", {"q": "lopez", "received_from": "31/02/2026"})
    assert response.context["form"].errors["received_from"]
    assert references(response) == [cases["lopez"].reference]
    assert 'value="31/02/2026"' in response.content.decode()
