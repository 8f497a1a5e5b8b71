from django.core.management.base import BaseCommand

from commonground.publish.actions import build_release


class Command(BaseCommand):
    help = (
        "Build every public dataset from the records as they are now (suppressing small "
        "counts) and publish them as the new release. The nightly task does the same."
    )

    def handle(self, *args, **options):
        release = build_release(progress=self.stdout.write)
        rows = sum(f.rows for f in release.files.all())
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {release.pk} published: {release.files.count()} datasets, {rows} rows, "
                f"counts from 1 to {release.threshold} suppressed."
            )
        )
