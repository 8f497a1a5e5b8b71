from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commonground.audit.actions import record
from commonground.audit.keys import chain_key
from commonground.lib.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` (stop the web server and task workers first), then "
        "check it: row counts and digests, file hashes, the audit chain and the evidence."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the archive to restore")
        parser.add_argument(
            "--identity",
            type=Path,
            action="append",
            default=[],
            help="the age secret key file, for an encrypted backup",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a database that already holds records, and differing files",
        )

    def handle(self, *args, source, identity, replace, **options):
        try:
            report = restore_backup(
                source, identities=identity, replace=replace, progress=self.stderr.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not report.ok and chain_key() is None:
            # The log cannot be appended to without its key (check_restored said so).
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                "The restore is not checked: the audit chain key is missing (see above)."
            )
        record(
            actor="restore",
            action="system.restore",
            data={
                "tables": report.tables,
                "rows": report.rows,
                "files": report.files,
                "problems": len(report.problems),
            },
            outcome="success" if report.ok else "failure",
        )
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"The restore does not match the backup: {len(report.problems)} problem(s), listed above."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and checked {report.tables} tables ({report.rows} rows) and "
                f"{report.files} files; the audit chain and every evidence item verify."
            )
        )
