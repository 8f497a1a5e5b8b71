import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonground.audit.actions import record
from commonground.audit.keys import MissingChainKey
from commonground.audit.selectors import verify_chain
from commonground.audit.signing import (
    SigningError,
    check_signed_head,
    configured_public_key,
    latest_head,
    load_public_key,
    missing_exports,
)


class Command(BaseCommand):
    help = (
        "Re-hash the audit log (keyed events with the chain key) and report the first broken "
        "link, if any; then check that the log still holds the event the newest signed head in "
        "AUDIT_HEAD_DIR fixed (or the head given with --head and --public-key)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--head", type=Path, help="a signed head written by export_audit_head")
        parser.add_argument("--public-key", type=Path, help="the PEM public key it was signed with")
        parser.add_argument(
            "--chain-only",
            action="store_true",
            help="check the chain only, not the newest exported head",
        )

    def handle(self, *args, head: Path | None, public_key: Path | None, chain_only, **options):
        if bool(head) != bool(public_key):
            raise CommandError("--head and --public-key go together.")
        try:
            checked, broken = verify_chain()
        except MissingChainKey as error:
            raise CommandError(str(error)) from None
        notice = ""
        document = None
        from_folder = not head and not chain_only
        if from_folder:
            head = latest_head(settings.AUDIT_HEAD_DIR)
            if head is None:
                notice = (
                    f" No signed head has been exported to {settings.AUDIT_HEAD_DIR} yet: "
                    "only the chain was checked."
                )
        if head and not broken:
            try:
                key = load_public_key(public_key) if public_key else configured_public_key()
                if key is None:
                    raise SigningError(
                        f"There is no public key to check {head} with: set "
                        "AUDIT_HEAD_PUBLIC_KEY or give --public-key."
                    )
                document = json.loads(head.read_text())
                broken = check_signed_head(document, key)
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the signed head {head}: {error}") from None
            except SigningError as error:
                raise CommandError(f"{head}: {error}") from None
        if from_folder and not broken:
            broken = missing_exports(settings.AUDIT_HEAD_DIR, document)
        record(
            actor="verify_audit",
            action="audit.verified",
            data={"checked": checked}
            | ({"broken_at": broken.sequence} if broken else {})
            | ({"signed_head": document["sequence"]} if document else {}),
            outcome="failure" if broken else "success",
        )
        if broken:
            raise CommandError(
                f"Audit chain broken at event #{broken.sequence}: {broken.reason}. "
                f"{checked} event(s) verified."
            )
        suffix = (
            f", including the signed head at event #{document['sequence']} ({head.name})"
            if document
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {checked} event(s) verified{suffix}.")
        )
        if notice:
            self.stdout.write(self.style.WARNING(notice.strip()))
