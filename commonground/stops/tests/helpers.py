"""Building imported files and the agency they are checked against."""

import csv
import datetime
import hashlib
from pathlib import Path

from commonground.roster.models import Agency, District, Officer, Unit
from commonground.stops.actions import check_batch, queue_batch
from commonground.stops.models import Batch

HEADER = [
    "date",
    "time",
    "location",
    "lat",
    "lng",
    "district",
    "subject_age",
    "subject_race",
    "subject_sex",
    "officer_id",
    "type",
    "reason_for_stop",
    "outcome",
    "search_conducted",
    "search_basis",
    "frisk_performed",
    "contraband_found",
]


def small_agency() -> Agency:
    """Two districts in a box around Riverton, and three officers (badges 101-103)."""
    agency = Agency.objects.create(
        name="Test PD",
        time_zone="America/Chicago",
        area_south=41.4,
        area_north=41.8,
        area_west=-90.8,
        area_east=-90.3,
    )
    for code, name, lat in (("D1", "Northside", 41.65), ("D2", "Southpark", 41.55)):
        District.objects.create(
            agency=agency,
            code=code,
            name=name,
            population=10_000,
            population_by_group={"black": 4000, "white": 4000, "hispanic": 2000},
            latitude=lat,
            longitude=-90.58,
        )
    unit = Unit.objects.create(agency=agency, name="Patrol")
    for badge in ("101", "102", "103"):
        Officer.objects.create(
            agency=agency, first_name="Sam", last_name=f"Ng{badge}", badge_number=badge, unit=unit
        )
    return agency


def stop_row(**values) -> dict:
    row = {
        "date": "2025-06-01",
        "time": "14:30:00",
        "location": "100 Main St",
        "lat": "41.60",
        "lng": "-90.57",
        "district": "D1",
        "subject_age": "34",
        "subject_race": "black",
        "subject_sex": "male",
        "officer_id": "101",
        "type": "vehicular",
        "reason_for_stop": "speeding",
        "outcome": "warning",
        "search_conducted": "FALSE",
        "search_basis": "NA",
        "frisk_performed": "FALSE",
        "contraband_found": "NA",
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    header = header or (list(rows[0]) if rows else HEADER)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_file(path: Path, by, kind: str = "stops") -> Batch:
    """Queue and check a file as the import command does."""
    batch = queue_batch(
        kind=kind,
        path=path,
        original_name=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        size=path.stat().st_size,
        by=by,
        check_later=False,
    )
    return check_batch(batch_id=batch.pk)


def days_ago(days: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=days)).isoformat()
