"""Body-worn-camera manifests: a CSV that lists footage files and what each camera says about
them, read and checked whole before anything is stored. Nothing here writes.

Every row is checked and every problem reported with its row and column, rows numbered as a
spreadsheet shows them (the header is row 1). `evidence.actions.import_manifest` imports a
manifest only when its report is empty. Rows are compared with each other and with the
recordings already held on the values that could be read: a row whose times cannot be read is
checked for overlaps once they are put right.
"""

import csv
import datetime
import hashlib
import io
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonground.evidence.actions import (
    EvidenceError,
    RecordingFacts,
    recording_problems,
    staff_limits,
)
from commonground.evidence.files import RejectedFile, sha256_of, validate
from commonground.evidence.models import ImportBatch, ItemKind, Recording, StoredFile
from commonground.lib.spreadsheet import SafeWriter
from commonground.roster.models import Officer

COLUMNS = (
    "device_id",
    "officer_badge",
    "started_at",
    "ended_at",
    "latitude",
    "longitude",
    "file_name",
)
REQUIRED = ("device_id", "officer_badge", "started_at", "ended_at", "file_name")
# Recording keeps six decimal places of a degree (about 11 cm); cameras often give more.
GPS_PLACES = Decimal("0.000001")
DEVICE_ID_MAX = Recording._meta.get_field("device_id").max_length


@dataclass(frozen=True)
class Problem:
    """One line of a validation report. `row` is None for the manifest as a whole."""

    row: int | None
    column: str
    message: str


def _report_order(problem: Problem):
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return (problem.row or 0, column)


class ManifestError(EvidenceError):
    """A manifest refused; `problems` is the full report, in the order of the file."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_report_order)
        super().__init__(
            ngettext(
                "The manifest has %(count)d problem; nothing was imported.",
                "The manifest has %(count)d problems; nothing was imported.",
                len(problems),
            )
            % {"count": len(problems)}
        )


@dataclass(frozen=True)
class ManifestRow:
    """One checked row: the file to import and what the camera says about it."""

    number: int
    file_name: str
    path: Path
    size: int
    facts: RecordingFacts


@dataclass
class CheckedManifest:
    name: str
    sha256: str
    # Filled only when there is no problem, so nothing can import a half-checked manifest.
    rows: list[ManifestRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(row.size for row in self.rows)


class _Bad(ValueError):
    """A value that cannot be used; the message says why."""


def parse_moment(value: str) -> datetime.datetime:
    """An ISO 8601 date and time. Without an offset it is local time where the agency is
    (settings.TIME_ZONE); a local time the clocks skip or repeat needs its offset."""
    example = "2025-03-14T09:30:00-05:00"
    bad = _("“%(value)s” is not a date and time like %(example)s.") % {
        "value": value,
        "example": example,
    }
    # fromisoformat takes a bare date as midnight; a recording needs its time of day.
    if "T" not in value.upper() and " " not in value:
        raise _Bad(bad)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(bad) from None
    if moment.tzinfo is None:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            raise _Bad(
                _(
                    "%(value)s falls when the clocks change in %(zone)s, so that local time is "
                    "ambiguous or does not exist; add its UTC offset, like %(example)s."
                )
                % {"value": value, "zone": settings.TIME_ZONE, "example": example}
            )
        moment = first
    return moment


def parse_degrees(value: str, *, limit: int) -> Decimal:
    """A latitude (limit 90) or longitude (limit 180) in decimal degrees, kept to six places."""
    try:
        degrees = Decimal(value)
    except InvalidOperation:
        degrees = None
    if degrees is None or not degrees.is_finite():
        raise _Bad(_("“%(value)s” is not a number of degrees, like 41.878113.") % {"value": value})
    if not -limit <= degrees <= limit:
        raise _Bad(
            _("%(value)s is not between -%(limit)d and %(limit)d degrees.")
            % {"value": value, "limit": limit}
        )
    return degrees.quantize(GPS_PLACES, rounding=ROUND_HALF_EVEN)


@dataclass
class _Row:
    """A row on its way through the checks."""

    number: int
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    device_id: str = ""
    officer: Officer | None = None
    started_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    coordinates_ok: bool = True
    path: Path | None = None
    size: int = 0
    file_ok: bool = False
    sha256: str = ""

    def refuse(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    @property
    def timed(self) -> bool:
        return bool(
            self.device_id and self.started_at and self.ended_at and self.ended_at > self.started_at
        )

    def facts(self) -> RecordingFacts | None:
        """The recording's facts when every one of them could be read."""
        if not (self.timed and self.officer and self.coordinates_ok):
            return None
        return RecordingFacts(
            device_id=self.device_id,
            officer=self.officer,
            started_at=self.started_at,
            ended_at=self.ended_at,
            latitude=self.latitude,
            longitude=self.longitude,
        )

    def hashed(self) -> str:
        if not self.sha256:
            with self.path.open("rb") as handle:
                self.sha256 = sha256_of(handle)[0]
        return self.sha256


def check_manifest(*, manifest_path, folder=None) -> CheckedManifest:
    """Read and check a manifest and every file it names; the files are looked up in `folder`,
    by default the manifest's own. Returns the rows to import, or the problems."""
    manifest_path = Path(manifest_path)
    folder = Path(folder) if folder is not None else manifest_path.parent
    try:
        raw = manifest_path.read_bytes()
    except OSError as error:
        return _refused(
            manifest_path.name,
            "",
            _("The manifest “%(name)s” cannot be read: %(reason)s.")
            % {"name": manifest_path, "reason": error.strerror or error},
        )
    sha256 = hashlib.sha256(raw).hexdigest()
    earlier = ImportBatch.objects.filter(manifest_sha256=sha256).first()
    if earlier is not None:
        return _refused(
            manifest_path.name,
            sha256,
            ngettext(
                "This manifest was already imported on %(date)s by %(user)s (batch %(batch)d, "
                "%(rows)d recording).",
                "This manifest was already imported on %(date)s by %(user)s (batch %(batch)d, "
                "%(rows)d recordings).",
                earlier.rows,
            )
            % {
                "date": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
                "user": earlier.imported_by_label,
                "batch": earlier.pk,
                "rows": earlier.rows,
            },
        )
    if not folder.is_dir():
        return _refused(
            manifest_path.name,
            sha256,
            _("The folder %(folder)s does not exist.") % {"folder": folder},
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _refused(
            manifest_path.name,
            sha256,
            _("The manifest is not UTF-8 text; save it as “CSV UTF-8”."),
        )
    checked = CheckedManifest(name=manifest_path.name, sha256=sha256)
    rows = _read_rows(text, checked.problems)
    if checked.problems:
        return checked
    _check_rows(rows, folder.resolve())
    checked.problems = sorted(
        (problem for row in rows for problem in row.problems), key=_report_order
    )
    if not checked.problems:
        checked.rows = [
            ManifestRow(
                number=row.number,
                file_name=row.values["file_name"],
                path=row.path,
                size=row.size,
                facts=row.facts(),
            )
            for row in rows
        ]
    return checked


def _refused(name: str, sha256: str, message: str) -> CheckedManifest:
    return CheckedManifest(name=name, sha256=sha256, problems=[Problem(None, "", message)])


def _read_rows(text: str, problems: list[Problem]) -> list[_Row]:
    """The data rows under a checked header; a problem with the file as a whole goes into
    `problems` and ends the reading."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header, rows, line = None, [], 0
    try:
        for record in reader:
            number, line = line + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            if header is None:
                header = [name.strip().lower() for name in record]
                if message := _header_problem(header):
                    problems.append(Problem(number, "", message))
                    return []
                continue
            if len(record) != len(header):
                rows.append(_Row(number, {}))
                rows[-1].refuse(
                    "",
                    _("This row has %(found)d values; the header names %(expected)d columns.")
                    % {"found": len(record), "expected": len(header)},
                )
                continue
            values = dict.fromkeys(COLUMNS, "")
            values.update(zip(header, (value.strip() for value in record), strict=True))
            rows.append(_Row(number, values))
    except csv.Error as error:
        problems.append(
            Problem(
                reader.line_num,
                "",
                _("This row cannot be read as CSV (%(reason)s).") % {"reason": error},
            )
        )
        return []
    if header is None:
        problems.append(
            Problem(
                None,
                "",
                _("The manifest is empty; its first row names the columns: %(columns)s.")
                % {"columns": ", ".join(COLUMNS)},
            )
        )
    elif not rows:
        problems.append(Problem(None, "", _("The manifest lists no recordings.")))
    return rows


def _header_problem(header: list[str]) -> str:
    parts = []
    unknown = [name or _("(no name)") for name in header if name not in COLUMNS]
    if unknown:
        parts.append(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        parts.append(
            _("Columns named more than once: %(columns)s.") % {"columns": ", ".join(repeated)}
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        parts.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if ("latitude" in header) != ("longitude" in header):
        parts.append(_("Give both latitude and longitude columns, or neither."))
    if not parts:
        return ""
    parts.append(
        _("The columns are %(columns)s (latitude and longitude may be left out).")
        % {"columns": ", ".join(COLUMNS)}
    )
    return " ".join(parts)


def _check_rows(rows: list[_Row], folder: Path) -> None:
    badges = {row.values.get("officer_badge") for row in rows if row.values}
    officers = defaultdict(list)
    for officer in Officer.objects.filter(badge_number__in=badges).select_related("agency"):
        officers[officer.badge_number].append(officer)
    for row in rows:
        if row.values:
            _check_values(row, officers)
            _check_file(row, folder)
    _check_files_across_rows([row for row in rows if row.file_ok])
    _check_overlaps_across_rows([row for row in rows if row.timed])
    for row in rows:
        facts = row.facts()
        if facts is None:
            continue
        # Without a hash: what is wrong with the time (in the future, or overlapping footage
        # already held). With one: also footage already held, which is the file's problem.
        timing = recording_problems(facts)
        for message in timing:
            row.refuse("started_at", message)
        if row.sha256:
            for message in recording_problems(facts, sha256=row.sha256):
                if message not in timing:
                    row.refuse("file_name", message)


def _check_values(row: _Row, officers: dict[str, list[Officer]]) -> None:
    values = row.values
    row.device_id = values["device_id"]
    if not row.device_id:
        row.refuse("device_id", _("The device id is missing."))
    elif len(row.device_id) > DEVICE_ID_MAX:
        row.refuse(
            "device_id",
            _("A device id has at most %(max)d characters.") % {"max": DEVICE_ID_MAX},
        )
        row.device_id = ""

    badge = values["officer_badge"]
    matches = officers.get(badge, [])
    if not badge:
        row.refuse("officer_badge", _("The officer's badge number is missing."))
    elif not matches:
        row.refuse("officer_badge", _("No officer has badge number %(badge)s.") % {"badge": badge})
    elif len(matches) > 1:
        row.refuse(
            "officer_badge",
            _("Badge number %(badge)s belongs to officers of more than one agency (%(agencies)s).")
            % {"badge": badge, "agencies": ", ".join(sorted(str(o.agency) for o in matches))},
        )
    else:
        row.officer = matches[0]

    missing = {
        "started_at": _("The start of the recording is missing."),
        "ended_at": _("The end of the recording is missing."),
    }
    for column in ("started_at", "ended_at"):
        if not values[column]:
            row.refuse(column, missing[column])
            continue
        try:
            setattr(row, column, parse_moment(values[column]))
        except _Bad as error:
            row.refuse(column, str(error))
    if row.started_at and row.ended_at and row.ended_at <= row.started_at:
        row.refuse("ended_at", _("The recording must end after it starts."))

    for column, limit in (("latitude", 90), ("longitude", 180)):
        if values[column]:
            try:
                setattr(row, column, parse_degrees(values[column], limit=limit))
            except _Bad as error:
                row.refuse(column, str(error))
                row.coordinates_ok = False
    if bool(values["latitude"]) != bool(values["longitude"]):
        row.refuse(
            "longitude" if values["latitude"] else "latitude",
            _("Give both latitude and longitude, or neither."),
        )
        row.coordinates_ok = False


def _check_file(row: _Row, folder: Path) -> None:
    name = row.values["file_name"]
    if not name:
        row.refuse("file_name", _("The file name is missing."))
        return
    try:
        path = (folder / name).resolve()
    except (OSError, ValueError):
        path = folder / name
    if not path.is_relative_to(folder):
        row.refuse(
            "file_name",
            _("“%(name)s” is outside the folder %(folder)s; name a file inside it.")
            % {"name": name, "folder": folder},
        )
        return
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        row.refuse(
            "file_name",
            _("There is no file “%(name)s” in %(folder)s.") % {"name": name, "folder": folder},
        )
        return
    limits = staff_limits()
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            sniffed = validate(
                handle,
                name=path.name,
                size=size,
                max_bytes=limits.max_bytes,
                allowed=limits.allowed_types,
            )
    except OSError as error:
        row.refuse(
            "file_name",
            _("“%(name)s” cannot be read: %(reason)s.")
            % {"name": name, "reason": error.strerror or error},
        )
        return
    except RejectedFile as error:
        row.refuse("file_name", str(error))
        return
    if not sniffed.content_type.startswith(("video/", "audio/")):
        row.refuse("file_name", _("Body-worn camera footage must be a video or audio file."))
        return
    row.path, row.size, row.file_ok = path, size, True


def _check_files_across_rows(rows: list[_Row]) -> None:
    """The same file, or the same bytes under another name, listed twice. Identical bytes have
    identical sizes, so only files whose size another file shares are hashed here (and those of
    the size of footage already held, for recording_problems)."""
    first_listed: dict[Path, _Row] = {}
    distinct = []
    for row in rows:
        earlier = first_listed.setdefault(row.path, row)
        if earlier is row:
            distinct.append(row)
        else:
            row.refuse(
                "file_name",
                _("“%(name)s” is also listed on row %(row)d.")
                % {"name": row.values["file_name"], "row": earlier.number},
            )
    by_size = defaultdict(list)
    for row in distinct:
        by_size[row.size].append(row)
    held_sizes = set(
        StoredFile.objects.filter(
            kind=ItemKind.BWC_FOOTAGE, disposed_at__isnull=True, size__in=list(by_size)
        ).values_list("size", flat=True)
    )
    for size, same_size in by_size.items():
        if len(same_size) == 1 and size not in held_sizes:
            continue
        first_with: dict[str, _Row] = {}
        for row in same_size:
            earlier = first_with.setdefault(row.hashed(), row)
            if earlier is not row:
                row.refuse(
                    "file_name",
                    _("“%(name)s” has the same content as “%(other)s” on row %(row)d.")
                    % {
                        "name": row.values["file_name"],
                        "other": earlier.values["file_name"],
                        "row": earlier.number,
                    },
                )


def _check_overlaps_across_rows(rows: list[_Row]) -> None:
    """Two rows of one device that overlap in time: the later-starting one is reported."""
    by_device = defaultdict(list)
    for row in rows:
        by_device[row.device_id].append(row)
    for device_rows in by_device.values():
        device_rows.sort(key=lambda row: (row.started_at, row.number))
        latest = device_rows[0]
        for row in device_rows[1:]:
            if row.started_at < latest.ended_at:
                row.refuse(
                    "started_at",
                    _(
                        "It overlaps row %(row)d, a recording from the same device %(device)s "
                        "(%(start)s to %(end)s)."
                    )
                    % {
                        "row": latest.number,
                        "device": row.device_id,
                        "start": timezone.localtime(latest.started_at).strftime("%Y-%m-%d %H:%M"),
                        "end": timezone.localtime(latest.ended_at).strftime("%H:%M"),
                    },
                )
            if row.ended_at > latest.ended_at:
                latest = row


def write_report_csv(problems: list[Problem], destination) -> None:
    """A report as CSV (row, column, message), for a spreadsheet beside the manifest. Messages
    quote the manifest's values, so no cell may start as a formula (lib.spreadsheet)."""
    writer = SafeWriter(destination)
    writer.writerow([_("row"), _("column"), _("message")])
    for problem in problems:
        writer.writerow(
            ["" if problem.row is None else problem.row, problem.column, problem.message]
        )
