import csv
import io
from unittest import mock

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from commonground.audit.models import AuditEvent
from commonground.complaints.models import AllegationCategory
from commonground.complaints.tests.factories import agency_with_officers
from commonground.publish import datasets
from commonground.publish.actions import KEEP_RELEASES, build_release
from commonground.publish.models import Release, ReleaseStatus
from commonground.publish.selectors import (
    latest_release,
    read_table,
    release_file,
)
from commonground.publish.tests.helpers import closed, complaints, with_allegation
from commonground.roster.models import Agency, District
from commonground.stops.analysis import Estimate, NotEnoughData
from commonground.stops.storage import local_path

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def table(slug: str) -> pl.DataFrame:
    return read_table(release_file(slug))


def row(frame: pl.DataFrame, **values) -> dict:
    matches = frame.filter(*(pl.col(k) == v for k, v in values.items())).to_dicts()
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture
def agency():
    return agency_with_officers(2)


def test_a_release_publishes_every_declared_dataset(agency, analyst):
    complaints(3)

    release = build_release(by=analyst)

    assert release.status == ReleaseStatus.PUBLISHED
    assert {f.dataset for f in release.files.all()} == set(datasets.DATASETS)
    assert latest_release() == release
    event = AuditEvent.objects.get(action="publish.release")
    assert event.actor == analyst
    assert event.data["datasets"]["allegation-records"] == 0


def test_small_counts_are_suppressed_with_a_partner_and_the_total_is_shown(
    agency, analyst, intake_clerk
):
    complaints(14, channel="online")
    complaints(3, channel="phone", by=intake_clerk)

    build_release(by=analyst)

    frame = table("complaints-by-channel")
    year = frame["year"][0]
    assert row(frame, year=year, channel="phone") | {"year": year} == {
        "year": year,
        "channel": "phone",
        "count": None,
        "suppressed": True,
    }
    # The 3 alone would be 17 minus the 14: the 14 is hidden too.
    assert row(frame, year=year, channel="online")["suppressed"]
    assert row(frame, year=year, channel="mail")["count"] == 0
    assert row(frame, year=year, channel=datasets.ALL)["count"] == 17
    assert row(table("complaints-by-month"), month=datasets.ALL)["count"] == 17


def test_the_threshold_follows_the_agency_setting(agency, analyst, intake_clerk):
    agency[0].suppression_threshold = 2
    agency[0].save()
    complaints(14, channel="online")
    complaints(3, channel="phone", by=intake_clerk)

    release = build_release(by=analyst)

    frame = table("complaints-by-channel")
    assert release.threshold == 2
    assert row(frame, year=frame["year"][0], channel="phone")["count"] == 3


def test_a_district_code_two_agencies_share_is_one_value_in_every_table(agency, analyst):
    # A code is unique within an agency only; the records are counted by code, so the tables
    # list it once (listed twice, each sum would count it twice and the release failed).
    pd, north, _unit, _officers = agency
    county = Agency.objects.create(name="County Sheriff")
    north_county = District.objects.create(agency=county, code=north.code, name="North County")
    complaints(12, district=north)
    complaints(4, district=north_county)
    complaints(15, district=District.objects.create(agency=pd, code="D2", name="Southside"))
    complaints(3)  # no district: hidden, with D2 as its partner

    build_release(by=analyst)

    frame = table("complaints-by-district")
    assert row(frame, year=datasets.ALL, district=north.code)["count"] == 16
    assert row(frame, year=datasets.ALL, district="D2")["suppressed"]
    assert row(frame, year=datasets.ALL, district=datasets.ALL)["count"] == 34
    assert datasets.DIMENSIONS["district"].domain({})[0] == (north.code, "North County / Northside")


def alike(agency_row, n, supervisor, category, **report):
    """`n` complaints alike in every published field, at a threshold of 1: a group of two or
    more is published as it is (test_records covers the coarsening of smaller ones)."""
    agency_row.suppression_threshold = 1
    agency_row.save()
    reports = complaints(n, **report)
    for r in reports:
        with_allegation(r, supervisor, category)
    return reports


def test_allegation_records_hold_only_the_declared_fields(agency, analyst, supervisor):
    agency_row, district, _unit, officers = agency
    reports = alike(
        agency_row,
        2,
        supervisor,
        AllegationCategory.DISCOURTESY,
        district=district,
        officer=officers[0],
    )
    for r in reports:
        r.refresh_from_db()
        closed(r, supervisor)

    build_release(by=analyst)

    frame = pl.read_parquet(local_path(release_file("allegation-records").name))
    assert frame.columns == [f.name for f in datasets.ALLEGATION_RECORDS.fields(False)]
    published = frame.to_dicts()[0]
    assert published["complaint_id"] in {datasets.public_id("complaint", r.pk) for r in reports}
    assert published["district"] == "D1"
    assert published["category"] == "discourtesy"
    assert published["received_period"] == f"{reports[0].received_at:%Y-%m}"
    assert published["outcome"] == "insufficient_information"
    assert published["days_to_close"] == "0-30"
    assert published["finding"] is None


def test_officers_are_named_only_when_the_agency_publishes_officer_data(
    agency, analyst, supervisor
):
    agency_row, _district, _unit, officers = agency
    alike(agency_row, 2, supervisor, AllegationCategory.USE_OF_FORCE, officer=officers[0])
    agency_row.publish_officer_data = True
    agency_row.save()

    release = build_release(by=analyst)

    frame = pl.read_parquet(local_path(release_file("allegation-records").name))
    assert release.officer_data
    assert frame["officer_badge"].to_list() == [officers[0].badge_number] * 2
    assert (
        frame["officer_name"].to_list() == [f"{officers[0].first_name} {officers[0].last_name}"] * 2
    )


def test_only_analysts_and_administrators_may_ask_for_a_release(agency, intake_clerk):
    with pytest.raises(PermissionDenied):
        build_release(by=intake_clerk)
    assert not Release.objects.exists()


def test_a_failed_build_leaves_the_last_release_published(agency, analyst, monkeypatch):
    good = build_release(by=analyst)

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(
        datasets,
        "FAMILIES",
        [datasets.Family("complaints", "complaints", broken), *datasets.FAMILIES[1:]],
    )
    with pytest.raises(RuntimeError, match="went away"):
        build_release(by=analyst)

    failed = Release.objects.get(status=ReleaseStatus.FAILED)
    assert "went away" in failed.error
    assert latest_release() == good


def test_old_releases_and_their_files_are_discarded(agency, analyst):
    first = build_release(by=analyst)
    first_files = [f.name for f in first.files.all()]
    for _ in range(KEEP_RELEASES + 1):
        build_release(by=analyst)

    assert Release.objects.filter(status=ReleaseStatus.PUBLISHED).count() == KEEP_RELEASES + 1
    assert not Release.objects.filter(pk=first.pk).exists()
    from django.core.files.storage import default_storage

    assert not any(default_storage.exists(name) for name in first_files)


def test_the_command_and_the_nightly_task_publish_a_release(agency):
    import io

    from django.core.management import call_command

    from commonground.publish.tasks import build_nightly_release

    out = io.StringIO()
    call_command("publish_release", stdout=out)
    nightly = build_nightly_release.call()

    assert f"published: {len(datasets.DATASETS)} datasets" in out.getvalue()
    assert latest_release().pk == nightly
    assert (
        AuditEvent.objects.filter(action="publish.release", actor_label="nightly build").count()
        == 2
    )


def test_a_disparity_is_withheld_when_a_count_it_comes_from_is_suppressed():

    class Cell:
        def __init__(self, group):
            self.group = group
            self.stop_rate = self.stop_ratio = self.search_ratio = Estimate(1.5, 1.2, 1.8, 0.1)
            self.stop_ratio_standardised = self.search_ratio_standardised = self.stop_ratio

    class Benchmark:
        reference_group = "white"
        overall = (Cell("black"), Cell("white"), Cell("asian/pacific islander"))
        used, left_out = 1000, ()

    def hidden(family, **cell):
        return family is datasets.STOPS and cell == {"subject_race": "asian/pacific islander"}

    def analyse(name, _filter):
        if name == "benchmark":
            return Benchmark()
        raise NotEnoughData("none")

    with mock.patch("commonground.publish.datasets.analyse", analyse):
        rows = {(r["measure"], r["group"]): r for r in datasets.STOP_DISPARITIES.rows(hidden, 10)}

    assert rows[("stop_ratio", "black")]["value"] == 1.5
    assert rows[("stop_ratio", "black")]["low"] == 1.2
    withheld = rows[("stop_ratio", "asian/pacific islander")]
    assert withheld["value"] is None and withheld["withheld"] == "small_count"
    assert rows[("stop_rate", "asian/pacific islander")]["withheld"] == "small_count"


def test_open_data_csv_cells_are_never_spreadsheet_formulas(agency, analyst, supervisor, client):
    agency_row, _district, _unit, officers = agency
    officers[0].first_name = '=HYPERLINK("http://evil.example","x")'
    officers[0].save()
    alike(agency_row, 2, supervisor, AllegationCategory.USE_OF_FORCE, officer=officers[0])
    agency_row.publish_officer_data = True
    agency_row.save()
    build_release(by=analyst)

    body = b"".join(client.get("/data/allegation-records.csv").streaming_content).decode()
    row, _same = csv.DictReader(io.StringIO(body))
    assert row["officer_name"] == f"'{officers[0].first_name} {officers[0].last_name}"
    assert all(not value.startswith(("=", "+", "-", "@")) for value in row.values())
