import time

from django.core.management.base import BaseCommand

from commonground.web.scheduler import enqueue_daily_tasks


class Command(BaseCommand):
    help = "Enqueue the daily tasks once a day (keep one running beside the task workers)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron).")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between checks.")

    def handle(self, *args, once, interval, **options):
        while True:
            for path in enqueue_daily_tasks():
                self.stdout.write(f"Enqueued {path}")
            if once:
                return
            time.sleep(interval)
