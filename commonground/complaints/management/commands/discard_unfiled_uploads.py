import datetime

from django.core.management.base import BaseCommand

from commonground.evidence.actions import discard_draft_files


class Command(BaseCommand):
    help = "Delete files uploaded to reports that were never filed (run daily, e.g. from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        count = discard_draft_files(older_than=datetime.timedelta(hours=hours))
        self.stdout.write(f"{count} unfiled upload(s) removed.")
