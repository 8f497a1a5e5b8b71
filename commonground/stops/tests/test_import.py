import csv
import datetime
import io

import polars as pl
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from commonground.audit.models import AuditEvent
from commonground.stops.actions import BatchRefused, withdraw_batch
from commonground.stops.models import Batch, BatchStatus
from commonground.stops.selectors import scan_stops, stop_counts_by_officer
from commonground.stops.tests.helpers import (
    HEADER,
    import_file,
    small_agency,
    stop_row,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def agency(db):
    return small_agency()


def report_rows(batch) -> list[dict]:
    with default_storage.open(batch.report_name, "rb") as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")))


def test_a_clean_csv_loads_every_row_with_its_types(agency, analyst, tmp_path):
    rows = [
        stop_row(),
        stop_row(
            subject_race="white",
            search_conducted="TRUE",
            search_basis="consent",
            contraband_found="TRUE",
            time="23:59",
            outcome="arrest",
        ),
        stop_row(subject_race="NA", subject_sex="", outcome="", officer_id="NA", time="NA"),
    ]
    batch = import_file(write_csv(tmp_path / "stops.csv", rows), analyst)
    assert batch.status == BatchStatus.LOADED, batch.problems_preview
    assert (batch.rows_checked, batch.problem_count, batch.file_format) == (3, 0, "csv")
    assert batch.first_date == batch.last_date == datetime.date(2025, 6, 1)
    stops = scan_stops().sort("record").collect()
    assert stops.get_column("record").to_list() == [1, 2, 3]
    assert stops.get_column("batch").to_list() == [batch.pk] * 3
    second, third = stops.row(1, named=True), stops.row(2, named=True)
    assert second["time"] == datetime.time(23, 59)
    assert (second["search_conducted"], second["contraband_found"]) == (True, True)
    assert (second["search_basis"], second["outcome"]) == ("consent", "arrest")
    assert (third["subject_race"], third["subject_sex"]) == ("unknown", "unknown")
    assert third["outcome"] is third["officer_id"] is third["time"] is None
    assert stops.schema["subject_race"] == pl.Enum(
        ["asian/pacific islander", "black", "hispanic", "white", "other", "unknown"]
    )
    assert AuditEvent.objects.filter(action="stops.batch_loaded", target_id=str(batch.pk)).exists()


def test_a_parquet_file_with_typed_columns_loads_the_same(agency, analyst, tmp_path):
    frame = pl.DataFrame(
        {
            "date": [datetime.date(2025, 6, 1)],
            "time": [datetime.time(14, 30)],
            "district": ["D2"],
            "lat": [41.6],
            "lng": [-90.6],
            "subject_age": [19],
            "subject_race": ["hispanic"],
            "type": ["pedestrian"],
            "search_conducted": [True],
            "frisk_performed": [True],
            "contraband_found": [False],
        }
    )
    path = tmp_path / "stops.bin"
    frame.write_parquet(path)
    batch = import_file(path, analyst)
    assert (batch.status, batch.file_format) == (BatchStatus.LOADED, "parquet")
    row = scan_stops().collect().row(0, named=True)
    assert row["date"] == datetime.date(2025, 6, 1)
    assert (row["district"], row["subject_age"], row["type"]) == ("D2", 19, "pedestrian")
    assert (row["search_conducted"], row["contraband_found"], row["outcome"]) == (True, False, None)


def test_every_bad_value_is_reported_by_record_and_column_and_nothing_loads(
    agency, analyst, tmp_path
):
    rows = [
        stop_row(),
        stop_row(subject_race="B"),
        stop_row(outcome="ticket"),
        stop_row(time="24:00"),
        stop_row(time="7pm"),
        stop_row(lat="40.1"),
        stop_row(district="D9"),
        stop_row(contraband_found="TRUE"),
        stop_row(date="06/01/2025"),
        stop_row(date=(datetime.date.today() + datetime.timedelta(days=2)).isoformat()),
        stop_row(officer_id="999"),
        stop_row(type=""),
        stop_row(subject_age="34.5"),
        stop_row(search_conducted="maybe"),
    ]
    batch = import_file(write_csv(tmp_path / "stops.csv", rows), analyst)
    assert batch.status == BatchStatus.REJECTED
    assert scan_stops().collect().height == 0
    assert batch.data_name == ""
    found = [(r["record"], r["column"], r["value"]) for r in report_rows(batch)]
    assert found == [
        ("2", "subject_race", "B"),
        ("3", "outcome", "ticket"),
        ("4", "time", "24:00"),
        ("5", "time", "7pm"),
        ("6", "lat", "40.1"),
        ("7", "district", "D9"),
        ("8", "contraband_found", "TRUE"),
        ("9", "date", "06/01/2025"),
        ("10", "date", rows[9]["date"]),
        ("11", "officer_id", "999"),
        ("12", "type", ""),
        ("13", "subject_age", "34.5"),
        ("14", "search_conducted", "maybe"),
    ]
    messages = {r["column"]: r["problem"] for r in report_rows(batch)}
    assert "asian/pacific islander, black, hispanic" in messages["subject_race"]
    assert "00:00 and 23:59" in messages["time"]
    assert "outside the agency's area (latitude 41.4 to 41.8)" in messages["lat"]
    assert "no search was conducted" in messages["contraband_found"]
    assert messages["type"] == "This value is required."
    assert batch.problem_count == 13
    assert batch.problems_preview[0]["record"] == 2
    assert AuditEvent.objects.filter(action="stops.batch_rejected").count() == 1


def test_missing_required_columns_are_named(agency, analyst, tmp_path):
    header = [c for c in HEADER if c not in {"district", "type"}]
    batch = import_file(write_csv(tmp_path / "s.csv", [stop_row()], header), analyst)
    assert batch.status == BatchStatus.REJECTED
    (problem,) = batch.problems_preview
    assert problem["problem"] == (
        "These required columns are missing: district, type. The first line must name them."
    )
    assert report_rows(batch)[0]["problem"] == problem["problem"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "This file is neither CSV nor Parquet."),
        (b"just some words\nand more\n", "its first line has no commas"),
        (b"PAR1" + b"\x01" * 40, "This Parquet file is cut short"),
        (b"date,district\xff\xfe,type\n", "not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_csv_or_parquet_is_refused_with_why(
    agency, analyst, tmp_path, content, message
):
    path = tmp_path / "stops.csv"
    path.write_bytes(content)
    batch = import_file(path, analyst)
    assert batch.status == BatchStatus.REJECTED
    assert message in batch.problems_preview[0]["problem"]


def test_a_header_without_records_is_refused(agency, analyst, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(",".join(HEADER) + "\n")
    batch = import_file(path, analyst)
    assert batch.problems_preview[0]["problem"] == "The file has a header but no records."


def test_an_opp_file_with_extra_columns_and_aliases_loads(agency, analyst, tmp_path):
    rows = [
        {
            "raw_row_number": "1",
            **stop_row(),
            "Reason": "equipment",
            "citation_issued": "FALSE",
            "violation": "tail light",
        }
    ]
    for row in rows:
        row.pop("reason_for_stop")
    batch = import_file(write_csv(tmp_path / "opp.csv", rows), analyst)
    assert batch.status == BatchStatus.LOADED
    assert batch.ignored_columns == ["raw_row_number", "citation_issued", "violation"]
    assert scan_stops().collect().item(0, "reason_for_stop") == "equipment"


def test_the_same_file_cannot_be_loaded_twice_until_withdrawn(agency, analyst, tmp_path):
    path = write_csv(tmp_path / "stops.csv", [stop_row()])
    first = import_file(path, analyst)
    with pytest.raises(BatchRefused, match=rf"already imported on .* as batch {first.pk}"):
        import_file(path, analyst)
    withdraw_batch(batch=first, reason="Wrong month", by=analyst)
    assert scan_stops().collect().height == 0
    second = import_file(path, analyst)
    assert second.status == BatchStatus.LOADED
    assert scan_stops().collect().height == 1


def test_a_rejected_file_may_be_sent_again(agency, analyst, tmp_path):
    path = write_csv(tmp_path / "stops.csv", [stop_row(district="D9")])
    assert import_file(path, analyst).status == BatchStatus.REJECTED
    assert import_file(path, analyst).status == BatchStatus.REJECTED


def test_withdrawing_needs_a_reason(agency, analyst, tmp_path):
    batch = import_file(write_csv(tmp_path / "stops.csv", [stop_row()]), analyst)
    with pytest.raises(BatchRefused, match="Say why"):
        withdraw_batch(batch=batch, reason=" ", by=analyst)


def test_only_analysts_import(agency, supervisor, tmp_path):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_file(write_csv(tmp_path / "stops.csv", [stop_row()]), supervisor)


def test_a_failure_while_loading_leaves_no_rows_and_no_file(agency, analyst, tmp_path, monkeypatch):
    from commonground.stops import actions

    finish = actions._finish

    def fail_to_load(batch, checked, *, status, **kwargs):
        if status == BatchStatus.LOADED:
            raise RuntimeError("disk full")
        return finish(batch, checked, status=status, **kwargs)

    monkeypatch.setattr(actions, "_finish", fail_to_load)
    path = write_csv(tmp_path / "stops.csv", [stop_row()])
    with pytest.raises(RuntimeError):
        import_file(path, analyst)
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.REJECTED
    assert batch.problems_preview[0]["problem"] == (
        "The file could not be checked (internal error)."
    )
    assert scan_stops().collect().height == 0
    _, loaded = default_storage.listdir("stops/batches")
    assert loaded == []
    _, incoming = default_storage.listdir("stops/incoming")
    assert incoming == []


def test_stop_counts_by_officer(agency, analyst, tmp_path):
    rows = [
        stop_row(officer_id="101", search_conducted="TRUE", contraband_found="TRUE"),
        stop_row(officer_id="101", search_conducted="TRUE", contraband_found="FALSE"),
        stop_row(officer_id="101", search_conducted="TRUE", contraband_found="NA"),
        stop_row(officer_id="101"),
        stop_row(officer_id="102", date="2025-07-02"),
    ]
    import_file(write_csv(tmp_path / "stops.csv", rows), analyst)
    counts = stop_counts_by_officer(datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))
    assert set(counts) == {"101"}
    officer = counts["101"]
    assert (officer.stops, officer.searches, officer.hits, officer.fruitless) == (4, 3, 1, 1)


def test_the_command_loads_and_reports(agency, analyst, tmp_path):
    good = write_csv(tmp_path / "good.csv", [stop_row(), stop_row()])
    out = io.StringIO()
    call_command("import_records", good, user="analyst", stdout=out, stderr=io.StringIO())
    assert "Loaded batch" in out.getvalue() and "2 records from good.csv" in out.getvalue()
    bad = write_csv(tmp_path / "bad.csv", [stop_row(subject_race="B")])
    report = tmp_path / "problems.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"Nothing was loaded: batch \d+ has 1 problem"):
        call_command("import_records", bad, user="analyst", report_csv=report, stderr=err)
    assert "record 1, subject_race “B”" in err.getvalue()
    assert "subject_race" in report.read_text()
    with pytest.raises(CommandError, match="already imported"):
        call_command("import_records", good, user="analyst", stderr=io.StringIO())
