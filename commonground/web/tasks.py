from django_tasks import task

from commonground.lib.database import refresh_statistics


@task()
def refresh_database_statistics() -> None:
    """Daily: the query planner's statistics follow the data as it grows."""
    refresh_statistics()
