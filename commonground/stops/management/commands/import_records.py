import hashlib
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from commonground.accounts.rules import can
from commonground.stops.actions import BatchRefused, check_batch, queue_batch
from commonground.stops.models import BatchKind, BatchStatus

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Import a file of stop or use-of-force records (CSV or Parquet, the Stanford Open "
            "Policing Project's columns). Every row is checked; the file loads whole or not at "
            "all, and its problems are reported row by row."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("The CSV or Parquet file."))
        parser.add_argument(
            "--kind",
            choices=BatchKind.values,
            default=BatchKind.STOPS,
            help=_("What the file holds (default: stops)."),
        )
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help=_("The analyst importing (must be allowed to import records)."),
        )
        parser.add_argument("--note", default="", help=_("A note kept with the batch."))
        parser.add_argument(
            "--report-csv",
            type=Path,
            metavar="PATH",
            help=_("Write the problems found to this CSV file (record, column, value, problem)."),
        )

    def handle(self, *args, file, kind, user, note, report_csv=None, **options):
        by = get_user_model().objects.filter(username=user).first()
        if by is None:
            raise CommandError(_("There is no user “%(user)s”.") % {"user": user})
        if not can(by, "stops.import"):
            raise CommandError(_("%(user)s may not import records.") % {"user": user})
        if not file.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": file})
        with file.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        try:
            batch = queue_batch(
                kind=kind,
                path=file,
                original_name=file.name,
                sha256=sha256,
                size=file.stat().st_size,
                by=by,
                note=note,
                check_later=False,
            )
        except BatchRefused as refused:
            raise CommandError(str(refused)) from refused
        with tqdm(
            unit=" rows",
            unit_scale=True,
            disable=options["verbosity"] == 0,
            file=getattr(self.stderr, "_out", self.stderr),
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            batch = check_batch(batch_id=batch.pk, progress=progress)
        if report_csv and batch.report_name:
            with (
                default_storage.open(batch.report_name, "rb") as source,
                report_csv.open("wb") as out,
            ):
                shutil.copyfileobj(source, out)
        if batch.status != BatchStatus.LOADED:
            for problem in batch.problems_preview[:SHOWN_PROBLEMS]:
                self.stderr.write(
                    _("record %(record)s, %(column)s “%(value)s”: %(problem)s") % problem
                    if problem["record"]
                    else problem["problem"]
                )
            raise CommandError(
                ngettext(
                    "Nothing was loaded: batch %(batch)s has %(count)s problem.",
                    "Nothing was loaded: batch %(batch)s has %(count)s problems.",
                    batch.problem_count,
                )
                % {"batch": batch.pk, "count": f"{batch.problem_count:,}"}
            )
        self.stdout.write(
            _("Loaded batch %(batch)s: %(rows)s records from %(name)s.")
            % {"batch": batch.pk, "rows": f"{batch.rows_checked:,}", "name": batch.original_name}
        )
