from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from commonground.accounts.rules import can
from commonground.evidence.actions import import_manifest
from commonground.evidence.manifest import ManifestError, check_manifest, write_report_csv


class Command(BaseCommand):
    @property
    def help(self):
        # Translated when asked for, in the language then active (argparse takes no lazy text).
        return _(
            "Import the body-worn-camera footage a CSV manifest lists (device_id, "
            "officer_badge, started_at, ended_at, latitude, longitude, file_name), all of it or "
            "none: a manifest with any problem is reported row by row and nothing is stored."
        )

    def add_arguments(self, parser):
        parser.add_argument("manifest", type=Path, help=_("The manifest (CSV with a header)."))
        parser.add_argument(
            "--folder",
            type=Path,
            metavar="DIR",
            help=_("Where the files it names are (default: the manifest's folder)."),
        )
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help=_("The staff user importing (must be allowed to import evidence)."),
        )
        parser.add_argument(
            "--report-csv",
            type=Path,
            metavar="PATH",
            help=_(
                "Also write the validation report here as CSV (only a header when all is well)."
            ),
        )

    def handle(self, *args, manifest, folder=None, user, report_csv=None, **options):
        by = get_user_model().objects.filter(username=user).first()
        if by is None:
            raise CommandError(_("There is no user “%(user)s”.") % {"user": user})
        if not can(by, "evidence.import"):
            raise CommandError(_("%(user)s may not import evidence.") % {"user": by.get_username()})
        # A first check for the size of the progress bar, and to report without a traceback;
        # import_manifest checks again, as any caller must.
        checked = check_manifest(manifest_path=manifest, folder=folder)
        try:
            if checked.problems:
                raise ManifestError(checked.problems)
            with tqdm(
                total=checked.total_bytes,
                unit="B",
                unit_scale=True,
                disable=options["verbosity"] == 0,
                # The stream itself: Django's wrapper would end each of tqdm's redraws with a
                # newline (and colour it as an error).
                file=getattr(self.stderr, "_out", self.stderr),
            ) as bar:
                batch = import_manifest(
                    manifest_path=manifest, folder=folder, by=by, progress=bar.update
                )
        except ManifestError as error:
            self._report(error.problems, report_csv)
            raise CommandError(
                ngettext(
                    "Nothing was imported: the manifest has %(count)d problem.",
                    "Nothing was imported: the manifest has %(count)d problems.",
                    len(error.problems),
                )
                % {"count": len(error.problems)}
            ) from error
        if report_csv:
            self._write_csv([], report_csv)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Batch %(batch)d: %(count)d recording imported from %(manifest)s.",
                    "Batch %(batch)d: %(count)d recordings imported from %(manifest)s.",
                    batch.rows,
                )
                % {"batch": batch.pk, "count": batch.rows, "manifest": batch.manifest_name}
            )
        )
        recordings = batch.recordings.select_related("item").order_by("item_id")
        self._table(
            [_("Item"), _("File"), _("Device"), _("Start")],
            [
                [
                    recording.item.reference,
                    recording.item.original_name,
                    recording.device_id,
                    timezone.localtime(recording.started_at).strftime("%Y-%m-%d %H:%M %Z"),
                ]
                for recording in recordings
            ],
        )

    def _report(self, problems, report_csv):
        self._table(
            [_("Row"), _("Column"), _("Problem")],
            [["-" if p.row is None else str(p.row), p.column or "-", p.message] for p in problems],
        )
        if report_csv:
            self._write_csv(problems, report_csv)

    def _write_csv(self, problems, path):
        with open(path, "w", newline="", encoding="utf-8") as destination:
            write_report_csv(problems, destination)

    def _table(self, headings, rows):
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(headings, *rows, strict=True)
        ]
        # The last column is free text: no padding after it.
        widths[-1] = 0
        self.stdout.write(
            "  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)).rstrip()
        )
        for row in rows:
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
