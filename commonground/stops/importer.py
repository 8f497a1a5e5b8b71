"""Reading and checking an imported file, chunk by chunk, in constant memory.

`check_file` streams the file once: every row is parsed and checked (`checks`), every problem is
written to a CSV report (record, column, value, problem), and while no problem has been found the
parsed rows are written to Parquet parts. The caller loads those only when the whole file is
clean, so a batch loads whole or not at all.
"""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from commonground.lib.spreadsheet import SafeWriter
from commonground.stops.checks import Column

CHUNK_ROWS = 250_000
PREVIEW_PROBLEMS = 100
# A file with more problems than this is surely the wrong file; the count goes on, the list stops.
MAX_REPORTED_PROBLEMS = 1_000_000
MAX_VALUE_CHARS = 80
PARQUET_MAGIC = b"PAR1"


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong format, missing columns...): nothing is loaded."""


@dataclass
class Checked:
    rows: int = 0
    problems: int = 0
    preview: list[dict] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None

    @property
    def clean(self) -> bool:
        return self.problems == 0

    def problems_by_kind(self) -> list[dict]:
        return [
            {"column": column, "problem": problem, "count": count}
            for (column, problem), count in sorted(
                self.by_kind.items(), key=lambda item: (-item[1], item[0])
            )
        ]


def detect_format(path: Path) -> str:
    """ "csv" or "parquet", from the content, never the name."""
    with path.open("rb") as handle:
        head = handle.read(65536)
        if head[:4] == PARQUET_MAGIC:
            handle.seek(-4, 2)
            if handle.read(4) == PARQUET_MAGIC:
                return "parquet"
            raise FileProblem(_("This Parquet file is cut short: it has no footer."))
    if not head.strip():
        raise FileProblem(_("The file is empty."))
    if b"\x00" in head:
        raise FileProblem(_("This file is neither CSV nor Parquet."))
    try:
        sample = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character may be cut at the end of the sample; anything earlier is not
        # UTF-8 text.
        if error.start < len(head) - 4:
            raise FileProblem(
                _("This file is not UTF-8 text, so it is neither CSV nor Parquet.")
            ) from error
        sample = head[: error.start].decode("utf-8-sig")
    if "," not in sample.splitlines()[0]:
        raise FileProblem(_("This file is neither CSV nor Parquet: its first line has no commas."))
    return "csv"


def header(path: Path, file_format: str) -> list[str]:
    try:
        if file_format == "parquet":
            return list(pl.read_parquet_schema(path))
        return list(pl.scan_csv(path, infer_schema=False).collect_schema())
    except (pl.exceptions.PolarsError, OSError) as error:
        raise FileProblem(_("The file could not be read: %(error)s") % {"error": error}) from error


def map_columns(
    names: list[str], columns: list[Column], aliases: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Our column name -> the file's, and the file's columns we do not use. Names are matched
    without regard to case, spaces or a byte-order mark."""
    wanted = {c.name for c in columns}
    found: dict[str, str] = {}
    ignored = []
    for name in names:
        key = name.lstrip("\ufeff").strip().lower().replace(" ", "_")
        key = aliases.get(key, key)
        if key in wanted:
            if key in found:
                raise FileProblem(
                    _("The columns %(first)s and %(second)s both hold %(column)s.")
                    % {"first": found[key], "second": name, "column": key}
                )
            found[key] = name
        else:
            ignored.append(name)
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        raise FileProblem(
            _("These required columns are missing: %(columns)s. The first line must name them.")
            % {"columns": ", ".join(missing)}
        )
    return found, ignored


def _raw(path: Path, file_format: str, found: dict[str, str], columns: list[Column]):
    source = (
        pl.scan_parquet(path)
        if file_format == "parquet"
        else pl.scan_csv(path, infer_schema=False, encoding="utf8", quote_char='"')
    )
    return source.with_row_index("record", offset=1).select(
        pl.col("record").cast(pl.Int32),
        *[
            (
                pl.col(found[c.name]).cast(pl.String)
                if c.name in found
                else pl.lit(None, pl.String)
            ).alias(c.name)
            for c in columns
        ],
    )


def count_rows(path: Path, file_format: str) -> int:
    try:
        if file_format == "parquet":
            return pl.scan_parquet(path).select(pl.len()).collect().item()
        return pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise FileProblem(_("The file could not be read: %(error)s") % {"error": error}) from error


def _problem_masks(
    columns: list[Column], row_checks: list[tuple[str, pl.Expr, str]]
) -> list[tuple[str, str, pl.Expr]]:
    """(column, message, bad-row expression over raw `r_<name>` and parsed `<name>` columns)."""
    masks = []
    for c in columns:
        raw, parsed = pl.col(f"r_{c.name}"), pl.col(c.name)
        present = raw.is_not_null() & ~raw.str.strip_chars().str.to_lowercase().is_in(
            ["", "na", "n/a", "null", "none"]
        )
        if c.required:
            masks.append((c.name, _("This value is required."), ~present & parsed.is_null()))
        if c.unreadable:
            masks.append((c.name, c.unreadable, present & parsed.is_null()))
        masks.extend((c.name, check.message, check.bad) for check in c.checks)
    masks.extend((column, message, bad) for column, bad, message in row_checks)
    return masks


def check_file(
    path: Path,
    *,
    columns: list[Column],
    aliases: dict[str, str] | None = None,
    row_checks: list[tuple[str, pl.Expr, str]] = (),
    work_dir: Path,
    report_path: Path,
    progress: Callable[[int], None] = lambda rows: None,
) -> Checked:
    """Check every row of the file; see the module's docstring."""
    file_format = detect_format(path)
    found, ignored = map_columns(header(path, file_format), columns, aliases or {})
    checked = Checked(ignored_columns=ignored)
    masks = _problem_masks(columns, list(row_checks))
    names = [c.name for c in columns]
    parse = [c.parse(pl.col(f"r_{c.name}")).alias(c.name) for c in columns]
    raw = _raw(path, file_format, found, columns).rename({n: f"r_{n}" for n in names})
    with report_path.open("w", newline="", encoding="utf-8") as report:
        writer = SafeWriter(report)
        writer.writerow(["record", "column", "value", "problem"])
        try:
            for chunk in raw.collect_batches(chunk_size=CHUNK_ROWS):
                parsed = chunk.with_columns(parse)
                flags = parsed.select(
                    [mask.fill_null(False).alias(f"m{i}") for i, (_c, _m, mask) in enumerate(masks)]
                )
                _collect_problems(checked, writer, parsed, flags, masks)
                checked.rows += chunk.height
                if checked.clean:
                    part = work_dir / f"part-{len(checked.parts):05d}.parquet"
                    parsed.select("record", *names).write_parquet(part)
                    checked.parts.append(part)
                    _widen_dates(checked, parsed)
                progress(checked.rows)
        except pl.exceptions.PolarsError as error:
            raise FileProblem(
                _("The file could not be read after record %(rows)s: %(error)s")
                % {"rows": checked.rows, "error": error}
            ) from error
    if checked.rows == 0:
        raise FileProblem(_("The file has a header but no records."))
    return checked


def _collect_problems(checked: Checked, writer, parsed, flags, masks) -> None:
    """Count this chunk's problems and write them, in record order, to the report."""
    found = []
    for i, (column, message, _mask) in enumerate(masks):
        flag = flags.get_column(f"m{i}")
        count = int(flag.sum())
        if count:
            checked.by_kind[(column, message)] += count
            found.append(
                parsed.filter(flag).select(
                    "record",
                    pl.lit(column).alias("column"),
                    pl.col(f"r_{column}")
                    .str.slice(0, MAX_VALUE_CHARS)
                    .fill_null("")
                    .alias("value"),
                    pl.lit(message).alias("problem"),
                )
            )
    if not found:
        return
    problems = pl.concat(found).sort("record", maintain_order=True)
    room = max(MAX_REPORTED_PROBLEMS - checked.problems, 0)
    checked.problems += problems.height
    for row in problems.head(room).iter_rows(named=True):
        writer.writerow(row.values())
        if len(checked.preview) < PREVIEW_PROBLEMS:
            checked.preview.append(row)


def _widen_dates(checked: Checked, parsed: pl.DataFrame) -> None:
    low, high = parsed.select(low=pl.col("date").min(), high=pl.col("date").max()).row(0)
    if low is not None:
        checked.first_date = min(filter(None, [checked.first_date, low]))
        checked.last_date = max(filter(None, [checked.last_date, high]))
