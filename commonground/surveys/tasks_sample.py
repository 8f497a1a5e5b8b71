"""Background work of the sampling area: writing a large address list's addresses."""

from django_tasks import task

from commonground.surveys import actions


@task()
def load_addresses_task(frame_id: int, path: str) -> int:
    """Write the checked rows stored at `path` into the frame, counting as it goes."""
    return actions.load_addresses(frame_id=frame_id, path=path)
