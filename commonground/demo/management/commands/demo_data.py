from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from commonground.demo.builder import (
    AGENCY_NAME,
    DEFAULT_REPORTS,
    DEFAULT_SEED,
    DEFAULT_STOPS,
    DEFAULT_SURVEY_LETTERS,
    UsernameTaken,
    build,
    format_summary,
)
from commonground.lib.database import refresh_statistics

# Demo reporters have example.org addresses; even so, nothing is queued (no tracking-code e-mails
# to thousands of made-up residents, no backlog for the worker that `make run` starts).
NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class Command(BaseCommand):
    help = (
        "Create a synthetic agency with officers, staff accounts, thousands of reports, stop "
        "records and use-of-force incidents. "
        "The same seed gives the same agency; does nothing if the demo agency already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--reports",
            type=int,
            default=DEFAULT_REPORTS,
            help="How many reports to file; about one in seven is a commendation.",
        )
        parser.add_argument(
            "--stops",
            type=int,
            default=DEFAULT_STOPS,
            help="How many stop records to import (over three years).",
        )
        parser.add_argument(
            "--survey-letters",
            type=int,
            default=DEFAULT_SURVEY_LETTERS,
            help="Survey letters sent in each district each quarter; about one in five answers.",
        )

    def handle(self, *args, seed: int, reports: int, stops: int, survey_letters: int, **options):
        if reports < 0:
            raise CommandError("--reports must be zero or more.")
        if stops < 1:
            raise CommandError("--stops must be one or more.")
        if survey_letters < 1:
            raise CommandError("--survey-letters must be one or more.")
        try:
            with override_settings(TASKS=NO_TASKS):
                summary = build(
                    seed=seed,
                    reports=reports,
                    stops=stops,
                    survey_letters=survey_letters,
                    progress=self.stdout.write,
                )
        except UsernameTaken as error:
            raise CommandError(f"{error} Remove them or use a fresh database.") from error
        if summary is None:
            self.stdout.write(f"{AGENCY_NAME} already exists; nothing was added.")
            return
        refresh_statistics()  # the planner's statistics for the tables just filled
        for line in format_summary(summary):
            self.stdout.write(line)
