from django.core.management.base import BaseCommand
from django.db import connection, transaction

from commonground.accounts.actions import rotate_second_factor_secrets
from commonground.lib.crypto import rotate

# Every encrypted column: (table, column). Re-encrypted with the first of ENCRYPTION_KEYS.
ENCRYPTED_COLUMNS = [
    ("complaints_report", "reporter_contact"),
    ("complaints_involvedperson", "details"),
]


class Command(BaseCommand):
    help = "Re-encrypt personal data with the newest key in ENCRYPTION_KEYS (after adding one)."

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        for table, column in ENCRYPTED_COLUMNS:
            done = 0
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608 (our own names, quoted)  # nosec B608
                    f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
                )
                for pk, token in cursor.fetchall():
                    # nosemgrep: sql-built-from-strings (our own names, quoted)
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608  # nosec B608
                        [rotate(token), pk],
                    )
                    done += 1
            self.stdout.write(f"{table}.{column}: {done} value(s) re-encrypted")
        done = rotate_second_factor_secrets()
        self.stdout.write(f"second-factor secrets: {done} value(s) re-encrypted")
