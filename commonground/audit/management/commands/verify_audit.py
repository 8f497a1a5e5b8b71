import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commonground.audit.actions import record
from commonground.audit.selectors import verify_chain
from commonground.audit.signing import SigningError, check_signed_head, load_public_key


class Command(BaseCommand):
    help = (
        "Re-hash the audit log and report the first broken link, if any; with --head, also "
        "check that the log still holds the event a signed head (export_audit_head) fixed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--head", type=Path, help="a signed head written by export_audit_head")
        parser.add_argument("--public-key", type=Path, help="the PEM public key it was signed with")

    def handle(self, *args, head: Path | None, public_key: Path | None, **options):
        if bool(head) != bool(public_key):
            raise CommandError("--head and --public-key go together.")
        checked, broken = verify_chain()
        if head and not broken:
            try:
                document = json.loads(head.read_text())
                broken = check_signed_head(document, load_public_key(public_key))
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read the signed head {head}: {error}") from None
            except SigningError as error:
                raise CommandError(str(error)) from None
        record(
            actor="verify_audit",
            action="audit.verified",
            data={"checked": checked}
            | ({"broken_at": broken.sequence} if broken else {})
            | ({"signed_head": document["sequence"]} if head else {}),
            outcome="failure" if broken else "success",
        )
        if broken:
            raise CommandError(
                f"Audit chain broken at event #{broken.sequence}: {broken.reason}. "
                f"{checked} event(s) verified."
            )
        suffix = f", including the signed head at event #{document['sequence']}" if head else ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {checked} event(s) verified{suffix}.")
        )
