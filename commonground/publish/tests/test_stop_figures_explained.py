"""The public stop figures as a newcomer reads them: every number on the page is the number in
the download (one rounding rule, never truncation), the staff page agrees, and each figure says
in plain words what it shows and what it cannot, in English and Spanish."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from commonground.lib.rounding import formatted, rounded
from commonground.publish.actions import build_release
from commonground.publish.dashboards import BY_SLUG
from commonground.publish.datasets import MEASURE_KINDS
from commonground.roster.models import Race
from commonground.stops.tests.test_analysis_pages import load_synthetic

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def released_stops(tmp_path, analyst):
    load_synthetic(
        tmp_path,
        analyst,
        n=60_000,
        stop_rates={"black": 2.0},
        darkness_effect=-0.4,
        hit_rates={"black": 0.2, "white": 0.3},
        search_rates={"black": 0.08},
    )
    build_release(by=analyst)


def downloaded(client) -> list[dict]:
    body = b"".join(client.get("/data/stop-disparities.csv").streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def page_tables(html: str) -> dict[str, dict[str, list[str]]]:
    """Each table on the page by its caption: row header -> the row's cells, as text."""
    tables = {}
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        caption = unescape(re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S).group(1))
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            head = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
            if head:
                rows[unescape(head.group(1)).strip()] = [
                    unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                ]
        tables[caption.strip()] = rows
    return tables


def test_rounding_is_half_up_on_the_decimal_form_never_truncation():
    assert formatted(0.838, "ratio") == "0.84"  # truncation gave 0.83
    assert formatted(0.835, "ratio") == "0.84"
    assert formatted(1.005, "ratio") == "1.01"  # 1.00499999... as a float
    assert formatted(0.8, "ratio") == "0.80"
    assert formatted(0.2346, "share", percent=True) == "23.5"
    assert rounded(12.345, "rate") == 12.3 and rounded(None, "rate") is None


def test_every_published_estimate_on_the_page_is_the_number_in_the_download(client, released_stops):
    rows = downloaded(client)
    html = client.get("/en/figures/stops/").content.decode()
    tables = page_tables(html)
    checked = 0
    for panel in BY_SLUG["stops"].panels:
        measure = panel.where.get("measure")
        if not measure:
            continue
        table = tables[str(panel.title)]
        for row in rows:
            if row["measure"] != measure or not row["value"]:
                continue
            label = str(Race(row["group"]).label)
            value, interval = table[label]
            low, high = interval.split(" to ")
            assert float(value) == float(row["value"]), (measure, label, value, row["value"])
            assert (float(low), float(high)) == (float(row["low"]), float(row["high"]))
            # Written with every decimal its kind has: 0.80, not 0.8.
            assert value == formatted(float(row["value"]), MEASURE_KINDS[measure])
            checked += 1
    assert checked >= 6


def test_the_staff_page_shows_the_published_figure(client, released_stops, analyst):
    rows = downloaded(client)
    crude = next(r for r in rows if r["measure"] == "stop_ratio" and r["group"] == "black")
    client.force_login(analyst)
    staff = page_tables(client.get(reverse("stops:benchmark")).content.decode())
    overall = next(rows_ for caption, rows_ in staff.items() if caption.startswith("All districts"))
    # Columns: residents, stops, rate, compared with white, ...
    shown = re.match(r"([\d.]+)", overall["Black"][3]).group(1)
    assert float(shown) == float(crude["value"])


@pytest.mark.parametrize(
    ("language", "shows", "cannot", "phrase"),
    [
        ("en", "What this shows", "What it cannot show", "Residents are only a rough stand-in"),
        ("es", "Qué muestra", "Qué no puede mostrar", "Los residentes"),
    ],
)
def test_each_stop_figure_says_what_it_shows_and_cannot_in_plain_words(
    client, released_stops, language, shows, cannot, phrase
):
    html = unescape(client.get(f"/{language}/figures/stops/").content.decode())
    comparisons = [p for p in BY_SLUG["stops"].panels if p.shows]
    assert len(comparisons) >= 5
    assert html.count(shows) == len(comparisons) and html.count(cannot) == len(comparisons)
    assert phrase in html
