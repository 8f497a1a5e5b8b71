from pathlib import Path

import pyrage
from django.core.management.base import BaseCommand, CommandError

from commonground.audit.actions import record
from commonground.lib.backup import BackupError, create_backup
from commonground.lib.env import env_list


class Command(BaseCommand):
    help = (
        "Back up the database and every stored file into one archive, encrypted to age "
        "recipients when given (--encrypt-to, or BACKUP_RECIPIENTS). Restore with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path, nargs="?", help="the archive to write")
        parser.add_argument(
            "--encrypt-to",
            action="append",
            default=[],
            metavar="AGE_PUBLIC_KEY",
            help="an age public key (age1…); repeat for several",
        )
        parser.add_argument(
            "--new-identity",
            type=Path,
            metavar="FILE",
            help="write a new age key pair's secret key to FILE, print its public key, and stop",
        )

    def handle(self, *args, destination, encrypt_to, new_identity, **options):
        if new_identity:
            return self._new_identity(new_identity)
        if destination is None:
            raise CommandError("Name the archive to write, e.g. backup-2026-12-02.tar.age")
        recipients = encrypt_to or env_list("BACKUP_RECIPIENTS", [])
        try:
            manifest = create_backup(destination, recipients=recipients, progress=self._say)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        record(
            actor="backup",
            action="system.backup",
            data={
                "tables": len(manifest["tables"]),
                "rows": rows,
                "files": len(manifest["files"]),
                "encrypted": bool(recipients),
                "audit_head": manifest["audit_head"]["sequence"],
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables ({rows} rows) and "
                f"{len(manifest['files'])} files to {destination}"
                + (" (encrypted)." if recipients else " (not encrypted).")
            )
        )

    def _new_identity(self, path: Path):
        if path.exists():
            raise CommandError(f"{path} already exists; an identity is never overwritten.")
        identity = pyrage.x25519.Identity.generate()
        path.touch(mode=0o600)
        path.write_text(f"{identity}\n")
        self.stdout.write(str(identity.to_public()))

    def _say(self, message: str) -> None:
        self.stderr.write(message)
