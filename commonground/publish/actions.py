"""Building a release: every public dataset, suppressed and stored, in one go."""

import hashlib
import logging
import tempfile
from collections.abc import Callable
from itertools import product
from pathlib import Path

import polars as pl
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.publish import datasets as ds
from commonground.publish.anonymity import WITHHELD
from commonground.publish.disclosure import hidden_cells, key, tabulate
from commonground.publish.exports import BATCH_ROWS
from commonground.publish.models import Release, ReleaseFile, ReleaseStatus
from commonground.publish.records import FamilyTables, publishable_rows
from commonground.publish.selectors import disclosure_policy
from commonground.stops.storage import store_file

log = logging.getLogger(__name__)

# Releases kept beside the newest, so a download that began on one still finishes.
KEEP_RELEASES = 2
# Rows per part while a record set streams out of the database, and per Parquet row group
# (downloads read one row group at a time).
CHUNK_ROWS = BATCH_ROWS

POLARS_TYPES = {
    ds.FieldType.INTEGER: pl.Int64,
    ds.FieldType.BOOLEAN: pl.Boolean,
    ds.FieldType.NUMBER: pl.Float64,
    ds.FieldType.STRING: pl.String,
    ds.FieldType.MONTH: pl.String,
    ds.FieldType.YEAR: pl.String,
}


def build_release(*, by=None, progress: Callable[[str], None] = log.info) -> Release:
    """Build every public dataset from the records as they are now, and publish them together.

    `by` is the staff member who asked (checked), or None for the nightly build."""
    if by is not None:
        require(by, "publish.release")
    threshold, officer_data = disclosure_policy()
    release = Release.objects.create(
        started_at=timezone.now(), threshold=threshold, officer_data=officer_data, requested_by=by
    )
    files: list[ReleaseFile] = []
    try:
        with tempfile.TemporaryDirectory(prefix="release-") as work:
            tables: dict[str, pl.DataFrame] = {}
            suppressed: dict[str, FamilyTables] = {}
            for family in ds.FAMILIES:
                family_frames, suppressed[family.slug] = suppress_family(family, threshold)
                tables.update(family_frames)

            def hidden(family: ds.Family, **cell) -> bool:
                return key(**cell) in suppressed[family.slug].hidden

            for estimate_set in ds.ESTIMATE_SETS:
                schema = {f.name: POLARS_TYPES[f.type] for f in estimate_set.fields()}
                tables[estimate_set.slug] = pl.DataFrame(
                    estimate_set.rows(hidden, threshold), schema=schema
                )
            for slug, frame in tables.items():
                path = Path(work) / f"{slug}.parquet"
                frame.write_parquet(path)
                files.append(_store(release, slug, path, frame.height))
                progress(f"{slug}: {frame.height} rows")
            for record_set in ds.RECORD_SETS:
                path, rows = _write_records(
                    record_set, officer_data, threshold, suppressed, Path(work), progress
                )
                files.append(_store(release, record_set.slug, path, rows))
                progress(f"{record_set.slug}: {rows} rows")
    except Exception as error:
        for file in files:
            default_storage.delete(file.name)
        Release.objects.filter(pk=release.pk).update(
            status=ReleaseStatus.FAILED, finished_at=timezone.now(), error=repr(error)
        )
        raise
    _publish(release, files, by)
    _discard_old_releases()
    return release


@transaction.atomic
def _publish(release: Release, files: list[ReleaseFile], by) -> None:
    ReleaseFile.objects.bulk_create(files)
    release.status, release.finished_at = ReleaseStatus.PUBLISHED, timezone.now()
    release.save(update_fields=["status", "finished_at"])
    record(
        actor=by or "nightly build",
        action="publish.release",
        target=release,
        data={
            "threshold": release.threshold,
            "officer_data": release.officer_data,
            "datasets": {f.dataset: f.rows for f in files},
        },
    )


def suppress_family(
    family: ds.Family, threshold: int
) -> tuple[dict[str, pl.DataFrame], FamilyTables]:
    """Each count table of `family`, with totals, after suppression across all of them; and
    what was published and hidden, for the audit with the record sets."""
    tables = ds.tables_of(family)
    rows = list(family.counts())
    seen: dict[str, set[str]] = {}
    for values, _n in rows:
        for name, value in values.items():
            seen.setdefault(name, set()).add(str(value))
    names = {d for t in tables for d in t.dimensions}
    domains = {
        name: [value for value, _label in ds.DIMENSIONS[name].domain(seen)] for name in names
    }
    rollups = {
        name: d.rolls_up_to for name, d in ds.DIMENSIONS.items() if d.rolls_up_to and name in seen
    }
    system = tabulate(rows, [t.dimensions for t in tables], domains, rollups=rollups)
    hidden = hidden_cells(system, threshold)
    finest = {name: [value for value, _label in ds.DIMENSIONS[name].domain(seen)] for name in seen}
    published = FamilyTables(system, hidden, finest, rollups)
    return {t.slug: _table_frame(t, domains, system.counts, hidden) for t in tables}, published


def _table_frame(table: ds.CountTable, domains, counts, hidden) -> pl.DataFrame:
    axes = [[*domains[d], ds.ALL] for d in table.dimensions]
    columns: dict[str, list] = {d: [] for d in table.dimensions} | {"count": [], "suppressed": []}
    for values in product(*axes):
        cell = key(**{d: v for d, v in zip(table.dimensions, values, strict=True) if v != ds.ALL})
        for d, v in zip(table.dimensions, values, strict=True):
            columns[d].append(v)
        columns["count"].append(None if cell in hidden else counts[cell])
        columns["suppressed"].append(cell in hidden)
    schema = {d: pl.String for d in table.dimensions} | {
        "count": pl.Int64,
        "suppressed": pl.Boolean,
    }
    return pl.DataFrame(columns, schema=schema)


def _write_records(
    record_set: ds.RecordSet,
    officer_data: bool,
    threshold: int,
    families: dict[str, FamilyTables],
    work: Path,
    progress,
):
    fields = record_set.fields(officer_data)
    schema = {f.name: POLARS_TYPES[f.type] for f in fields}
    raw_schema = {name: pl.String for name in schema if not name.startswith("officer_")} | {
        ds.PERSON: pl.Int64
    }
    if officer_data:
        raw_schema["officer"] = pl.String
    batch: list[dict] = []
    for row in record_set.rows(officer_data).iterator(chunk_size=5000):
        batch.append(record_set.present(row))
        if len(batch) % CHUNK_ROWS == 0:
            progress(f"{record_set.slug}: {len(batch)} rows read")
    raw = pl.DataFrame(batch, schema=raw_schema, orient="row")
    frame = publishable_rows(
        record_set,
        raw,
        officer_data=officer_data,
        threshold=threshold,
        families=families,
        progress=progress,
    )
    if officer_data:
        parts = pl.col("officer").str.split_exact("\x1f", 1)
        frame = frame.with_columns(
            officer_badge=pl.when(pl.col("officer") == WITHHELD)
            .then(pl.lit(WITHHELD))
            .otherwise(parts.struct.field("field_0").replace("", None)),
            officer_name=pl.when(pl.col("officer") == WITHHELD)
            .then(pl.lit(WITHHELD))
            .otherwise(parts.struct.field("field_1").replace("", None)),
        ).drop("officer")
    frame = frame.select(list(schema)).cast(schema)
    path = work / f"{record_set.slug}.parquet"
    frame.write_parquet(path, row_group_size=CHUNK_ROWS)
    return path, frame.height


def _store(release: Release, slug: str, path: Path, rows: int) -> ReleaseFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    name = store_file(path, f"publish/release-{release.pk}/{slug}.parquet")
    return ReleaseFile(
        release=release,
        dataset=slug,
        name=name,
        rows=rows,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _discard_old_releases() -> None:
    published = Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-finished_at")
    for old in published[KEEP_RELEASES + 1 :]:
        for file in old.files.all():
            default_storage.delete(file.name)
        old.delete()
    Release.objects.filter(status=ReleaseStatus.FAILED).exclude(
        pk__in=Release.objects.order_by("-started_at").values("pk")[:10]
    ).delete()
