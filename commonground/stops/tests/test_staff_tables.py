"""The staff stop pages read like the public ones: counts with thousands separators in the
reader's language, groups named as the public figures name them, and a "by district" chart
that draws each district's points."""

import re
from html import unescape

import pytest
from django.urls import reverse

from commonground.stops.tests.test_analysis_pages import load_synthetic

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def loaded(tmp_path, analyst):
    return load_synthetic(tmp_path, analyst, n=60_000, stop_rates={"black": 2.0})


def charts_of(html: str) -> list[str]:
    return re.findall(r"<figure.*?</figure>", html, re.S)


def test_the_by_district_chart_draws_every_district(client, analyst, loaded):
    client.force_login(analyst)
    response = client.get(reverse("stops:benchmark"))
    html = unescape(response.content.decode())
    section = html[html.index('id="ratio-heading"') :]
    (chart,) = charts_of(section)
    for district in response.context["result"].by_district:
        assert f">{district.name}</text>" in chart, district.name
    # One point per district and group compared with white residents of the district.
    assert ">Black</text>" in chart and ">Hispanic or Latino</text>" in chart


@pytest.mark.parametrize(("language", "separated"), [("en", "4,000"), ("es", "4\xa0000")])
def test_counts_have_thousands_separators_in_the_readers_language(
    client, analyst, loaded, language, separated
):
    client.force_login(analyst)
    for name in ("benchmark", "outcomes", "veil_of_darkness"):
        html = client.get(f"/{language}" + reverse(f"stops:{name}")[3:]).content.decode()
        cells = re.findall(r'<td class="number">([^<]*)</td>', html)
        big = [c for c in cells if len(re.sub(r"\D", "", c)) >= 4]
        assert big, name
        assert all(not c.isdigit() for c in big), (name, big)
    benchmark = client.get(f"/{language}" + reverse("stops:benchmark")[3:]).content.decode()
    # Each district's 4000 Black residents, summed over two districts: 8000.
    assert separated.replace("4", "8") in benchmark


def test_groups_are_named_as_on_the_public_pages(client, analyst, loaded):
    client.force_login(analyst)
    html = unescape(client.get(reverse("stops:benchmark")).content.decode())
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert "Hispanic or Latino" in rows and "Hispanic" not in rows
