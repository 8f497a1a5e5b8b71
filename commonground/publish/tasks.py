import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def build_nightly_release() -> int:
    """Rebuild every public dataset from the records as they are now."""
    from commonground.publish.actions import build_release

    release = build_release()
    logger.info("Published release %s", release.pk)
    return release.pk
