from django_tasks import task

from commonground.evidence import actions


@task()
def dispose_of_expired_items() -> dict:
    """Daily: items past their retention date lose their bytes, unless a legal hold is in force.
    The record of each item and of its disposal stays."""
    disposed, held = actions.dispose_due_items()
    return {"disposed": disposed, "held": held}


@task()
def apply_retention_schedule(schedule_id: int) -> int:
    """After a schedule's period changes in the admin, the items on it get their new dates."""
    return actions.reschedule_items(schedule_id=schedule_id)


@task()
def discard_stale_uploads() -> int:
    """Daily: uploads sent in pieces and not imported within a few days are removed, with every
    piece they left in storage."""
    return actions.discard_stale_upload_sessions()


@task()
def discard_orphans() -> dict:
    """Daily: what a crashed process left behind (a stored file whose row was never committed,
    a temporary upload file) is removed once it is a day old."""
    import datetime

    return actions.discard_orphans(older_than=datetime.timedelta(days=1))
