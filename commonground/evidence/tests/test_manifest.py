import csv
import datetime
import hashlib
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from commonground.audit.models import AuditEvent
from commonground.evidence import actions
from commonground.evidence.actions import (
    EvidenceError,
    RecordingFacts,
    import_footage,
    import_manifest,
)
from commonground.evidence.manifest import ManifestError, parse_degrees, parse_moment
from commonground.evidence.models import CustodyKind, ImportBatch, ItemKind, Recording, StoredFile
from commonground.evidence.tests.media import mp4, pdf, uploaded
from commonground.roster.models import Agency, Officer

pytestmark = [pytest.mark.django_db, pytest.mark.files]

CHICAGO = datetime.timezone(datetime.timedelta(hours=-5))


def stored_objects(directory: str = "evidence") -> list[str]:
    """Every object in evidence storage, through the storage API so it holds for S3 too."""
    storage = StoredFile.file.field.storage
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" for name in files]
    for folder in folders:
        names += stored_objects(f"{directory}/{folder}")
    return names


@pytest.fixture
def officers(db):
    agency = Agency.objects.create(name="Test PD")
    return {
        badge: Officer.objects.create(
            agency=agency, first_name=first, last_name="Rivera", badge_number=badge
        )
        for badge, first in [("101", "Alex"), ("102", "Sam")]
    }


def facts(officer, **overrides) -> RecordingFacts:
    values = dict(
        device_id="CAM-1",
        officer=officer,
        started_at=datetime.datetime(2025, 3, 14, 9, 30, tzinfo=CHICAGO),
        ended_at=datetime.datetime(2025, 3, 14, 9, 45, tzinfo=CHICAGO),
    )
    values.update(overrides)
    return RecordingFacts(**values)


# --- import_footage on its own ------------------------------------------------------------------


def test_footage_that_is_not_video_or_audio_is_refused_before_its_bytes_are_stored(
    custodian, officers
):
    with pytest.raises(EvidenceError, match="must be a video or audio file"):
        import_footage(
            upload=uploaded("memo.pdf", pdf()), facts=facts(officers["101"]), by=custodian
        )
    assert not StoredFile.objects.exists()
    assert stored_objects() == []


def test_a_failure_after_the_footage_was_stored_leaves_no_orphan_object(
    custodian, officers, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Recording.objects, "create", broken)
    with pytest.raises(RuntimeError):
        import_footage(
            upload=uploaded("cam.mp4", mp4()), facts=facts(officers["101"]), by=custodian
        )
    assert not StoredFile.objects.exists()
    assert stored_objects() == []


def test_a_failed_import_keeps_the_object_another_item_shares(custodian, officers, monkeypatch):
    held = actions.ingest_upload(upload=uploaded("copy.mp4", mp4()), kind="case_file", by=custodian)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Recording.objects, "create", broken)
    with pytest.raises(RuntimeError):
        import_footage(
            upload=uploaded("cam.mp4", mp4()), facts=facts(officers["101"]), by=custodian
        )
    assert stored_objects() == [held.file.name]


# --- Manifests ----------------------------------------------------------------------------------

HEADER = [
    "device_id",
    "officer_badge",
    "started_at",
    "ended_at",
    "latitude",
    "longitude",
    "file_name",
]
GOOD_ROWS = [
    [
        "CAM-1",
        "101",
        "2025-03-14T09:30:00-05:00",
        "2025-03-14T09:45:00-05:00",
        "41.878113",
        "-87.629799",
        "a.mp4",
    ],
    ["CAM-2", "102", "2025-03-14 10:00", "2025-03-14 10:20", "", "", "b.mp4"],
]


def footage(folder, name: str, seconds: float = 60, tag: str = "") -> bytes:
    """A small real MP4, its bytes made unique by the tag (the name by default)."""
    content = mp4(seconds, payload=(tag or name).encode().ljust(256, b"\0"))
    (folder / name).write_bytes(content)
    return content


def write_manifest(folder, rows, header=HEADER, name="manifest.csv"):
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "card"
    folder.mkdir()
    footage(folder, "a.mp4", seconds=900)
    footage(folder, "b.mp4", seconds=1200)
    return folder


def assert_nothing_stored():
    assert not StoredFile.objects.exists()
    assert not Recording.objects.exists()
    assert not ImportBatch.objects.exists()
    assert stored_objects() == []


def test_a_good_manifest_imports_every_row_with_what_the_camera_says(
    custodian, officers, folder, settings
):
    settings.TIME_ZONE = "America/Chicago"
    manifest = write_manifest(folder, GOOD_ROWS)
    done = []
    batch = import_manifest(manifest_path=manifest, by=custodian, progress=done.append)

    assert batch.rows == 2
    assert batch.manifest_name == "manifest.csv"
    assert batch.manifest_sha256 == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert batch.imported_by == custodian
    first, second = batch.recordings.order_by("item_id")
    assert first.officer == officers["101"]
    assert first.device_id == "CAM-1"
    assert first.started_at == datetime.datetime(2025, 3, 14, 14, 30, tzinfo=datetime.UTC)
    assert first.ended_at == datetime.datetime(2025, 3, 14, 14, 45, tzinfo=datetime.UTC)
    assert (first.latitude, first.longitude) == (Decimal("41.878113"), Decimal("-87.629799"))
    # No offset: local time where the agency is (CDT, UTC-5, on that day).
    assert second.officer == officers["102"]
    assert second.started_at == datetime.datetime(2025, 3, 14, 15, 0, tzinfo=datetime.UTC)
    assert (second.latitude, second.longitude) == (None, None)
    for recording, name, seconds in [(first, "a.mp4", 900), (second, "b.mp4", 1200)]:
        item = recording.item
        assert item.kind == ItemKind.BWC_FOOTAGE
        assert not item.evidentiary
        assert item.original_name == name
        assert item.duration_seconds == pytest.approx(seconds)
        assert item.sha256 == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        with item.file.open("rb") as stored:
            assert stored.read() == (folder / name).read_bytes()
        (received,) = item.custody.all()
        assert received.kind == CustodyKind.RECEIVED
        assert received.actor == custodian
        assert received.details["sha256"] == item.sha256
    assert sum(done) == sum((folder / name).stat().st_size for name in ("a.mp4", "b.mp4"))
    assert len(stored_objects()) == 2
    assert AuditEvent.objects.get(action="evidence.import_batch").data["items"] == [
        first.item.reference,
        second.item.reference,
    ]


def test_coordinates_with_more_places_than_kept_are_rounded_to_six(custodian, officers, folder):
    rows = [["CAM-1", "101", *GOOD_ROWS[0][2:4], "41.87811349", "-87.6297985", "a.mp4"]]
    batch = import_manifest(manifest_path=write_manifest(folder, rows), by=custodian)
    recording = batch.recordings.get()
    assert (recording.latitude, recording.longitude) == (
        Decimal("41.878113"),
        Decimal("-87.629798"),
    )


def bad_row(**changes) -> list[str]:
    """The second good row with some values changed; it becomes row 3 of the file."""
    row = dict(zip(HEADER, GOOD_ROWS[1], strict=True))
    row.update(changes)
    return [row[column] for column in HEADER]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (bad_row(officer_badge="999"), "officer_badge", "No officer has badge number 999."),
        (bad_row(officer_badge=""), "officer_badge", "badge number is missing"),
        (bad_row(device_id=""), "device_id", "The device id is missing."),
        (bad_row(started_at="14/03/2025 10:00"), "started_at", "is not a date and time like"),
        (bad_row(started_at="2025-03-14"), "started_at", "is not a date and time like"),
        (bad_row(ended_at=""), "ended_at", "The end of the recording is missing."),
        (bad_row(ended_at="2025-03-14 09:59"), "ended_at", "must end after it starts"),
        (
            bad_row(started_at="2025-11-02 01:30", ended_at="2025-11-02T01:40:00-06:00"),
            "started_at",
            "falls when the clocks change in America/Chicago",
        ),
        (
            bad_row(started_at="2099-01-01 10:00", ended_at="2099-01-01 10:20"),
            "started_at",
            "future",
        ),
        (bad_row(latitude="north", longitude="-87.6"), "latitude", "is not a number of degrees"),
        (bad_row(latitude="NaN", longitude="-87.6"), "latitude", "is not a number of degrees"),
        (bad_row(latitude="95", longitude="-87.6"), "latitude", "not between -90 and 90"),
        (bad_row(latitude="41.8"), "longitude", "Give both latitude and longitude, or neither."),
        (bad_row(file_name="missing.mp4"), "file_name", "There is no file “missing.mp4”"),
        (bad_row(file_name="../outside.mp4"), "file_name", "is outside the folder"),
        (bad_row(file_name="memo.pdf"), "file_name", "must be a video or audio file"),
        (bad_row(file_name="notes.mp4"), "file_name", "could not recognise the type"),
        (bad_row(file_name="a.mp4"), "file_name", "“a.mp4” is also listed on row 2."),
        (bad_row(file_name="copy.mp4"), "file_name", "has the same content as “a.mp4” on row 2"),
        (
            bad_row(device_id="CAM-1", started_at="2025-03-14T09:40:00-05:00"),
            "started_at",
            "overlaps row 2, a recording from the same device CAM-1 (2025-03-14 09:30 to 09:45)",
        ),
    ],
)
def test_a_bad_row_is_reported_with_its_row_and_column_and_nothing_is_stored(
    custodian, officers, folder, settings, row, column, message
):
    settings.TIME_ZONE = "America/Chicago"
    (folder / "memo.pdf").write_bytes(pdf())
    (folder / "notes.mp4").write_bytes(b"just some text, not a video")
    (folder.parent / "outside.mp4").write_bytes((folder / "b.mp4").read_bytes())
    (folder / "copy.mp4").write_bytes((folder / "a.mp4").read_bytes())
    manifest = write_manifest(folder, [GOOD_ROWS[0], row])
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=manifest, by=custodian)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (3, column)
    assert message in problem.message
    assert_nothing_stored()


def test_every_bad_row_is_reported_at_once(custodian, officers, folder):
    rows = [
        GOOD_ROWS[0],
        bad_row(officer_badge="999", ended_at="soon"),
        bad_row(file_name="missing.mp4"),
        ["CAM-3", "101"],
    ]
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=write_manifest(folder, rows), by=custodian)
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (3, "officer_badge"),
        (3, "ended_at"),
        (4, "file_name"),
        (5, ""),
    ]
    assert (
        "This row has 2 values; the header names 7 columns." in refused.value.problems[-1].message
    )
    assert_nothing_stored()


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(custodian, officers, folder):
    manifest = folder / "manifest.csv"
    lines = [",".join(HEADER), ",".join(GOOD_ROWS[0]), "", ",".join(bad_row(officer_badge="9"))]
    manifest.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=manifest, by=custodian)
    assert [(p.row, p.column) for p in refused.value.problems] == [(4, "officer_badge")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([*HEADER, "notes"], "Unknown columns: notes."),
        ([c for c in HEADER if c != "officer_badge"], "Missing columns: officer_badge."),
        ([c for c in HEADER if c != "longitude"], "Give both latitude and longitude columns"),
        ([*HEADER, "device_id"], "Columns named more than once: device_id."),
    ],
)
def test_a_bad_header_is_one_clear_problem_for_the_file(
    custodian, officers, folder, header, message
):
    manifest = write_manifest(folder, [row[: len(header)] for row in GOOD_ROWS], header=header)
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=manifest, by=custodian)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (1, "")
    assert message in problem.message
    assert "The columns are device_id, officer_badge" in problem.message
    assert_nothing_stored()


def test_columns_may_come_in_any_order_and_gps_may_be_left_out(custodian, officers, folder):
    header = ["file_name", "Device_ID ", "officer_badge", "started_at", "ended_at"]
    rows = [["a.mp4", "CAM-1", "101", "2025-03-14T09:30:00-05:00", "2025-03-14T09:45:00-05:00"]]
    batch = import_manifest(manifest_path=write_manifest(folder, rows, header=header), by=custodian)
    assert batch.recordings.get().device_id == "CAM-1"


def test_an_empty_manifest_and_one_without_rows_are_refused(custodian, folder):
    (folder / "empty.csv").write_text("")
    with pytest.raises(ManifestError, match="1 problem") as refused:
        import_manifest(manifest_path=folder / "empty.csv", by=custodian)
    assert "The manifest is empty" in refused.value.problems[0].message
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=write_manifest(folder, []), by=custodian)
    assert refused.value.problems[0].message == "The manifest lists no recordings."


def test_a_manifest_that_is_not_utf8_is_refused(custodian, folder):
    (folder / "latin.csv").write_bytes(",".join(HEADER).encode() + "\nCÁM".encode("latin-1"))
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=folder / "latin.csv", by=custodian)
    assert "not UTF-8" in refused.value.problems[0].message


def test_a_badge_held_in_two_agencies_is_ambiguous(custodian, officers, folder):
    other = Agency.objects.create(name="County Sheriff")
    Officer.objects.create(agency=other, first_name="Jo", last_name="Kim", badge_number="101")
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=write_manifest(folder, GOOD_ROWS), by=custodian)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "officer_badge")
    assert (
        "belongs to officers of more than one agency (County Sheriff, Test PD)" in problem.message
    )


def test_footage_overlapping_or_duplicating_what_is_held_is_refused(custodian, officers, folder):
    import_manifest(manifest_path=write_manifest(folder, [GOOD_ROWS[0]]), by=custodian)
    held = Recording.objects.get()
    objects_before = stored_objects()
    footage(folder, "later.mp4")
    (folder / "again.mp4").write_bytes((folder / "a.mp4").read_bytes())
    rows = [
        [
            "CAM-1",
            "101",
            "2025-03-14T09:40:00-05:00",
            "2025-03-14T09:50:00-05:00",
            "",
            "",
            "later.mp4",
        ],
        [
            "CAM-9",
            "102",
            "2025-03-15T09:00:00-05:00",
            "2025-03-15T09:10:00-05:00",
            "",
            "",
            "again.mp4",
        ],
    ]
    second = write_manifest(folder, rows, name="second.csv")
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=second, by=custodian)
    overlap, duplicate = refused.value.problems
    assert (overlap.row, overlap.column) == (2, "started_at")
    assert f"Device CAM-1 already has a recording at that time ({held.item.reference}" in (
        overlap.message
    )
    assert (duplicate.row, duplicate.column) == (3, "file_name")
    assert duplicate.message == f"This footage is already held as {held.item.reference}."
    assert StoredFile.objects.count() == 1
    assert ImportBatch.objects.count() == 1
    assert stored_objects() == objects_before


def test_the_same_manifest_cannot_be_imported_twice(custodian, officers, folder):
    manifest = write_manifest(folder, GOOD_ROWS)
    with time_machine.travel(datetime.datetime(2026, 5, 4, 15, 0, tzinfo=datetime.UTC)):
        import_manifest(manifest_path=manifest, by=custodian)
    with pytest.raises(ManifestError) as refused:
        import_manifest(manifest_path=manifest, by=custodian)
    [problem] = refused.value.problems
    assert problem.row is None
    assert problem.message.startswith(
        "This manifest was already imported on 2026-05-04 10:00 by custodian (batch"
    )
    assert problem.message.endswith(", 2 recordings).")
    assert StoredFile.objects.count() == 2


def test_a_failure_midway_leaves_no_rows_and_no_stored_objects(
    custodian, officers, folder, monkeypatch
):
    real = actions.import_footage
    calls = []

    def fail_on_the_second_row(**kwargs):
        calls.append(kwargs["upload"].name)
        if len(calls) == 2:
            raise RuntimeError("the disk went away")
        return real(**kwargs)

    monkeypatch.setattr(actions, "import_footage", fail_on_the_second_row)
    with pytest.raises(RuntimeError):
        import_manifest(manifest_path=write_manifest(folder, GOOD_ROWS), by=custodian)
    assert calls == ["a.mp4", "b.mp4"]
    assert_nothing_stored()


def test_a_failure_midway_keeps_an_object_another_item_shares(
    custodian, officers, folder, monkeypatch
):
    held = actions.ingest_upload(
        upload=uploaded("a.mp4", (folder / "a.mp4").read_bytes()), kind="case_file", by=custodian
    )
    real = actions.import_footage

    def fail_on_the_second_row(**kwargs):
        if kwargs["upload"].name == "b.mp4":
            raise RuntimeError("the disk went away")
        return real(**kwargs)

    monkeypatch.setattr(actions, "import_footage", fail_on_the_second_row)
    with pytest.raises(RuntimeError):
        import_manifest(manifest_path=write_manifest(folder, GOOD_ROWS), by=custodian)
    assert list(StoredFile.objects.all()) == [held]
    assert stored_objects() == [held.file.name]


def test_only_staff_who_may_import_evidence_can(analyst, officers, folder):
    with pytest.raises(PermissionDenied):
        import_manifest(manifest_path=write_manifest(folder, GOOD_ROWS), by=analyst)
    assert_nothing_stored()


@given(st.text(max_size=40))
def test_any_text_is_a_moment_or_a_clear_refusal(text):
    try:
        moment = parse_moment(text)
    except ValueError as error:
        assert str(error)
    else:
        assert moment.tzinfo is not None


@given(st.text(max_size=20) | st.decimals().map(str))
def test_any_text_is_a_coordinate_on_earth_or_a_clear_refusal(text):
    try:
        degrees = parse_degrees(text, limit=90)
    except ValueError as error:
        assert str(error)
    else:
        assert -90 <= degrees <= 90
        assert degrees == degrees.quantize(Decimal("0.000001"))


# --- The command --------------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_footage", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_the_batch_and_its_items(custodian, officers, folder):
    out, err = run(write_manifest(folder, GOOD_ROWS), "--user", "custodian")
    batch = ImportBatch.objects.get()
    assert f"Batch {batch.pk}: 2 recordings imported from manifest.csv." in out
    for recording in batch.recordings.all():
        assert recording.item.reference in out
    assert "100%" in err  # the progress bar, on stderr


def test_the_command_reports_a_bad_manifest_as_a_table_and_a_csv_and_stores_nothing(
    custodian, officers, folder, tmp_path
):
    rows = [GOOD_ROWS[0], bad_row(officer_badge="999", file_name="missing.mp4")]
    report = tmp_path / "report.csv"
    manifest = write_manifest(folder, rows)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: the manifest has 2 problems"):
        call_command(
            "import_footage",
            str(manifest),
            "--user=custodian",
            f"--report-csv={report}",
            stdout=out,
        )
    table = out.getvalue().splitlines()
    assert table[0].split() == ["Row", "Column", "Problem"]
    assert table[1].split()[:2] == ["3", "officer_badge"]
    assert "No officer has badge number 999." in table[1]
    assert table[2].split()[:2] == ["3", "file_name"]
    with report.open(newline="", encoding="utf-8") as saved:
        assert list(csv.reader(saved)) == [
            ["row", "column", "message"],
            ["3", "officer_badge", "No officer has badge number 999."],
            ["3", "file_name", f"There is no file “missing.mp4” in {folder}."],
        ]
    assert_nothing_stored()


def test_the_problem_report_csv_never_holds_a_spreadsheet_formula(
    custodian, officers, folder, tmp_path
):
    """Values from the manifest come back in messages: a latitude of -91 made a cell starting
    with "-", which a spreadsheet runs as a formula; so would any message a translation starts
    with the value. Every cell gets the open-data CSVs' guard."""
    from commonground.evidence.manifest import Problem, write_report_csv
    from commonground.lib.spreadsheet import FORMULA_START

    report = tmp_path / "report.csv"
    manifest = write_manifest(folder, [bad_row(latitude="-91", longitude="+181")])
    with pytest.raises(CommandError):
        call_command("import_footage", str(manifest), "--user=custodian", f"--report-csv={report}")
    crafted = io.StringIO()
    write_report_csv(
        [Problem(2, "=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example","y")')], crafted
    )
    for text in (report.read_text(encoding="utf-8"), crafted.getvalue()):
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_START)], cells
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert ["2", "latitude", "'-91 is not between -90 and 90 degrees."] in rows
    assert list(csv.reader(io.StringIO(crafted.getvalue())))[1][2].startswith("'=HYPERLINK(")


def test_the_command_writes_an_empty_report_when_all_is_well(custodian, officers, folder, tmp_path):
    report = tmp_path / "report.csv"
    run(write_manifest(folder, GOOD_ROWS), "--user", "custodian", "--report-csv", report)
    assert report.read_text(encoding="utf-8").splitlines() == ["row,column,message"]


def test_the_command_needs_a_user_who_may_import(analyst, folder):
    manifest = write_manifest(folder, GOOD_ROWS)
    with pytest.raises(CommandError, match="There is no user “nobody”"):
        run(manifest, "--user", "nobody")
    with pytest.raises(CommandError, match="analyst may not import evidence"):
        run(manifest, "--user", "analyst")
    assert_nothing_stored()


def test_the_command_fails_with_a_non_zero_exit_status(custodian, folder):
    with pytest.raises(CommandError) as failed:
        run(write_manifest(folder, []), "--user", "custodian")
    assert failed.value.returncode == 1
