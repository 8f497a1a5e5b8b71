import datetime

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commonground.evidence.actions import record_verification
from commonground.evidence.models import StoredFile
from commonground.evidence.selectors import orphan_objects, verify_item


class Command(BaseCommand):
    help = (
        "Re-hash every stored evidence file and check every item's chain of custody; print a "
        "report and fail if anything does not match."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chains-only", action="store_true", help="Check the custody chains, not the bytes."
        )
        parser.add_argument(
            "--remove-orphans",
            action="store_true",
            help="Delete stored objects no item points at (older than an hour).",
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help=(
                "Add a 'verified' event to the chain of each item that passed (one that failed "
                "always gets one, which withholds its file)."
            ),
        )

    def handle(self, *args, chains_only=False, record=False, remove_orphans=False, **options):
        items = StoredFile.objects.filter(draft_key="").order_by("pk")
        total_bytes = sum(items.filter(disposed_at__isnull=True).values_list("size", flat=True))
        failed, passed, disposed = [], 0, 0
        with tqdm(
            total=total_bytes if not chains_only else items.count(),
            unit="B" if not chains_only else " items",
            unit_scale=not chains_only,
            disable=options["verbosity"] == 0,
            # The stream itself: Django's wrapper would end each redraw with a newline.
            file=getattr(self.stderr, "_out", self.stderr),
        ) as progress:
            for item in items.iterator(chunk_size=500):
                check = verify_item(item, rehash=not chains_only)
                progress.update(item.size if check.bytes_checked else (0 if not chains_only else 1))
                disposed += item.is_disposed
                if check.ok:
                    passed += 1
                    if record:
                        record_verification(item=item, check=check, by="verify_evidence")
                else:
                    failed.append(check)
                    # Always recorded: an item whose check failed is withheld (not served,
                    # exported or copied) until a later check passes.
                    record_verification(item=item, check=check, by="verify_evidence")
        orphans = orphan_objects(default_storage, older_than=datetime.timedelta(hours=1))
        for name in orphans:
            if remove_orphans:
                default_storage.delete(name)
            self.stdout.write(f"{'Removed' if remove_orphans else 'Not part of any item'}: {name}")
        for check in failed:
            self.stdout.write(self.style.ERROR(f"{check.item.reference} ({check.item.uuid}):"))
            for problem in check.problems:
                self.stdout.write(f"  - {problem}")
        summary = (
            f"{passed + len(failed)} item(s) checked "
            f"({'chains only' if chains_only else 'chains and stored bytes'}; "
            f"{disposed} disposed, their records checked): {passed} intact, {len(failed)} failed; "
            f"{len(orphans)} stored object(s) belonging to no item"
            f"{' removed' if remove_orphans and orphans else ''}."
        )
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
