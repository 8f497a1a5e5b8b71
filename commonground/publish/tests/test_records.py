"""Record-level open data attacked as an outsider would: group the rows by every field they
share with the count tables and with each other, and look for a count the tables hide, a
combination few complaints share, or an identifier that gives the case number away."""

from itertools import combinations

import polars as pl
import pytest
import time_machine

from commonground.complaints.models import Allegation, AllegationCategory
from commonground.complaints.tests.factories import agency_with_officers
from commonground.investigations.actions import add_allegation
from commonground.publish import datasets
from commonground.publish.actions import build_release
from commonground.publish.anonymity import WITHHELD
from commonground.publish.selectors import read_table, release_file
from commonground.publish.tests.helpers import closed, complaints, with_allegation
from commonground.stops.storage import local_path

pytestmark = [pytest.mark.django_db, pytest.mark.files]

THRESHOLD = 3
QUASI_IDENTIFIERS = [h.column for h in datasets.ALLEGATION_RECORDS.quasi_identifiers(False)]


def records() -> pl.DataFrame:
    return pl.read_parquet(local_path(release_file("allegation-records").name))


@pytest.fixture
def agency_with_a_rare_category(supervisor, intake_clerk):
    """Two years of complaints in two districts; one kind of misconduct is rare (2 allegations
    in the first year, which the tables hide), and a handful of complaints came by mail."""
    agency, district, _unit, officers = agency_with_officers(2)
    agency.suppression_threshold = THRESHOLD
    agency.save()
    from commonground.roster.models import District

    other = District.objects.create(agency=agency, code="D2", name="Riverside")
    reports = []
    with time_machine.travel("2025-03-10 12:00:00Z"):
        reports += complaints(14, district=district, officer=officers[0])
        reports += complaints(9, district=other, officer=officers[1])
        reports += complaints(
            2, channel="mail", by=intake_clerk, district=other, officer=officers[1]
        )
    with time_machine.travel("2026-05-10 12:00:00Z"):
        reports += complaints(12, district=district, officer=officers[0])
        reports += complaints(8, district=other, officer=officers[1])
    categories = [AllegationCategory.DISCOURTESY, AllegationCategory.USE_OF_FORCE]
    for i, report in enumerate(reports):
        rare = i in (3, 17)  # two in 2025
        category = AllegationCategory.IMPROPER_STOP if rare else categories[i % 2]
        with time_machine.travel(report.received_at):
            case = with_allegation(report, supervisor, category)
            if i % 5 == 0:
                add_allegation(
                    case=case,
                    involved=report.officers.first(),
                    category=AllegationCategory.DISCOURTESY,
                    by=supervisor,
                )
    for report in reports[::4]:
        report.refresh_from_db()
        with time_machine.travel(report.received_at):
            closed(report, supervisor)
    return reports


def test_no_combination_of_published_fields_is_shared_by_the_threshold_or_fewer_complaints(
    agency_with_a_rare_category, analyst
):
    build_release(by=analyst)
    frame = records()

    assert frame.height == sum(r.allegations.count() for r in agency_with_a_rare_category)
    for size in range(1, len(QUASI_IDENTIFIERS) + 1):
        for fields in combinations(QUASI_IDENTIFIERS, size):
            groups = frame.group_by(fields).agg(pl.col("complaint_id").n_unique().alias("n"))
            smallest = groups["n"].min()
            assert smallest > THRESHOLD, (fields, groups.filter(pl.col("n") <= THRESHOLD))


def test_grouping_the_records_as_the_tables_do_never_rebuilds_a_hidden_count(
    agency_with_a_rare_category, analyst
):
    build_release(by=analyst)
    frame = records()
    table = read_table(release_file("allegations-by-category"))
    hidden = table.filter(pl.col("suppressed") & (pl.col("year") != datasets.ALL))
    assert not hidden.is_empty()  # the rare category in 2025 is hidden

    # The attacker counts the rows that certainly fall in each hidden cell: for a count the
    # tables hide because it is small, that is none of them.
    for year, category in hidden.select("year", "category").iter_rows():
        if category == datasets.ALL:
            continue
        true = Allegation.objects.filter(
            report__received_at__year=int(year), category=category
        ).count()
        pinned = frame.filter(
            pl.col("received_period").str.starts_with(year), pl.col("category") == category
        ).height
        if true <= THRESHOLD:
            assert pinned == 0, (year, category)
    # The rare category's two 2025 allegations are not on rows that say both.
    rare = frame.filter(
        pl.col("received_period").str.starts_with("2025"),
        pl.col("category") == AllegationCategory.IMPROPER_STOP,
    )
    assert rare.height == 0


def test_identifiers_are_random_codes_stable_across_releases_and_in_no_order_of_time(
    agency_with_a_rare_category, analyst
):
    build_release(by=analyst)
    first = records()
    build_release(by=analyst)
    second = records()

    pks = {str(r.pk) for r in agency_with_a_rare_category}
    assert not set(first["complaint_id"]) & pks
    assert first["allegation_id"].to_list() == second["allegation_id"].to_list()
    assert all(len(code) == 16 for code in first["allegation_id"])
    # The rows come in the order of their codes, which says nothing of when they came in.
    by_code = first.sort("allegation_id")["complaint_id"].to_list()
    internal = {datasets.public_id("complaint", r.pk): r.pk for r in agency_with_a_rare_category}
    order = [internal[code] for code in by_code]
    assert order != sorted(order)


def test_the_open_data_api_serves_the_coarsened_rows_and_refuses_unknown_districts(
    client, agency_with_a_rare_category, analyst
):
    build_release(by=analyst)

    rows = client.get("/api/v1/allegations/", {"page_size": 1000}).json()["results"]
    unknown = client.get("/api/v1/allegations/", {"district": "NOPE"})

    assert {r["allegation_id"] for r in rows} == set(records()["allegation_id"])
    assert unknown.status_code == 400
    assert "district" in unknown.json()


def test_a_small_agency_publishes_no_rows_rather_than_its_total(analyst, supervisor):
    _agency, district, _unit, officers = agency_with_officers(1)
    reports = complaints(2, district=district, officer=officers[0])
    for report in reports:
        with_allegation(report, supervisor, AllegationCategory.DISCOURTESY)

    build_release(by=analyst)

    assert records().is_empty()
    assert read_table(release_file("allegations-by-category"))["count"].null_count() > 0


def test_withheld_is_the_only_value_added_to_the_declared_ones(
    agency_with_a_rare_category, analyst
):
    build_release(by=analyst)
    frame = records()

    for field in datasets.ALLEGATION_RECORDS.fields(False):
        allowed = {value for value, _label in field.values}
        if allowed:
            seen = set(frame[field.name].drop_nulls())
            assert seen <= allowed, (field.name, seen - allowed)
    assert (frame["received_period"] == WITHHELD).sum() < frame.height


def test_releases_built_before_the_records_were_protected_are_withdrawn_on_upgrade(
    agency_with_a_rare_category, analyst, client
):
    import importlib

    from django.apps import apps
    from django.core.files.storage import default_storage

    from commonground.publish.models import Release, ReleaseStatus
    from commonground.publish.selectors import latest_release

    build_release(by=analyst)
    names = list(latest_release().files.values_list("name", flat=True))
    migration = importlib.import_module(
        "commonground.publish.migrations.0002_withdraw_releases_before_k_anonymity"
    )
    migration.withdraw(apps, None)

    assert latest_release() is None
    assert Release.objects.get().status == ReleaseStatus.FAILED
    assert not [name for name in names if default_storage.exists(name)]
    assert client.get("/api/v1/allegations/").status_code == 503
