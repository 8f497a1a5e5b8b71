import pytest

from commonground.complaints.tests.factories import file


@pytest.mark.django_db
def test_the_daily_task_gives_the_query_planner_statistics():
    from django.db import connection

    from commonground.web.tasks import refresh_database_statistics

    file()
    refresh_database_statistics.enqueue()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'complaints_report'")
            assert cursor.fetchone()[0] > 0
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'complaints_report'")
            assert cursor.fetchone()[0] >= 0  # -1 until the table is analysed
