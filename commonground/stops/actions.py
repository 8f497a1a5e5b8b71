"""Writes: importing batches of stop and use-of-force records, withdrawing them, and linking a
use-of-force incident to a complaint."""

import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.complaints.models import Report
from commonground.lib.spreadsheet import SafeWriter
from commonground.roster.models import Agency, District, Officer
from commonground.stops import checks, storage, tasks
from commonground.stops.importer import (
    PREVIEW_PROBLEMS,
    Checked,
    FileProblem,
    check_file,
    count_rows,
    detect_format,
)
from commonground.stops.models import (
    Batch,
    BatchKind,
    BatchStatus,
    ForceUsed,
    UseOfForceIncident,
)
from commonground.stops.schema import STOP_COLUMN_ALIASES, STOP_SCHEMA

log = logging.getLogger(__name__)

USE_OF_FORCE_ALIASES = {"force_types": "force_type", "complaint_reference": "complaint"}
# Columns that describe the incident (not one officer's part in it): every row of an incident
# must give the same values.
INCIDENT_COLUMNS = [
    "date",
    "time",
    "location",
    "lat",
    "lng",
    "district",
    "subject_age",
    "subject_race",
    "subject_sex",
    "subject_injured",
    "officer_injured",
    "complaint",
]


class BatchRefused(Exception):
    """The file cannot be queued; the message says why."""


def queue_batch(
    *,
    kind: str,
    path: Path,
    original_name: str,
    sha256: str,
    size: int,
    by,
    note: str = "",
    check_later: bool = True,
) -> Batch:
    """Store the received file and queue it for checking by the task worker (or, with
    `check_later=False`, by the caller through `check_batch`). `path` is a local file the caller
    owns; it is copied into storage."""
    require(by, "stops.import")
    if size > settings.STOPS_IMPORT_MAX_BYTES:
        raise BatchRefused(
            _("The file is %(size)s bytes; files of up to %(max)s bytes can be imported.")
            % {"size": f"{size:,}", "max": f"{settings.STOPS_IMPORT_MAX_BYTES:,}"}
        )
    if size == 0:
        raise BatchRefused(_("The file is empty."))
    _refuse_if_already_imported(kind, sha256)
    incoming = storage.store_file(path, f"stops/incoming/{uuid.uuid4().hex}")
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                kind=kind,
                original_name=os.path.basename(original_name)[:255],
                sha256=sha256,
                size=size,
                incoming_name=incoming,
                note=note,
                created_by=by,
                created_at=timezone.now(),
            )
            record(
                actor=by,
                action="stops.batch_queued",
                target=batch,
                data={"kind": kind, "name": batch.original_name, "sha256": sha256, "size": size},
            )
            batch_id = batch.pk
            if check_later:
                transaction.on_commit(lambda: tasks.check_batch_task.enqueue(batch_id=batch_id))
    except IntegrityError:
        storage.delete(incoming)
        _refuse_if_already_imported(kind, sha256)
        raise
    return batch


def _refuse_if_already_imported(kind: str, sha256: str) -> None:
    same = Batch.objects.filter(
        kind=kind,
        sha256=sha256,
        status__in=[BatchStatus.QUEUED, BatchStatus.CHECKING, BatchStatus.LOADED],
    ).first()
    if same:
        raise BatchRefused(
            _(
                "This file was already imported on %(date)s as batch %(batch)s (%(name)s). "
                "The same file cannot be loaded twice; withdraw that batch first to load it again."
            )
            % {
                "date": timezone.localtime(same.created_at).date().isoformat(),
                "batch": same.pk,
                "name": same.original_name,
            }
        )


def check_batch(*, batch_id: int, progress=None) -> Batch:
    """Check a queued batch and load it if every row is right; otherwise reject it with its
    report. Runs in the task worker (or the import command, with a progress bar)."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.QUEUED:
            return batch
        batch.status = BatchStatus.CHECKING
        batch.save(update_fields=["status"])
    work_dir = Path(tempfile.mkdtemp(prefix=f"batch-{batch.pk}-", dir=_scratch()))
    try:
        with translation.override(batch.created_by.preferred_language):
            _check_and_load(batch, work_dir, progress)
    except FileProblem as problem:
        _reject(batch, Checked(), file_problem=str(problem))
    except Exception:
        log.exception("Batch %s could not be checked", batch.pk)
        _reject(batch, Checked(), file_problem=_("The file could not be checked (internal error)."))
        raise
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        storage.delete(batch.incoming_name)
        Batch.objects.filter(pk=batch.pk).update(incoming_name="")
    batch.refresh_from_db()
    return batch


def _scratch() -> str:
    directory = Path(settings.FILE_UPLOAD_TEMP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory)


def _check_and_load(batch: Batch, work_dir: Path, progress) -> None:
    source = _local_source(batch)
    batch.file_format = detect_format(source)
    batch.save(update_fields=["file_format"])
    total = batch.rows_total = count_rows(source, batch.file_format)
    batch.save(update_fields=["rows_total"])
    if progress:
        progress(0, total)

    def advance(rows: int) -> None:
        Batch.objects.filter(pk=batch.pk).update(rows_checked=rows)
        if progress:
            progress(rows, total)

    context = _context()
    report_path = work_dir / "problems.csv"
    if batch.kind == BatchKind.STOPS:
        checked = check_file(
            source,
            columns=checks.stop_columns(context),
            aliases=STOP_COLUMN_ALIASES,
            row_checks=checks.stop_row_checks(),
            work_dir=work_dir,
            report_path=report_path,
            progress=advance,
        )
        if checked.clean:
            _load_stops(batch, checked, work_dir)
            return
    else:
        checked = check_file(
            source,
            columns=checks.use_of_force_columns(context),
            aliases=USE_OF_FORCE_ALIASES,
            row_checks=checks.coordinate_pair_checks(),
            work_dir=work_dir,
            report_path=report_path,
            progress=advance,
        )
        if checked.clean:
            incidents = pl.read_parquet(checked.parts)
            _check_incidents(checked, incidents, report_path)
            if checked.clean:
                _load_incidents(batch, checked, incidents)
                return
    _reject(batch, checked, report_path=report_path)


def _local_source(batch: Batch) -> Path:
    try:
        return storage.local_path(batch.incoming_name)
    except FileNotFoundError as error:
        raise FileProblem(_("The received file is no longer in storage.")) from error


def _context() -> checks.Context:
    agency = Agency.objects.order_by("pk").first()
    return checks.Context(
        districts=frozenset(District.objects.values_list("code", flat=True)),
        badges=frozenset(Officer.objects.values_list("badge_number", flat=True)),
        today=timezone.localdate(),
        area=agency.area if agency else None,
    )


def _load_stops(batch: Batch, checked: Checked, work_dir: Path) -> None:
    data = work_dir / "stops.parquet"
    (
        pl.scan_parquet(checked.parts)
        .select(
            *[pl.col(name).cast(dtype) for name, dtype in STOP_SCHEMA.items()],
            pl.lit(batch.pk, pl.Int32).alias("batch"),
            pl.col("record").cast(pl.Int32),
        )
        .sink_parquet(data, compression="zstd", row_group_size=1_000_000)
    )
    data_name = storage.store_file(data, f"stops/batches/{batch.pk}-{batch.sha256[:12]}.parquet")
    try:
        with transaction.atomic(durable=True):
            _finish(batch, checked, status=BatchStatus.LOADED, data_name=data_name)
    except BaseException:
        storage.delete(data_name)
        raise


def _check_incidents(checked: Checked, rows: pl.DataFrame, report_path: Path) -> None:
    """Checks across the rows of each incident and against what is already loaded."""
    rows = rows.sort("record")
    first = {"first": pl.col("record").first().over("incident_id")}
    problems = []
    for column in INCIDENT_COLUMNS:
        bad = rows.with_columns(**first).filter(
            pl.col(column).ne_missing(pl.col(column).first().over("incident_id"))
        )
        problems += [
            (
                record_no,
                column,
                _("This differs from record %(first)s of the same incident.") % {"first": first_no},
            )
            for record_no, first_no in bad.select("record", "first").iter_rows()
        ]
    twice = rows.filter(pl.int_range(pl.len()).over("incident_id", "officer_id") > 0)
    problems += [
        (record_no, "officer_id", _("This officer appears twice in the same incident."))
        for (record_no,) in twice.select("record").iter_rows()
    ]
    loaded = set(
        UseOfForceIncident.objects.filter(
            agency_reference__in=rows.get_column("incident_id").unique().to_list()
        ).values_list("agency_reference", flat=True)
    )
    problems += [
        (record, "incident_id", _("This incident was already loaded in an earlier batch."))
        for record, ref in rows.select("record", "incident_id").iter_rows()
        if ref in loaded
    ]
    known = _complaint_ids(rows.get_column("complaint").drop_nulls().unique().to_list())
    problems += [
        (record, "complaint", _("No complaint has this reference."))
        for record, ref in rows.select("record", "complaint").iter_rows()
        if ref and ref not in known
    ]
    if not problems:
        return
    problems.sort()
    values = {
        (r["record"], c): r[c]
        for r in rows.iter_rows(named=True)
        for c in ("incident_id", "officer_id", *INCIDENT_COLUMNS)
    }
    with report_path.open("a", newline="", encoding="utf-8") as report:
        writer = SafeWriter(report)
        for record_no, column, message in problems:
            value = values.get((record_no, column))
            row = {
                "record": record_no,
                "column": column,
                "value": "" if value is None else str(value),
                "problem": message,
            }
            writer.writerow(row.values())
            if len(checked.preview) < PREVIEW_PROBLEMS:
                checked.preview.append(row)
            checked.by_kind[(column, message)] += 1
    checked.problems += len(problems)


def _complaint_ids(references: list[str]) -> dict[str, int]:
    """Reference -> report id, for the references that name a report."""
    wanted = {int(ref.rsplit("-", 1)[1]): ref for ref in references}
    found = {}
    for pk, received_at in Report.objects.filter(pk__in=wanted).values_list("pk", "received_at"):
        if f"CG-{received_at:%Y}-{pk:06d}" == wanted[pk]:
            found[wanted[pk]] = pk
    return found


def _load_incidents(batch: Batch, checked: Checked, rows: pl.DataFrame) -> None:
    districts = dict(District.objects.values_list("code", "pk"))
    officers = dict(Officer.objects.values_list("badge_number", "pk"))
    complaints = _complaint_ids(rows.get_column("complaint").drop_nulls().unique().to_list())
    with transaction.atomic(durable=True):
        incidents = {}
        for row in rows.sort("record").iter_rows(named=True):
            ref = row["incident_id"]
            if ref not in incidents:
                incidents[ref] = UseOfForceIncident(
                    batch=batch,
                    agency_reference=ref,
                    occurred_on=row["date"],
                    occurred_time=row["time"],
                    district_id=districts[row["district"]],
                    location=row["location"] or "",
                    latitude=row["lat"],
                    longitude=row["lng"],
                    subject_age=row["subject_age"],
                    subject_race=row["subject_race"],
                    subject_sex=row["subject_sex"],
                    subject_injured=row["subject_injured"],
                    officer_injured=row["officer_injured"],
                    complaint_id=complaints.get(row["complaint"]),
                )
        UseOfForceIncident.objects.bulk_create(incidents.values(), batch_size=500)
        saved = dict(
            UseOfForceIncident.objects.filter(batch=batch).values_list("agency_reference", "pk")
        )
        ForceUsed.objects.bulk_create(
            [
                ForceUsed(
                    incident_id=saved[row["incident_id"]],
                    officer_id=officers[row["officer_id"]],
                    types=row["force_type"].split(";"),
                )
                for row in rows.iter_rows(named=True)
            ],
            batch_size=500,
        )
        _finish(batch, checked, status=BatchStatus.LOADED, extra={"incidents": len(saved)})


def _finish(
    batch: Batch,
    checked: Checked,
    *,
    status: str,
    data_name: str = "",
    report_name: str = "",
    file_problem: str = "",
    extra: dict | None = None,
) -> None:
    batch.status = status
    batch.data_name = data_name
    batch.report_name = report_name
    batch.rows_total = checked.rows or batch.rows_total
    batch.rows_checked = checked.rows
    batch.problem_count = checked.problems + (1 if file_problem else 0)
    batch.problems_preview = (
        [{"record": "", "column": "", "value": "", "problem": file_problem}]
        if file_problem
        else sorted(checked.preview, key=lambda p: p["record"])
    )
    batch.problems_by_kind = (
        [{"column": "", "problem": file_problem, "count": 1}]
        if file_problem
        else checked.problems_by_kind()
    )
    batch.ignored_columns = checked.ignored_columns
    batch.first_date, batch.last_date = checked.first_date, checked.last_date
    batch.finished_at = timezone.now()
    batch.save()
    record(
        actor=batch.created_by,
        action="stops.batch_loaded" if status == BatchStatus.LOADED else "stops.batch_rejected",
        target=batch,
        data={
            "rows": checked.rows,
            "problems": batch.problem_count,
            **({"file_problem": file_problem} if file_problem else {}),
            **(extra or {}),
        },
    )


def _reject(
    batch: Batch, checked: Checked, *, report_path: Path | None = None, file_problem: str = ""
) -> None:
    if report_path is None:
        report_path = Path(tempfile.mkstemp(suffix=".csv", dir=_scratch())[1])
        with report_path.open("w", encoding="utf-8", newline="") as report:
            SafeWriter(report).writerows(
                [["record", "column", "value", "problem"], ["", "", "", file_problem]]
            )
    report_name = storage.store_file(report_path, f"stops/reports/{batch.pk}-problems.csv")
    try:
        with transaction.atomic(durable=True):
            batch.refresh_from_db()
            _finish(
                batch,
                checked,
                status=BatchStatus.REJECTED,
                report_name=report_name,
                file_problem=file_problem,
            )
    except BaseException:
        storage.delete(report_name)
        raise
    finally:
        if file_problem:
            report_path.unlink(missing_ok=True)


@transaction.atomic(durable=True)
def withdraw_batch(*, batch: Batch, reason: str, by) -> Batch:
    """Take a loaded batch out of the analyses (its use-of-force incidents are removed). The batch
    and its report stay, so what was withdrawn and why is on record."""
    require(by, "stops.import")
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.LOADED:
        raise BatchRefused(_("Only a loaded batch can be withdrawn."))
    if not reason.strip():
        raise BatchRefused(_("Say why the batch is withdrawn."))
    removed = batch.incidents.count()
    batch.incidents.all().delete()
    batch.status = BatchStatus.WITHDRAWN
    batch.withdrawn_reason = reason.strip()
    batch.save(update_fields=["status", "withdrawn_reason"])
    record(
        actor=by,
        action="stops.batch_withdrawn",
        target=batch,
        data={"reason": batch.withdrawn_reason, "incidents_removed": removed},
    )
    return batch


@transaction.atomic(durable=True)
def link_complaint(
    *, incident: UseOfForceIncident, report: Report | None, by
) -> UseOfForceIncident:
    """Link a use-of-force incident to the complaint about it (or remove the link)."""
    require(by, "stops.link_complaint")
    previous = incident.complaint.reference if incident.complaint else ""
    incident.complaint = report
    incident.save(update_fields=["complaint"])
    record(
        actor=by,
        action="stops.incident_linked",
        target=incident,
        data={"from": previous, "to": report.reference if report else ""},
    )
    return incident
