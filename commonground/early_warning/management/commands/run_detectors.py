import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commonground.early_warning.actions import (
    estimate_false_alerts,
    install_recommended_detectors,
    run_detectors,
)
from commonground.early_warning.models import Detector


class Command(BaseCommand):
    help = (
        "Run the early-intervention detectors over the window ending on a day (today by default) "
        "and raise alerts. --install-recommended first adds the recommended detectors; "
        "--estimate then estimates each detector's false alerts a year (as the morning task does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", help="The last day of the window, as YYYY-MM-DD.")
        parser.add_argument("--install-recommended", action="store_true")
        parser.add_argument("--estimate", action="store_true")

    def handle(self, *args, on=None, install_recommended=False, estimate=False, **options):
        try:
            day = datetime.date.fromisoformat(on) if on else timezone.localdate()
        except ValueError as bad:
            raise CommandError(f"--on must be a date as YYYY-MM-DD, not {on!r}.") from bad
        if install_recommended:
            for detector in install_recommended_detectors():
                self.stdout.write(f"Added detector: {detector.name}")
        if not Detector.objects.filter(active=True).exists():
            raise CommandError(
                "No active detector. Add some in the admin, or run with --install-recommended."
            )
        raised = run_detectors(on=day)
        self.stdout.write(f"{len(raised)} alert(s) raised for the window ending {day}.")
        if estimate:
            for found in estimate_false_alerts(on=day):
                self.stdout.write(
                    f"{found.detector.name}: about {found.per_year:.1f} false alerts a year "
                    f"({found.low:.1f} to {found.high:.1f})."
                )
