"""The published stop-disparity estimates: the district-standardised ratio beside the crude one,
how each interval was worked out, the veil of darkness on vehicle stops, and the records each
analysis left out and why, all as an outsider reads them from the open data."""

import csv
import io
from unittest import mock

import pytest

from commonground.lib.rounding import rounded
from commonground.publish import datasets
from commonground.publish.actions import build_release
from commonground.stops.analysis import Estimate, Interval, LeftOut, NotEnoughData
from commonground.stops.selectors import StopFilter, analyse
from commonground.stops.tests.test_analysis_pages import load_synthetic

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def published(client) -> list[dict]:
    body = b"".join(client.get("/data/stop-disparities.csv").streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def one(rows: list[dict], **values) -> dict:
    matches = [r for r in rows if all(r[k] == v for k, v in values.items())]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture
def deployed_stops(tmp_path, analyst):
    """Southpark is mostly Black and policed four times as heavily; in each district every
    group is stopped alike, so only the crude ratio shows a difference."""
    return load_synthetic(
        tmp_path,
        analyst,
        n=60_000,
        populations={"D2": {"black": 7000, "white": 1000, "hispanic": 2000}},
        district_rates={"D2": 4.0},
        pedestrian_share=0.2,
    )


def test_the_standardised_ratio_is_published_beside_the_crude_one_with_its_interval_kind(
    deployed_stops, analyst, client
):
    build_release(by=analyst)
    rows = published(client)

    crude = one(rows, measure="stop_ratio", group="black")
    standardised = one(rows, measure="stop_ratio_standardised", group="black")
    assert float(crude["low"]) > 1.5
    assert float(standardised["low"]) < 1.0 < float(standardised["high"])
    assert standardised["analysis"] == crude["analysis"] == "benchmark"
    # The synthetic stops record 400 officers, so ratio intervals allow for each officer's
    # stops being alike, and say they are approximate; a rate's interval is exact.
    assert crude["interval"] == standardised["interval"] == "cluster_robust"
    assert crude["interval_approximate"] == standardised["interval_approximate"] == "true"
    assert one(rows, measure="stop_rate", group="black")["interval_approximate"] == "false"
    assert one(rows, measure="stop_rate", group="black")["interval"] == "exact_poisson"
    assert one(rows, measure="hit_rate", group="black")["interval_approximate"] == "true"

    # The data dictionary a reader sees says what each new field and value means.
    page = client.get("/en/data/stop-disparities/").content.decode()
    for text in ("stop_ratio_standardised", "interval_approximate", "sunset_to_dusk"):
        assert text in page, text
    assert "like the Mantel-Haenszel rate ratio" in page
    assert "Approximate: a normal interval with a cluster-robust variance" in page


def test_each_published_analysis_says_how_many_records_it_used_and_left_out_and_why(
    deployed_stops, analyst, client
):
    build_release(by=analyst)
    rows = published(client)
    loaded = 60_000

    for name, result in (
        ("benchmark", analyse("benchmark", StopFilter())),
        ("outcome_test", analyse("outcomes", StopFilter())),
    ):
        used = one(rows, analysis=name, measure="records_used")
        assert float(used["value"]) == result.used
        left_out = {
            r["reason"]: float(r["value"])
            for r in rows
            if r["analysis"] == name and r["measure"] == "records_left_out"
        }
        assert left_out == {reason.value: n for reason, n in result.left_out}
        assert left_out["unknown_race"] > 0
    benchmark = [
        r for r in rows if r["analysis"] == "benchmark" and r["measure"].startswith("records")
    ]
    assert sum(float(r["value"]) for r in benchmark) == loaded

    # The veil of darkness reads vehicle stops, as the OPP does, and counts the others out.
    vod = analyse("veil_of_darkness", StopFilter(stop_type="vehicular"))
    darkness = one(rows, measure="darkness_odds_ratio")
    # Rounded as every published ratio is (commonground.lib.rounding).
    assert float(darkness["value"]) == rounded(vod.odds_ratio, "ratio")
    assert darkness["analysis"] == "veil_of_darkness"
    counts = {
        r["reason"] or "used": float(r["value"])
        for r in rows
        if r["analysis"] == "veil_of_darkness" and r["measure"].startswith("records")
    }
    pedestrian = analyse("benchmark", StopFilter(stop_type="pedestrian")).records
    assert counts["not_vehicle"] == pedestrian > 0
    assert counts["sunset_to_dusk"] == dict(vod.left_out)[LeftOut.SUNSET_TO_DUSK] > 0
    assert counts["other_group"] > 0 and counts["outside_window"] > 0
    assert sum(counts.values()) == loaded


def test_a_small_left_out_count_is_withheld_with_another_so_the_total_cannot_give_it_back():
    class Benchmark:
        reference_group = "white"
        overall = ()
        used = 10_000
        left_out = ((LeftOut.OUTSIDE_DISTRICTS, 3), (LeftOut.UNKNOWN_RACE, 500))

    def analyse(name, _filter):
        if name == "benchmark":
            return Benchmark()
        raise NotEnoughData("none")

    with mock.patch("commonground.publish.datasets.analyse", analyse):
        rows = datasets.STOP_DISPARITIES.rows(lambda family, **cell: False, 10)

    by_reason = {r["reason"]: r for r in rows if r["measure"] == "records_left_out"}
    assert by_reason["outside_districts"]["value"] is None
    assert by_reason["outside_districts"]["withheld"] == "small_count"
    assert by_reason["unknown_race"]["value"] is None
    assert by_reason["unknown_race"]["withheld"] == "small_count"
    assert one_row(rows, measure="records_used")["value"] == 10_000


def one_row(rows, **values):
    (match,) = [r for r in rows if all(r[k] == v for k, v in values.items())]
    return match


def test_the_standardised_ratio_is_withheld_when_a_count_it_comes_from_is_suppressed():
    shown = Estimate(1.1, 0.9, 1.3, 0.1, method=Interval.WALD)

    class Cell:
        def __init__(self, group):
            self.group = group
            self.stop_rate = self.stop_ratio = self.search_ratio = shown
            self.stop_ratio_standardised = self.search_ratio_standardised = shown

    class Benchmark:
        reference_group = "white"
        overall = (Cell("black"), Cell("white"), Cell("asian/pacific islander"))
        used, left_out = 1000, ()

    def analyse(name, _filter):
        if name == "benchmark":
            return Benchmark()
        raise NotEnoughData("none")

    def hidden(family, **cell):
        return family is datasets.STOPS and cell == {"subject_race": "asian/pacific islander"}

    with mock.patch("commonground.publish.datasets.analyse", analyse):
        rows = datasets.STOP_DISPARITIES.rows(hidden, 10)

    withheld = one_row(rows, measure="stop_ratio_standardised", group="asian/pacific islander")
    assert withheld["value"] is None and withheld["interval"] is None
    assert withheld["withheld"] == "small_count"
    black = one_row(rows, measure="stop_ratio_standardised", group="black")
    assert black["value"] == 1.1 and black["interval"] == "wald"
    assert black["interval_approximate"] is True


def test_the_data_dictionary_declares_every_reason_and_interval_the_analyses_can_give():
    fields = {f.name: f for f in datasets.STOP_DISPARITIES.fields()}
    reasons = {value for value, _label in fields["reason"].values}
    intervals = {value for value, _label in fields["interval"].values}
    assert {reason.value for reason in LeftOut} | {datasets.NOT_VEHICLE} == reasons
    assert {method.value for method in Interval} == intervals
    for value, label in fields["interval"].values:
        approximate = Interval(value) in {
            Interval.CLUSTER_ROBUST,
            Interval.WALD,
            Interval.WILSON,
            Interval.NORMAL,
        }
        assert str(label).startswith("Approximate" if approximate else "Exact"), value
