import pytest

from commonground.complaints.tests.factories import agency_with_officers
from commonground.publish.actions import build_release
from commonground.publish.dashboards import DASHBOARDS
from commonground.publish.tests.helpers import complaints

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def published(analyst, intake_clerk):
    _agency, district, _unit, _officers = agency_with_officers(1)
    complaints(25, district=district)
    complaints(3, channel="phone", by=intake_clerk)
    return build_release(by=analyst)


@pytest.mark.parametrize("board", [d.slug for d in DASHBOARDS])
def test_every_dashboard_has_a_chart_a_table_and_a_sentence_for_each_panel(
    client, published, board
):
    response = client.get(f"/en/figures/{board}/")

    panels = response.context["panels"]
    assert response.status_code == 200
    assert panels
    for drawn in panels:
        assert drawn.summary
        assert drawn.table.rows or drawn.panel.chart == "intervals"
        if drawn.chart:
            assert 'role="img"' in drawn.chart and "aria-label" in drawn.chart


def test_small_counts_read_as_suppressed_in_the_table_and_the_sentence(client, published):
    response = client.get("/en/figures/complaints/")

    by_channel = next(
        p for p in response.context["panels"] if p.panel.dataset == "complaints-by-channel"
    )
    cells = dict((label, cells[0]) for label, cells in by_channel.table.rows)
    assert cells["Phone"] == "suppressed"
    assert cells["Online"] == "suppressed", "its partner: 28 minus it would give the 3 away"
    assert cells["Mail"] == "0"
    assert by_channel.table.total == ("All together", ["28"])
    assert "2 figures are suppressed" in by_channel.summary
    assert b"28 complaints in all." in response.content


def test_pages_show_the_release_not_the_records_as_they_are_now(client, published, analyst):
    before = client.get("/en/figures/complaints/").content
    complaints(40)

    assert client.get("/en/figures/complaints/").content == before
    build_release(by=analyst)
    assert b"68 complaints in all." in client.get("/en/figures/complaints/").content


def test_the_figures_speak_spanish(client, published):
    response = client.get("/es/figures/complaints/")

    assert response.status_code == 200
    assert response.context["panels"][0].table.row_title == "Mes"


def test_before_the_first_release_the_pages_say_so(client, db):
    assert "being prepared" in client.get("/en/figures/complaints/").content.decode()
    assert "being prepared" in client.get("/en/figures/").content.decode()
    assert "being prepared" in client.get("/en/data/").content.decode()


def test_an_unknown_page_of_figures_is_a_404(client, db):
    assert client.get("/en/figures/nothing-here/").status_code == 404
