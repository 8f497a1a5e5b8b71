import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonground.audit.actions import record
from commonground.audit.signing import (
    SigningError,
    create_key,
    export_head,
    load_private_key,
    public_pem,
    signed_head,
)


class Command(BaseCommand):
    help = (
        "Write the audit chain's head (its last event's sequence and hash), signed with an "
        "Ed25519 key, for storage outside the system. Without --key: into AUDIT_HEAD_DIR with "
        "AUDIT_HEAD_SIGNING_KEY, as the daily task does (verify_audit checks the newest there). "
        "With --key: to --output or stdout; check it with `verify_audit --head FILE "
        "--public-key FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key", type=Path, help="PEM Ed25519 private key")
        parser.add_argument(
            "--create-key",
            action="store_true",
            dest="new_key",
            help="create the key file first (it must not exist) and print its public key",
        )
        parser.add_argument("--output", type=Path, help="where to write the head (default: stdout)")

    def handle(self, *args, key: Path | None, new_key: bool, output: Path | None, **options):
        if key is None:
            if new_key or output:
                raise CommandError("--create-key and --output go with --key.")
            try:
                path = export_head(
                    settings.AUDIT_HEAD_DIR,
                    settings.AUDIT_HEAD_SIGNING_KEY,
                    actor="export_audit_head",
                )
            except SigningError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Wrote {path}.")
            return
        try:
            if new_key:
                public = public_pem(create_key(key))
                self.stderr.write(f"Created {key}. Keep its public key with the heads:\n{public}")
            document = signed_head(load_private_key(key))
        except SigningError as error:
            raise CommandError(str(error)) from None
        text = json.dumps(document, indent=2)
        if output:
            output.write_text(text + "\n")
        else:
            self.stdout.write(text)
        record(
            actor="export_audit_head",
            action="audit.head_exported",
            data={"sequence": document["sequence"], "hash": document["hash"]},
        )
