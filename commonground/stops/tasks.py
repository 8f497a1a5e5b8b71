from django_tasks import task

from commonground.stops import actions


@task()
def check_batch_task(batch_id: int) -> str:
    """Check an imported file row by row and load it if every row is right."""
    return actions.check_batch(batch_id=batch_id).status
