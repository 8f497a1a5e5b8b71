import datetime

import pytest
from django.urls import reverse

from commonground.stops.models import Batch, BatchKind, BatchStatus
from commonground.stops.selectors import district_infos
from commonground.stops.synthetic import generate_stops
from commonground.stops.tests.helpers import small_agency

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def load_synthetic(tmp_path, by, n=20_000, populations=None, **effects) -> Batch:
    """A loaded batch of synthetic stops, written straight to storage as the importer would.
    `populations` (district code -> residents by group) replaces the small agency's."""
    from commonground.roster.models import District
    from commonground.stops import storage

    agency = small_agency()
    for code, by_group in (populations or {}).items():
        District.objects.filter(code=code).update(population_by_group=by_group)
    frame = generate_stops(
        n,
        seed=7,
        districts=district_infos(),
        time_zone=agency.zone,
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 12, 31),
        **effects,
    )
    batch = Batch.objects.create(
        kind=BatchKind.STOPS,
        status=BatchStatus.LOADED,
        original_name="synthetic.parquet",
        sha256="0" * 64,
        size=1,
        created_by=by,
        created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )
    path = tmp_path / "synthetic.parquet"
    frame.with_columns(batch=batch.pk).write_parquet(path)
    batch.data_name = storage.store_file(path, f"stops/batches/{batch.pk}.parquet")
    batch.save()
    return batch


@pytest.mark.parametrize("name", ["benchmark", "veil_of_darkness", "outcomes"])
def test_each_analysis_page_shows_its_chart_table_and_limits(client, analyst, tmp_path, name):
    load_synthetic(
        tmp_path,
        analyst,
        stop_rates={"black": 2.0},
        darkness_effect=-0.4,
        hit_rates={"black": 0.2, "white": 0.3},
        search_rates={"black": 0.08},
    )
    client.force_login(analyst)
    response = client.get(reverse(f"stops:{name}"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and 'role="img"' in page
    assert "<table>" in page
    assert "What this can and cannot show" in page or "what it cannot show" in page
    assert "No estimate can be given" not in page


def test_benchmark_finds_the_planted_disparity(client, analyst, tmp_path):
    load_synthetic(tmp_path, analyst, stop_rates={"black": 2.0})
    client.force_login(analyst)
    response = client.get(reverse("stops:benchmark"))
    black = next(c for c in response.context["result"].overall if c.group == "black")
    assert black.stop_ratio.low < 2.0 < black.stop_ratio.high


def test_veil_of_darkness_explains_a_planted_effect(client, analyst, tmp_path):
    load_synthetic(tmp_path, analyst, n=60_000, darkness_effect=-0.5)
    client.force_login(analyst)
    page = client.get(reverse("stops:veil_of_darkness")).content.decode()
    assert "make up a smaller share of stops than in daylight" in page


def test_filters_narrow_the_stops_and_bad_filters_say_why(client, analyst, tmp_path):
    load_synthetic(tmp_path, analyst)
    client.force_login(analyst)
    everything = client.get(reverse("stops:outcomes")).context["result"]
    pedestrians = client.get(
        reverse("stops:outcomes"), {"stop_type": "pedestrian", "district": "D1"}
    ).context["result"]
    assert sum(c.stops for c in pedestrians.overall) < sum(c.stops for c in everything.overall)
    assert [d.code for d in pedestrians.by_district] == ["D1"]
    bad = client.get(reverse("stops:outcomes"), {"start": "2024-05-01", "end": "2024-01-01"})
    assert bad.status_code == 400
    assert "The end of the period is before its start." in bad.content.decode()
    assert client.get(reverse("stops:outcomes"), {"start": "yesterday"}).status_code == 400


def test_too_little_data_gives_a_message_not_a_number(client, analyst, tmp_path):
    load_synthetic(tmp_path, analyst, n=200)
    client.force_login(analyst)
    page = client.get(reverse("stops:veil_of_darkness")).content.decode()
    assert "No estimate can be given." in page
    assert "at least 500" in page
    outcomes = client.get(reverse("stops:outcomes")).content.decode()
    assert "too few searches" in outcomes


def test_no_data_loaded_says_so(client, analyst):
    small_agency()
    client.force_login(analyst)
    page = client.get(reverse("stops:benchmark")).content.decode()
    assert "No stop records are loaded yet" in page


def test_benchmark_shows_the_district_standardised_ratio_beside_the_crude_one(
    client, analyst, tmp_path
):
    # Southpark is mostly Black and policed four times as heavily; within each district every
    # group is stopped alike.
    load_synthetic(
        tmp_path,
        analyst,
        n=40_000,
        populations={"D2": {"black": 7000, "white": 1000, "hispanic": 2000}},
        district_rates={"D2": 4.0},
    )
    client.force_login(analyst)
    response = client.get(reverse("stops:benchmark"))
    page = response.content.decode()
    black = next(c for c in response.context["result"].overall if c.group == "black")
    assert black.stop_ratio.low > 1.5
    assert black.stop_ratio_standardised.low < 1.0 < black.stop_ratio_standardised.high
    assert "Compared with white in the same district" in page
    assert "where police are deployed does not count as a difference between groups" in page
    crude = f"{black.stop_ratio.value:.2f}"
    within = f"{black.stop_ratio_standardised.value:.2f}"
    assert (
        f"Black: stopped {crude} times as often as white residents across the districts, and "
        f"{within} times as often in the same district." in page
    )
    # Officers work one district each: within districts their stops are not clustered.
    dispersion = black.stop_ratio_standardised.dispersion
    assert dispersion == pytest.approx(1.0, abs=0.3)
    assert f"the mix of Black and white people they stop varies {dispersion:.1f} times" in page


def test_each_analysis_page_says_how_many_records_it_left_out_and_why(client, analyst, tmp_path):
    load_synthetic(tmp_path, analyst, n=40_000)
    client.force_login(analyst)
    for name, reason in (
        ("benchmark", "the person&#x27;s race was not recorded"),
        ("outcomes", "the person&#x27;s race was not recorded"),
        ("veil_of_darkness", "from the minute of sunset to the minute of dusk"),
    ):
        response = client.get(reverse(f"stops:{name}"))
        result = response.context["result"]
        page = response.content.decode()
        assert "Records used and left out" in page, name
        assert f"records in this choice, {result.used:,} were used." in page, name
        assert reason in page, name
        for _reason, count in result.left_out:
            assert f"{count:,} left out: " in page, name


def test_veil_of_darkness_uses_vehicle_stops_unless_asked_and_marks_its_interval_approximate(
    client, analyst, tmp_path
):
    load_synthetic(tmp_path, analyst, n=60_000, pedestrian_share=0.3)
    client.force_login(analyst)
    default = client.get(reverse("stops:veil_of_darkness"))
    everything = client.get(reverse("stops:veil_of_darkness"), {"stop_type": "all"})
    vehicles = client.get(reverse("stops:veil_of_darkness"), {"stop_type": "vehicular"})
    assert default.context["result"] == vehicles.context["result"]
    assert default.context["result"].records < everything.context["result"].records
    page = default.content.decode()
    assert '<option value="vehicular" selected>' in page
    assert "approximate" in page
    assert "it uses vehicle stops unless another stop type is chosen" in page


def test_a_result_cached_before_an_upgrade_is_not_served_after_it(client, analyst, tmp_path):
    import hashlib

    from django.core.cache import cache

    from commonground.roster.models import Agency
    from commonground.stops.selectors import StopFilter, district_infos, loaded_stop_batches

    load_synthetic(tmp_path, analyst)
    # The key the previous release gave the benchmark over the same batches and filter.
    batches = list(loaded_stop_batches().values_list("pk", flat=True))
    zone = Agency.objects.order_by("pk").first().zone
    old = (
        "benchmark",
        batches,
        StopFilter(),
        "black",
        district_infos(),
        zone,
    )
    cache.set("stops:" + hashlib.sha256(repr(old).encode()).hexdigest(), "an old result", 3600)
    client.force_login(analyst)
    response = client.get(reverse("stops:benchmark"))
    assert response.context["result"] != "an old result"
    assert response.context["result"].left_out
