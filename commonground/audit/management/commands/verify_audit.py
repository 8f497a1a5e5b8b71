from django.core.management.base import BaseCommand, CommandError

from commonground.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Re-hash the audit log and report the first broken link, if any."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken:
            raise CommandError(
                f"Audit chain broken at event #{broken.sequence}: {broken.reason}. "
                f"{checked} event(s) before it verified."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} event(s) verified."))
