"""The surveys app's queued work."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def rewrite_survey_tables() -> list[str]:
    """Nightly, and when a wave closes: leave nothing in the database's bookkeeping that could
    match a response to the invitation or phone case it used (see `surveys.storage`)."""
    from commonground.surveys.storage import rewrite_survey_tables as rewrite

    tables = rewrite()
    logger.info("Rewrote %d survey tables", len(tables))
    return tables
