"""Keeping where a response came from out of the database's own bookkeeping.

A response keeps no reference to its invitation or phone case, no time, and a random key. On
SQLite that is all there is: a table sits in the order of its integer key, and a row carries
nothing else. PostgreSQL writes down two more things someone holding the database could match:

- each row version's `xmin`, the transaction that wrote it. The response, its answers, and the
  new version of the invitation (or phone case, and the interviewer's last call attempt) it used
  are written by one transaction, so they share one `xmin`;
- where rows sit in the table file: new rows go after the last ones, and the deleted or updated
  versions (a resident's draft, the invitation before it was used) stay in the file until vacuum.

`rewrite_survey_tables` removes both. It rewrites every row of these tables in one transaction,
so every row then carries that transaction's `xmin`, and after it commits rewrites each table
file in the order of its primary key (CLUSTER), which keeps only live rows: random order for
responses and answers, the order they were drawn in for invitations and phone cases. It runs
nightly and when a wave closes. What is left until then, and in the write-ahead log and the
backups of that day, is said in the README's design notes."""

from django.db import connection, transaction

from commonground.surveys.models import Answer, CallAttempt, Draft, Invitation, PhoneCase, Response

REWRITTEN = (Invitation, PhoneCase, CallAttempt, Response, Answer, Draft)


def rewrite_survey_tables() -> list[str]:
    """Rewrite the tables that responses and what let them in live in (PostgreSQL; nothing to
    do on SQLite). Returns the tables rewritten."""
    if connection.vendor != "postgresql":
        return []
    if connection.in_atomic_block:
        # The second step must follow a commit (below); inside a caller's transaction it would
        # silently keep every old version. Enqueue the task instead.
        raise RuntimeError("rewrite_survey_tables runs outside any transaction")
    quote = connection.ops.quote_name
    tables = [model._meta.db_table for model in REWRITTEN]
    # One transaction for every table: every row then has the same xmin.
    with transaction.atomic(), connection.cursor() as cursor:
        for model in REWRITTEN:
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            statement = f"UPDATE {table} SET {pk} = {pk}"  # noqa: S608 (our quoted names)  # nosec B608
            cursor.execute(statement)
    # After the commit, so the versions just replaced are dead and CLUSTER drops them (in the
    # same transaction it would keep them, as versions its own transaction could still see).
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND i.indisprimary",
                [table],
            )
            (index,) = cursor.fetchone()
            # nosemgrep: sql-built-from-strings (quoted names of our own tables and indexes)
            cursor.execute(f"CLUSTER {quote(table)} USING {quote(index)}")
    return tables
